//===- Plot.cpp - Training curves as SVG ----------------------------------===//
//
// See Plot.h. Each panel maps data to pixels with an affine map per axis;
// everything is emitted as SVG elements with explicit coordinates.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/Plot.h"

#include "runtime/ByteIO.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>

namespace kiln::runtime {

namespace {

const char *const kTrainColor = "#1f77b4"; // matplotlib's first two colours
const char *const kValColor = "#ff7f0e";

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string xmlEscape(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string tickLabel(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  // "-0.00" is zero; print it without the sign.
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos)
    s.erase(0, 1);
  return s;
}

/// One curve: a value per epoch, absent or non-finite where there is none.
struct Series {
  std::string name;
  const char *color;
  bool dashed;
  std::vector<std::optional<double>> values;
};

struct Rect {
  double x, y, w, h;
};

/// Draws one panel: frame, grid, ticks, labels and the curves.
void drawPanel(std::string &svg, const Rect &area, const std::string &title,
               const std::string &yLabel, size_t numEpochs, const std::vector<Series> &series,
               bool unitInterval) {
  // 1. The data range over finite values, and the ticks.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series &s : series)
    for (const std::optional<double> &v : s.values)
      if (v && std::isfinite(*v)) {
        lo = std::min(lo, *v);
        hi = std::max(hi, *v);
      }
  if (!std::isfinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (unitInterval)
    hi = std::min(std::max(hi, lo), 1.0);
  AxisTicks yTicks = niceTicks(lo, hi, 5);
  AxisTicks xTicks = niceTicks(1, double(std::max<size_t>(numEpochs, 1)), 8, true);
  // Epochs 1..n with a little room at both ends so end markers clear the frame.
  double xPad = numEpochs <= 1 ? 0.5 : 0.03 * double(numEpochs - 1);
  double xLo = 1 - xPad, xHi = double(std::max<size_t>(numEpochs, 1)) + xPad;
  auto px = [&](double e) { return area.x + (e - xLo) / (xHi - xLo) * area.w; };
  auto py = [&](double v) {
    return area.y + area.h - (v - yTicks.lo) / (yTicks.hi - yTicks.lo) * area.h;
  };

  // 2. Title, frame, grid and tick labels.
  svg += "<g class=\"panel\">\n";
  svg += "<text x=\"" + num(area.x + area.w / 2) + "\" y=\"" + num(area.y - 12) +
         "\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">" +
         xmlEscape(title) + "</text>\n";
  svg += "<rect x=\"" + num(area.x) + "\" y=\"" + num(area.y) + "\" width=\"" + num(area.w) +
         "\" height=\"" + num(area.h) + "\" fill=\"#ffffff\" stroke=\"#444444\"/>\n";
  for (double v : yTicks.values) {
    std::string y = num(py(v));
    svg += "<line x1=\"" + num(area.x) + "\" y1=\"" + y + "\" x2=\"" + num(area.x + area.w) +
           "\" y2=\"" + y + "\" stroke=\"#e5e5e5\"/>\n";
    svg += "<line x1=\"" + num(area.x - 5) + "\" y1=\"" + y + "\" x2=\"" + num(area.x) +
           "\" y2=\"" + y + "\" stroke=\"#444444\"/>\n";
    svg += "<text x=\"" + num(area.x - 8) + "\" y=\"" + num(py(v) + 4) +
           "\" text-anchor=\"end\" font-size=\"11\">" + tickLabel(v, yTicks.decimals) +
           "</text>\n";
  }
  for (double e : xTicks.values) {
    if (e < xLo - 1e-9 || e > xHi + 1e-9)
      continue;
    std::string x = num(px(e));
    svg += "<line x1=\"" + x + "\" y1=\"" + num(area.y) + "\" x2=\"" + x + "\" y2=\"" +
           num(area.y + area.h) + "\" stroke=\"#f0f0f0\"/>\n";
    svg += "<line x1=\"" + x + "\" y1=\"" + num(area.y + area.h) + "\" x2=\"" + x +
           "\" y2=\"" + num(area.y + area.h + 5) + "\" stroke=\"#444444\"/>\n";
    svg += "<text x=\"" + x + "\" y=\"" + num(area.y + area.h + 18) +
           "\" text-anchor=\"middle\" font-size=\"11\">" + tickLabel(e, 0) + "</text>\n";
  }
  svg += "<text x=\"" + num(area.x + area.w / 2) + "\" y=\"" + num(area.y + area.h + 38) +
         "\" text-anchor=\"middle\" font-size=\"12\">Epoch</text>\n";
  double labelX = area.x - 52, labelY = area.y + area.h / 2;
  svg += "<text x=\"" + num(labelX) + "\" y=\"" + num(labelY) +
         "\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 " + num(labelX) +
         " " + num(labelY) + ")\">" + xmlEscape(yLabel) + "</text>\n";

  // 3. The curves: polylines broken at missing values, and markers.
  for (const Series &s : series) {
    std::string dash = s.dashed ? " stroke-dasharray=\"6 4\"" : "";
    std::string points;
    auto flush = [&] {
      if (!points.empty())
        svg += "<polyline fill=\"none\" stroke=\"" + std::string(s.color) +
               "\" stroke-width=\"2\"" + dash + " points=\"" + points + "\"/>\n";
      points.clear();
    };
    for (size_t i = 0; i < s.values.size(); ++i) {
      const std::optional<double> &v = s.values[i];
      if (!v || !std::isfinite(*v)) {
        flush();
        continue;
      }
      points += (points.empty() ? "" : " ") + num(px(double(i + 1))) + "," + num(py(*v));
    }
    flush();
    for (size_t i = 0; i < s.values.size(); ++i) {
      const std::optional<double> &v = s.values[i];
      if (!v || !std::isfinite(*v))
        continue;
      double x = px(double(i + 1)), y = py(*v);
      if (s.dashed)
        svg += "<rect x=\"" + num(x - 3) + "\" y=\"" + num(y - 3) +
               "\" width=\"6\" height=\"6\" fill=\"" + s.color + "\"/>\n";
      else
        svg += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"3\" fill=\"" +
               s.color + "\"/>\n";
    }
  }
  svg += "</g>\n";
}

} // namespace

AxisTicks niceTicks(double lo, double hi, int target, bool integers) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (lo > hi)
    std::swap(lo, hi);
  if (hi - lo < 1e-12) {
    double pad = std::max(std::fabs(lo) * 0.05, 0.05);
    lo -= pad;
    hi += pad;
  }
  // 1. A raw step, rounded up to 1, 2 or 5 times a power of ten.
  double raw = (hi - lo) / std::max(target, 1);
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power * 10;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * power * (1 + 1e-9)) {
      step = m * power;
      break;
    }
  if (integers)
    step = std::max(step, 1.0);
  // 2. The range snapped outwards to multiples of the step.
  AxisTicks t;
  t.step = step;
  t.lo = std::floor(lo / step + 1e-9) * step;
  t.hi = std::ceil(hi / step - 1e-9) * step;
  if (t.hi <= t.lo)
    t.hi = t.lo + step;
  for (double v = t.lo; v <= t.hi + step * 1e-6; v += step)
    t.values.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  t.decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
  return t;
}

std::string renderHistorySvg(const History &history, const PlotOptions &options) {
  double width = options.width, height = options.height;
  size_t n = history.epochs.size();
  bool val = history.hasValidation();

  Series trainLoss{"training", kTrainColor, false, {}}, valLoss{"validation", kValColor, true, {}};
  Series trainAcc = trainLoss, valAcc = valLoss;
  for (const EpochRecord &e : history.epochs) {
    trainLoss.values.push_back(e.loss);
    trainAcc.values.push_back(e.accuracy);
    valLoss.values.push_back(e.valLoss);
    valAcc.values.push_back(e.valAccuracy);
  }
  std::vector<Series> lossSeries{trainLoss}, accSeries{trainAcc};
  if (val) {
    lossSeries.push_back(valLoss);
    accSeries.push_back(valAcc);
  }

  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(width) +
         "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
  svg += "<title>" + xmlEscape(options.title) + "</title>\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + num(width) + "\" height=\"" + num(height) +
         "\" fill=\"#ffffff\"/>\n";
  svg += "<text x=\"" + num(width / 2) + "\" y=\"26\" text-anchor=\"middle\" font-size=\"18\">" +
         xmlEscape(options.title) + "</text>\n";

  // The shared legend under the title.
  svg += "<g class=\"legend\" font-size=\"12\">\n";
  std::vector<const Series *> legend{&trainLoss};
  if (val)
    legend.push_back(&valLoss);
  double itemWidth = 120, legendX = width / 2 - itemWidth * double(legend.size()) / 2;
  for (size_t i = 0; i < legend.size(); ++i) {
    double x = legendX + itemWidth * double(i), y = 48;
    svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(y) + "\" x2=\"" + num(x + 30) +
           "\" y2=\"" + num(y) + "\" stroke=\"" + legend[i]->color + "\" stroke-width=\"2\"" +
           (legend[i]->dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
    svg += "<text x=\"" + num(x + 36) + "\" y=\"" + num(y + 4) + "\">" + legend[i]->name +
           "</text>\n";
  }
  svg += "</g>\n";

  double top = 92, bottom = 56, left = 72, gap = 96;
  double panelW = (width - left - gap - 24) / 2, panelH = height - top - bottom;
  drawPanel(svg, {left, top, panelW, panelH}, "Loss", "loss", n, lossSeries, false);
  drawPanel(svg, {left + panelW + gap, top, panelW, panelH}, "Accuracy", "accuracy", n,
            accSeries, true);
  svg += "</svg>\n";
  return svg;
}

Status writeHistorySvg(const std::string &path, const History &history,
                       const PlotOptions &options) {
  std::string svg = renderHistorySvg(history, options);
  return writeFileAtomic(path, svg.data(), svg.size()).withContext(path);
}

} // namespace kiln::runtime
