//===- Summary.cpp - Keras 3's model.summary() ----------------------------===//
//
// Reproduces keras.src.utils.summary_utils.print_summary and the parts of
// Rich's Table it relies on.
//
// 1. Keras picks the line length: min(88, columns - 4) for sequential-like
//    models (3 columns at 45% / 80% / 100%), min(108, columns - 4) otherwise
//    (4 columns at 30% / 56% / 74% / 100%, adding "Connected to"), and gives
//    each column a fixed width.
// 2. Rich adds one cell of padding each side; when the columns then exceed
//    the table width less its borders, it takes the excess from every
//    column evenly (ratio_reduce, with Python's round-half-even).
// 3. Cells wrap at spaces (long words are folded); rows are separated by
//    lines (show_lines=True), the header uses heavy borders (HEAVY_HEAD).
//
//===----------------------------------------------------------------------===//
#include "frontend/Summary.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sys/ioctl.h>
#include <unistd.h>

namespace kiln::frontend {

int terminalColumns() {
  if (const char *c = std::getenv("COLUMNS")) {
    int n = std::atoi(c);
    if (n > 0)
      return n;
  }
  struct winsize ws;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return 80;
}

std::string withCommas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string readableSize(double bytes) {
  static const char *units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  char buf[64];
  for (const char *unit : units) {
    if (bytes / 1024 < 1) {
      std::snprintf(buf, sizeof buf, "%.2f %s", bytes, unit);
      return buf;
    }
    bytes /= 1024;
  }
  std::snprintf(buf, sizeof buf, "%.2f PB", bytes);
  return buf;
}

namespace {

/// Python's round(): half to even.
int64_t pyRound(double x) {
  double r = std::nearbyint(x);  // default rounding mode: half to even
  return static_cast<int64_t>(r);
}

/// rich._ratio.ratio_reduce with all ratios 1.
std::vector<int> ratioReduce(int total, std::vector<int> values) {
  int totalRatio = values.size();
  int remaining = total;
  for (int &v : values) {
    int distributed =
        std::min<int>(v, pyRound(double(remaining) / totalRatio));
    v -= distributed;
    remaining -= distributed;
    totalRatio -= 1;
  }
  return values;
}

/// Display width of UTF-8 text (each code point one cell; the summary holds
/// no wide characters).
size_t displayWidth(const std::string &s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

/// Rich's word wrap: greedy on spaces, folding words longer than a line.
std::vector<std::string> wrap(const std::string &text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t sp = text.find(' ', pos);
    std::string word =
        text.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
    pos = sp == std::string::npos ? text.size() + 1 : sp + 1;
    if (word.empty())
      continue;
    if (!line.empty() && displayWidth(line) + 1 + displayWidth(word) <= width) {
      line += " " + word;
      continue;
    }
    if (!line.empty())
      lines.push_back(line);
    line.clear();
    while (displayWidth(word) > width) {
      lines.push_back(word.substr(0, width));
      word = word.substr(width);
    }
    line = word;
  }
  if (!line.empty() || lines.empty())
    lines.push_back(line);
  return lines;
}

std::string repeat(const std::string &s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += s;
  return out;
}

std::string pad(const std::string &s, size_t width, bool right) {
  size_t w = displayWidth(s);
  std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") +
         (shape[i] < 0 ? std::string("None") : std::to_string(shape[i]));
  return s + (shape.size() == 1 ? ",)" : ")");
}

} // namespace

std::string renderSummary(const BuiltModel &model, int columns) {
  bool seq = model.sequential;
  std::vector<double> positions =
      seq ? std::vector<double>{0.45, 0.80, 1.0}
          : std::vector<double>{0.3, 0.56, 0.74, 1.0};
  std::vector<std::string> header = {"Layer (type)", "Output Shape",
                                     "Param #"};
  if (!seq)
    header.push_back("Connected to");
  std::vector<bool> right = {false, false, true, false};
  int lineLength = std::min(seq ? 88 : 108, columns - 4);
  if (lineLength < 20)
    lineLength = 20;

  // 1. Keras's column widths, plus Rich's padding.
  std::vector<int> widths;
  int current = 0;
  for (double p : positions) {
    int w = static_cast<int>(p * lineLength) - current;
    widths.push_back(w + 2);
    current += w;
  }
  // 2. Rich fits them into the table width less its borders.
  int maxWidth = lineLength - (static_cast<int>(widths.size()) + 1);
  int total = 0;
  for (int w : widths)
    total += w;
  if (total > maxWidth)
    widths = ratioReduce(total - maxWidth, widths);

  // 3. Rows. Sequential models hide their input layer, as Keras does.
  std::vector<std::vector<std::string>> rows;
  for (const SummaryRow &r : model.rows) {
    if (r.isInput && !model.functional)
      continue;
    std::vector<std::string> row = {r.name + " (" + r.className + ")",
                                    formatShape(r.shape),
                                    withCommas(r.params)};
    if (!seq) {
      std::string conn;
      for (const auto &c : r.connectedTo)
        conn += (conn.empty() ? "" : ", ") + c;
      row.push_back(conn.empty() ? "-" : conn);
    }
    rows.push_back(row);
  }

  auto rule = [&](const char *l, const char *h, const char *m, const char *r) {
    std::string s = l;
    for (size_t i = 0; i < widths.size(); ++i)
      s += repeat(h, widths[i]) + (i + 1 < widths.size() ? m : r);
    return s + "\n";
  };
  auto line = [&](const std::vector<std::string> &cells, const char *v) {
    std::vector<std::vector<std::string>> wrapped;
    size_t height = 1;
    for (size_t i = 0; i < cells.size(); ++i) {
      wrapped.push_back(wrap(cells[i], widths[i] - 2));
      height = std::max(height, wrapped.back().size());
    }
    std::string s;
    for (size_t l = 0; l < height; ++l) {
      s += v;
      for (size_t i = 0; i < cells.size(); ++i) {
        std::string text = l < wrapped[i].size() ? wrapped[i][l] : "";
        s += " " + pad(text, widths[i] - 2, right[i]) + " " + v;
      }
      s += "\n";
    }
    return s;
  };

  std::string out = "Model: \"" + model.name + "\"\n";
  out += rule("┏", "━", "┳", "┓");
  out += line(header, "┃");
  out += rule("┡", "━", "╇", "┩");
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i)
      out += rule("├", "─", "┼", "┤");
    out += line(rows[i], "│");
  }
  out += rule("└", "─", "┴", "┘");
  int64_t all = model.trainableParams + model.nonTrainableParams;
  out += " Total params: " + withCommas(all) + " (" +
         readableSize(all * 4.0) + ")\n";
  out += " Trainable params: " + withCommas(model.trainableParams) + " (" +
         readableSize(model.trainableParams * 4.0) + ")\n";
  out += " Non-trainable params: " + withCommas(model.nonTrainableParams) +
         " (" + readableSize(model.nonTrainableParams * 4.0) + ")\n";
  return out;
}

} // namespace kiln::frontend
