//===- Progress.h - Keras 3's progress bar and number formats ---*- C++ -*-===//
//
// The per-epoch progress line of Keras 3's Progbar (keras/src/utils/
// progbar.py), reproduced character for character in its final form:
//   422/422 ━━━━━━━━━━━━━━━━━━━━ 8s 11ms/step - accuracy: 0.9648 - loss: 0.1189
// The step count is right-aligned to the target's width; the bar has 20
// cells of '━', done cells green and the rest grey on a colour terminal; the
// time is the epoch's elapsed seconds (%.0f) at the end and the ETA while it
// runs ("%ds", "%d:%02d" past a minute, "%d:%02d:%02d" past an hour); the
// time per step excludes the first step (compilation, warm-up) once there is
// more than one, and is printed as s, ms or us per step by Keras's
// thresholds; metrics are sorted by name and printed with 4 decimals, or
// %.4e when |v| <= 1e-3. On a terminal the line is redrawn with a carriage
// return at most every `interval` seconds; elsewhere only the final line is
// written, without escape codes or '\r', so logs and pipes read cleanly. The
// clock is injectable so that tests can check exact lines.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TRAIN_PROGRESS_H
#define KILN_RUNTIME_TRAIN_PROGRESS_H

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace kiln::runtime {

/// A source of time in seconds (any origin; only differences are used).
using Clock = std::function<double()>;

/// std::chrono::steady_clock, in seconds.
Clock steadyClock();

/// A named metric value, as shown after the bar.
struct Metric {
  std::string name;
  double value = 0;
};

/// How progress is shown.
enum class ProgressStyle {
  /// A live line redrawn with '\r' and ANSI colours (a terminal).
  Live,
  /// Only each epoch's final line, plain text (a pipe or a file).
  Final,
  /// Nothing (Keras's verbose=0).
  Silent,
};

/// Live when file descriptor `fd` is a terminal, Final otherwise.
ProgressStyle progressStyleForFd(int fd);

/// Python's repr() of a float: the shortest digits that round-trip, in
/// fixed notation for exponents in [-4, 16) and as "1.5e-05" otherwise
/// ("0.9911000132560730", "1e+16", "nan", "-inf").
std::string formatPythonFloat(double value);

/// A metric as Keras's progress bar prints it: "%.4f", or "%.4e" when
/// |value| <= 1e-3 (so 0 prints as "0.0000e+00"), "nan"/"inf" as Python.
std::string formatMetricValue(double value);

/// " 11ms/step": Keras's time per unit (s when >= 1 or exactly 0, ms when
/// >= 1e-3, else us), with its leading space.
std::string formatTimePerUnit(double seconds, const std::string &unit = "step");

/// The ETA as Keras prints it: "7s", "1:05", "1:01:05" (truncated).
std::string formatEta(double seconds);

/// Keras's progress line without '\r', newline or padding. `finalized`
/// shows the elapsed time instead of the ETA. `color` adds Keras's ANSI
/// bold and colour codes.
std::string renderProgressLine(int64_t current, int64_t target, bool finalized,
                               double elapsedSeconds, double secondsPerStep,
                               const std::vector<Metric> &metrics, bool color);

/// The number of terminal columns `text` takes (UTF-8 code points, not
/// counting ANSI escape sequences).
size_t visibleWidth(const std::string &text);

/// One epoch's progress bar at a time, Keras's Progbar(verbose=1).
class ProgressBar {
public:
  /// Writes to `out` in `style`; `interval` is the least time between two
  /// live redraws.
  ProgressBar(std::ostream &out, ProgressStyle style, Clock clock = steadyClock(),
              double interval = 0.1);

  /// Starts a bar of `target` steps; the clock starts now.
  void start(int64_t target);

  /// Reports that step `current` (1-based) is done; `metrics` are the
  /// running values so far. Redraws when live and due.
  void update(int64_t current, const std::vector<Metric> &metrics);

  /// Writes the final line with `metrics` and a newline.
  void finish(const std::vector<Metric> &metrics);

  /// Ends a live line that will not be finished (an error follows), so the
  /// message starts on a line of its own.
  void abandon();

  /// Seconds from start() to finish().
  double elapsedSeconds() const { return Elapsed; }
  /// The time per step shown by finish(), in seconds.
  double secondsPerStep() const { return PerStep; }

private:
  double estimatePerStep(int64_t current, double now);
  void draw(int64_t current, bool finalized, double now, const std::vector<Metric> &metrics);

  std::ostream &Out;
  ProgressStyle Style;
  Clock Now;
  double Interval;
  int64_t Target = 0;
  double Start = 0, LastDraw = 0, Elapsed = 0, PerStep = 0;
  std::optional<double> AfterFirstStep;
  size_t PrevWidth = 0;
  bool LineOpen = false;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_TRAIN_PROGRESS_H
