//===- Plot.h - Training curves as SVG --------------------------*- C++ -*-===//
//
// Draws a History as a standalone SVG file that any browser opens: two
// panels side by side, loss and accuracy against the epoch, each with the
// training curve (blue, solid, round markers) and, when validation ran, the
// validation curve (orange, dashed, square markers); axes with "nice" ticks
// (1, 2 or 5 times a power of ten), grid lines, axis labels, a panel title,
// one shared legend and an overall title. Non-finite values (a diverged
// epoch) are left out and break the line. No library is involved: the file
// is a few hundred lines of plain SVG 1.1 text.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TRAIN_PLOT_H
#define KILN_RUNTIME_TRAIN_PLOT_H

#include "runtime/Status.h"
#include "runtime/train/History.h"

#include <string>
#include <vector>

namespace kiln::runtime {

/// How the plot looks.
struct PlotOptions {
  std::string title = "Training history";
  int width = 960;
  int height = 420;
};

/// Axis ticks covering a data range.
struct AxisTicks {
  double lo = 0, hi = 1, step = 1; ///< the axis range and the tick spacing
  std::vector<double> values;      ///< the ticks, lo to hi
  int decimals = 0;                ///< digits after the point in labels
};

/// Ticks 1, 2 or 5 times a power of ten apart that cover [lo, hi] with
/// about `target` intervals; an empty or single-value range is widened.
/// With `integers`, the step is at least 1 (for epochs).
AxisTicks niceTicks(double lo, double hi, int target = 5, bool integers = false);

/// The SVG text of `history`'s curves.
std::string renderHistorySvg(const History &history, const PlotOptions &options = {});

/// Writes renderHistorySvg() to `path` atomically.
Status writeHistorySvg(const std::string &path, const History &history,
                       const PlotOptions &options = {});

} // namespace kiln::runtime

#endif // KILN_RUNTIME_TRAIN_PLOT_H
