//===- Progress.cpp - Keras 3's progress bar and number formats -----------===//
//
// See Progress.h. The arithmetic follows keras/src/utils/progbar.py so that
// the numbers printed agree with Keras's for the same timings.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/Progress.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <unistd.h>

namespace kiln::runtime {

namespace {

const char *const kBarCell = "\u2501"; // '━', BOX DRAWINGS HEAVY HORIZONTAL
constexpr int kBarWidth = 20;

std::string printfString(const char *format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string repeat(const char *piece, int times) {
  std::string s;
  for (int i = 0; i < times; ++i)
    s += piece;
  return s;
}

} // namespace

Clock steadyClock() {
  return [] {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
  };
}

ProgressStyle progressStyleForFd(int fd) {
  return ::isatty(fd) ? ProgressStyle::Live : ProgressStyle::Final;
}

std::string formatPythonFloat(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  if (value == 0)
    return std::signbit(value) ? "-0.0" : "0.0";
  // 1. The shortest round-trip digits and the decimal exponent, from
  //    to_chars's scientific form "d.ddde+XX".
  char buf[64];
  std::to_chars_result r =
      std::to_chars(buf, buf + sizeof buf, std::fabs(value), std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  size_t e = sci.find('e');
  int exponent = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (sci[i] != '.')
      digits += sci[i];
  // 2. Python's repr: fixed notation for exponents in [-4, 16), always with
  //    a fractional part; scientific with a two-digit exponent otherwise.
  std::string out = value < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1)
      out += "." + digits.substr(1);
    char expText[8];
    std::snprintf(expText, sizeof expText, "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return out + expText;
  }
  if (exponent < 0)
    return out + "0." + std::string(size_t(-exponent - 1), '0') + digits;
  size_t intDigits = size_t(exponent) + 1;
  if (digits.size() <= intDigits)
    return out + digits + std::string(intDigits - digits.size(), '0') + ".0";
  return out + digits.substr(0, intDigits) + "." + digits.substr(intDigits);
}

std::string formatMetricValue(double value) {
  if (std::isnan(value) || std::isinf(value))
    return formatPythonFloat(value);
  return printfString(std::fabs(value) > 1e-3 ? "%.4f" : "%.4e", value);
}

std::string formatTimePerUnit(double seconds, const std::string &unit) {
  if (seconds >= 1 || seconds == 0)
    return printfString(" %.0fs/", seconds) + unit;
  if (seconds >= 1e-3)
    return printfString(" %.0fms/", seconds * 1000.0) + unit;
  return printfString(" %.0fus/", seconds * 1000000.0) + unit;
}

std::string formatEta(double seconds) {
  char buf[64];
  // Python's "%d" truncates a float toward zero; // and % floor.
  if (seconds > 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld",
                  (long long)std::floor(seconds / 3600),
                  (long long)std::floor(std::fmod(seconds, 3600) / 60),
                  (long long)std::fmod(seconds, 60));
  else if (seconds > 60)
    std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)std::floor(seconds / 60),
                  (long long)std::fmod(seconds, 60));
  else
    std::snprintf(buf, sizeof buf, "%llds", (long long)seconds);
  return buf;
}

std::string renderProgressLine(int64_t current, int64_t target, bool finalized,
                               double elapsedSeconds, double secondsPerStep,
                               const std::vector<Metric> &metrics, bool color) {
  const char *bold = color ? "\x1b[1m" : "";
  const char *green = color ? "\x1b[32m" : "";
  const char *grey = color ? "\x1b[37m" : "";
  const char *reset = color ? "\x1b[0m" : "";

  // 1. "422/422 " with the count right-aligned to the target's digits.
  std::string targetText = std::to_string(target);
  std::string currentText = std::to_string(current);
  if (currentText.size() < targetText.size())
    currentText.insert(0, targetText.size() - currentText.size(), ' ');
  std::string line = bold + currentText + "/" + targetText + reset + " ";

  // 2. The bar: int(20 * current / target) done cells, the rest to come.
  int done = target > 0 ? int(double(kBarWidth) * (double(current) / double(target))) : 0;
  done = std::clamp(done, 0, kBarWidth);
  if (done > 0)
    line += green + repeat(kBarCell, done) + reset;
  line += grey + repeat(kBarCell, kBarWidth - done) + reset;

  // 3. Elapsed time when finished, else the ETA; then the time per step.
  std::string when = finalized ? printfString("%.0fs", elapsedSeconds)
                               : formatEta(secondsPerStep * double(target - current));
  line += std::string(" ") + bold + when + reset + formatTimePerUnit(secondsPerStep);

  // 4. Metrics by name.
  std::vector<Metric> sorted = metrics;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Metric &a, const Metric &b) { return a.name < b.name; });
  for (const Metric &m : sorted)
    line += " - " + m.name + ": " + formatMetricValue(m.value);
  return line;
}

size_t visibleWidth(const std::string &text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {
      // Skip "ESC [ ... final-byte".
      while (i + 1 < text.size() && !std::isalpha(static_cast<unsigned char>(text[i + 1])))
        ++i;
      ++i;
      continue;
    }
    if ((c & 0xC0) != 0x80)
      ++width;
  }
  return width;
}

ProgressBar::ProgressBar(std::ostream &out, ProgressStyle style, Clock clock, double interval)
    : Out(out), Style(style), Now(std::move(clock)), Interval(interval) {}

void ProgressBar::start(int64_t target) {
  Target = target;
  Start = Now();
  LastDraw = Start - Interval; // the first step always draws
  Elapsed = PerStep = 0;
  AfterFirstStep.reset();
  PrevWidth = 0;
  LineOpen = false;
}

double ProgressBar::estimatePerStep(int64_t current, double now) {
  // Keras's _estimate_step_duration: ignore the first step once there is a
  // second, since it carries the warm-up.
  if (current <= 0)
    return 0;
  double perStep = AfterFirstStep && current > 1 ? (now - *AfterFirstStep) / double(current - 1)
                                                 : (now - Start) / double(current);
  if (current == 1)
    AfterFirstStep = now;
  return perStep;
}

void ProgressBar::draw(int64_t current, bool finalized, double now,
                       const std::vector<Metric> &metrics) {
  double perStep = PerStep;
  bool live = Style == ProgressStyle::Live;
  std::string line =
      renderProgressLine(current, Target, finalized, now - Start, perStep, metrics, live);
  if (live) {
    size_t width = visibleWidth(line);
    Out << '\r' << line;
    if (PrevWidth > width)
      Out << std::string(PrevWidth - width, ' ');
    PrevWidth = width;
    LineOpen = !finalized;
  } else {
    Out << line;
  }
  if (finalized)
    Out << '\n';
  Out.flush();
}

void ProgressBar::update(int64_t current, const std::vector<Metric> &metrics) {
  double now = Now();
  PerStep = estimatePerStep(current, now);
  if (Style != ProgressStyle::Live || now - LastDraw < Interval)
    return;
  LastDraw = now;
  draw(current, false, now, metrics);
}

void ProgressBar::finish(const std::vector<Metric> &metrics) {
  double now = Now();
  PerStep = estimatePerStep(Target, now);
  Elapsed = now - Start;
  LineOpen = false;
  if (Style != ProgressStyle::Silent)
    draw(Target, true, now, metrics);
}

void ProgressBar::abandon() {
  if (LineOpen) {
    Out << '\n';
    Out.flush();
  }
  LineOpen = false;
}

} // namespace kiln::runtime
