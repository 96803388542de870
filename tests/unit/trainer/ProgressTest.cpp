//===- ProgressTest.cpp - Tests of Keras's progress output ----------------===//
//
// Number formats against Python's and Keras's, the seed's epoch lines
// reproduced from chosen timings, a whole fit's output under a scripted
// clock, and the difference between terminal and pipe output.
//
//===----------------------------------------------------------------------===//
#include "FakeModels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;

namespace {

const std::string kBar20 = "━━━━━━━━━━━━━━━━━━━━";

TEST(ProgressFormat, PythonFloatRepr) {
  EXPECT_EQ(formatPythonFloat(double(float(0.024686934426426888))), "0.024686934426426888");
  EXPECT_EQ(formatPythonFloat(double(0.9911f)), "0.991100013256073");
  EXPECT_EQ(formatPythonFloat(1.0), "1.0");
  EXPECT_EQ(formatPythonFloat(0.1), "0.1");
  EXPECT_EQ(formatPythonFloat(-2.5), "-2.5");
  EXPECT_EQ(formatPythonFloat(120.0), "120.0");
  EXPECT_EQ(formatPythonFloat(0.0001), "0.0001");
  EXPECT_EQ(formatPythonFloat(0.00001), "1e-05");
  EXPECT_EQ(formatPythonFloat(1.5e-7), "1.5e-07");
  EXPECT_EQ(formatPythonFloat(1e16), "1e+16");
  EXPECT_EQ(formatPythonFloat(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(formatPythonFloat(999999999999999.9), "999999999999999.9");
  EXPECT_EQ(formatPythonFloat(0.0), "0.0");
  EXPECT_EQ(formatPythonFloat(-0.0), "-0.0");
  EXPECT_EQ(formatPythonFloat(std::nan("")), "nan");
  EXPECT_EQ(formatPythonFloat(-INFINITY), "-inf");
}

TEST(ProgressFormat, MetricsTimesAndEta) {
  EXPECT_EQ(formatMetricValue(0.96484), "0.9648");
  EXPECT_EQ(formatMetricValue(0.0011), "0.0011");
  EXPECT_EQ(formatMetricValue(0.0005), "5.0000e-04");
  EXPECT_EQ(formatMetricValue(0.0), "0.0000e+00");
  EXPECT_EQ(formatMetricValue(-3.25), "-3.2500");
  EXPECT_EQ(formatMetricValue(-std::nan("")), "nan");

  EXPECT_EQ(formatTimePerUnit(0.011475), " 11ms/step");
  EXPECT_EQ(formatTimePerUnit(0.0105), " 10ms/step"); // half to even, as Python
  EXPECT_EQ(formatTimePerUnit(2.4), " 2s/step");
  EXPECT_EQ(formatTimePerUnit(1.0), " 1s/step");
  EXPECT_EQ(formatTimePerUnit(0.0), " 0s/step");
  EXPECT_EQ(formatTimePerUnit(0.0009994), " 999us/step");
  EXPECT_EQ(formatTimePerUnit(0.5, "sample"), " 500ms/sample");

  EXPECT_EQ(formatEta(7.9), "7s");
  EXPECT_EQ(formatEta(60.0), "60s");
  EXPECT_EQ(formatEta(65.3), "1:05");
  EXPECT_EQ(formatEta(3725.0), "1:02:05");
}

TEST(ProgressLine, SeedLines) {
  std::vector<Metric> m{{"val_loss", 0.0833}, {"loss", 0.7651}, {"val_accuracy", 0.9777},
                        {"accuracy", 0.7718}};
  EXPECT_EQ(renderProgressLine(422, 422, true, 8.231, 0.011475, m, false),
            "422/422 " + kBar20 +
                " 8s 11ms/step - accuracy: 0.7718 - loss: 0.7651 - val_accuracy: 0.9777 - "
                "val_loss: 0.0833");
  // Live, mid-epoch: right-aligned count, ETA, colours.
  std::string live =
      renderProgressLine(7, 422, false, 1.0, 0.01, {{"loss", 0.5}, {"accuracy", 0.25}}, true);
  EXPECT_EQ(live, "\x1b[1m  7/422\x1b[0m \x1b[37m" + kBar20 +
                      "\x1b[0m \x1b[1m4s\x1b[0m 10ms/step - accuracy: 0.2500 - loss: 0.5000");
  std::string half = renderProgressLine(211, 422, false, 1.0, 0.01, {}, true);
  EXPECT_NE(half.find("\x1b[32m━━━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━\x1b[0m"), std::string::npos);
  EXPECT_EQ(visibleWidth(live), std::string("  7/422 ").size() + 20 +
                                    std::string(" 4s 10ms/step - accuracy: 0.2500 - loss: "
                                                "0.5000")
                                        .size());
}

/// 100 samples, 20 validated, batches of 8 (10 steps); known losses.
std::string fitWithScriptedClock(ProgressStyle style, int64_t epochs, double stepSeconds) {
  LabeledData data = makeBlobData(100, 4);
  ScriptedLossModel model({8, 8, 1}, 4);
  model.lossOf = [](int64_t id) { return id >= 80 ? 0.0005 : 0.1 * double(id % 4); };
  model.correctOf = [](int64_t id) { return id % 2 == 0 || id >= 90; };
  std::ostringstream out;
  FitOptions o;
  o.out = &out;
  o.style = style;
  o.batchSize = 8;
  o.epochs = epochs;
  o.validationSplit = 0.2;
  // start, then the first step takes 3.4 s (warm-up), the rest stepSeconds.
  o.clock = scriptedClock({100.0, 103.4}, stepSeconds);
  Expected<History> h = fit(model, data, o);
  EXPECT_TRUE(h.ok()) << h.message();
  return out.str();
}

TEST(ProgressFit, FinalLineFromAFixedClock) {
  // Steps 2..10 and the validation end 10 ticks of 11 ms after step 1:
  // 3.51 s elapsed, (103.51 - 103.4) / 9 = 12.2 ms a step.
  EXPECT_EQ(fitWithScriptedClock(ProgressStyle::Final, 1, 0.011),
            "10/10 " + kBar20 +
                " 4s 12ms/step - accuracy: 0.5000 - loss: 0.1500 - val_accuracy: 0.7500 - "
                "val_loss: 5.0000e-04\n");
}

TEST(ProgressFit, EpochHeadersWhenMoreThanOne) {
  std::string text = fitWithScriptedClock(ProgressStyle::Final, 2, 0.011);
  EXPECT_EQ(text.rfind("Epoch 1/2\n10/10 ", 0), 0u);
  EXPECT_NE(text.find("\nEpoch 2/2\n10/10 "), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
}

TEST(ProgressFit, PipeOutputHasNoCarriageReturnOrEscapes) {
  std::string text = fitWithScriptedClock(ProgressStyle::Final, 3, 0.2);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(fitWithScriptedClock(ProgressStyle::Silent, 3, 0.2), "");
}

TEST(ProgressFit, TerminalRedrawsAtMostTenTimesASecond) {
  // 10 steps 50 ms apart (0.45 s after step 1): a redraw at step 1, then one
  // every 100 ms or more, then the final line.
  std::string text = fitWithScriptedClock(ProgressStyle::Live, 1, 0.05);
  long redraws = std::count(text.begin(), text.end(), '\r');
  EXPECT_GE(redraws, 4);
  EXPECT_LE(redraws, 7);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("\x1b[32m"), std::string::npos);
  EXPECT_NE(text.find("\r\x1b[1m10/10\x1b[0m"), std::string::npos);
}

TEST(ProgressBarTest, PadsAShorterRedraw) {
  std::ostringstream out;
  ProgressBar bar(out, ProgressStyle::Live, scriptedClock({0, 1}, 1), 0.0);
  bar.start(2);
  bar.update(1, {{"loss", 123.0}});
  bar.finish({});
  std::string text = out.str();
  size_t second = text.find('\r', 1);
  ASSERT_NE(second, std::string::npos);
  std::string last = text.substr(second + 1);
  // The final line is shorter than the first by " - loss: 123.0000"; it is
  // padded with spaces so that no stale characters remain.
  EXPECT_EQ(visibleWidth(last.substr(0, last.size() - 1)),
            visibleWidth(text.substr(1, second - 1)));
}

} // namespace
