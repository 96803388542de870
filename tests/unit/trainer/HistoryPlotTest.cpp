//===- HistoryPlotTest.cpp - Tests of the history JSON and the SVG plot ---===//
//
// The JSON a fit leaves (its keys, lengths and values, its round trip and
// its atomic write) and the SVG plot, checked for well-formed XML by a small
// parser and for the parts a reader needs: two panels, axes, ticks, labels,
// a legend and the curves.
//
//===----------------------------------------------------------------------===//
#include "FakeModels.h"

#include "runtime/ByteIO.h"
#include "runtime/train/Plot.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <sstream>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;
namespace fs = std::filesystem;

namespace {

History sampleHistory(bool validation) {
  History h;
  for (int e = 1; e <= 4; ++e) {
    EpochRecord r;
    r.epoch = e;
    r.loss = 1.0 / e;
    r.accuracy = 0.7 + 0.05 * e;
    if (validation) {
      r.valLoss = 0.8 / e;
      r.valAccuracy = 0.75 + 0.05 * e;
    }
    r.seconds = 4 + 0.1 * e;
    r.msPerStep = 10 + e;
    r.steps = 422;
    h.epochs.push_back(r);
  }
  return h;
}

TEST(HistoryJson, KerasLayout) {
  History h = sampleHistory(true);
  h.test = EvalResult{0.0247, 0.9911, 10000};
  nlohmann::json j = nlohmann::json::parse(h.toJson());
  EXPECT_EQ(j["epochs"], 4);
  const nlohmann::json &l = j["history"];
  for (const char *key : {"accuracy", "loss", "val_accuracy", "val_loss", "ms_per_step",
                          "epoch_seconds", "steps"}) {
    ASSERT_TRUE(l.contains(key)) << key;
    EXPECT_EQ(l[key].size(), 4u) << key;
  }
  EXPECT_DOUBLE_EQ(l["loss"][1].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(l["val_accuracy"][3].get<double>(), 0.95);
  EXPECT_DOUBLE_EQ(l["ms_per_step"][0].get<double>(), 11);
  EXPECT_EQ(l["steps"][2], 422);
  EXPECT_DOUBLE_EQ(j["test"]["accuracy"].get<double>(), 0.9911);

  nlohmann::json noVal = nlohmann::json::parse(sampleHistory(false).toJson());
  EXPECT_FALSE(noVal["history"].contains("val_loss"));
  EXPECT_FALSE(noVal.contains("test"));
}

TEST(HistoryJson, RoundTripAndNonFinite) {
  History h = sampleHistory(true);
  h.epochs[2].loss = std::nan("");
  Expected<History> back = History::fromJson(h.toJson(), "h.json");
  ASSERT_TRUE(back.ok()) << back.message();
  ASSERT_EQ(back->epochs.size(), 4u);
  EXPECT_TRUE(std::isnan(back->epochs[2].loss)); // written as null
  EXPECT_DOUBLE_EQ(*back->epochs[3].valLoss, 0.2);
  EXPECT_EQ(back->epochs[0].steps, 422);
  EXPECT_FALSE(History::fromJson("[1]", "h.json").ok());
  Expected<History> ragged =
      History::fromJson(R"({"history": {"loss": [1, 2], "accuracy": [0.5]}})", "h.json");
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.message(), "h.json: \"accuracy\" has 1 entries but \"loss\" has 2");
}

TEST(HistoryJson, WrittenAtomicallyFromAFit) {
  LabeledData data = makeBlobData(200, 3);
  SoftmaxRegression model({8, 8, 1}, 3, TargetKind::OneHot);
  std::ostringstream out;
  FitOptions o;
  o.out = &out;
  o.epochs = 3;
  o.validationSplit = 0.25;
  fs::path dir = fs::path(KILN_BINARY_DIR) / "tests" / "trainer-scratch" / "history";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string path = (dir / "h.json").string();
  History *written = nullptr;
  Expected<History> h = fit(model, data, o);
  ASSERT_TRUE(h.ok()) << h.message();
  written = &*h;
  ASSERT_TRUE(written->writeJson(path).ok());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1)
      << "no temporary file is left behind";
  Expected<std::vector<uint8_t>> bytes = readWholeFile(path, 1 << 20);
  ASSERT_TRUE(bytes.ok());
  nlohmann::json j = nlohmann::json::parse(bytes->begin(), bytes->end());
  EXPECT_EQ(j["history"]["val_loss"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["history"]["accuracy"][2].get<double>(), h->epochs[2].accuracy);
  EXPECT_DOUBLE_EQ(j["history"]["val_loss"][0].get<double>(), *h->epochs[0].valLoss);
  EXPECT_FALSE(History().writeJson((dir / "absent" / "h.json").string()).ok());
}

/// A minimal XML checker: elements nest and close in order, attributes are
/// name="value", entities are the five predefined ones. Collects element
/// names and the text of <text> elements.
struct XmlSummary {
  bool ok = true;
  std::string error;
  std::string root;
  std::map<std::string, int> counts;
  std::vector<std::string> texts;
};

XmlSummary checkXml(const std::string &s) {
  XmlSummary r;
  std::vector<std::string> stack;
  size_t i = 0;
  auto fail = [&](const std::string &why) {
    r.ok = false;
    r.error = why + " at offset " + std::to_string(i);
    return r;
  };
  auto checkEntities = [&](const std::string &t) {
    for (size_t a = t.find('&'); a != std::string::npos; a = t.find('&', a + 1)) {
      size_t semi = t.find(';', a);
      std::string e = semi == std::string::npos ? "" : t.substr(a, semi - a + 1);
      if (e != "&amp;" && e != "&lt;" && e != "&gt;" && e != "&quot;" && e != "&apos;")
        return false;
    }
    return true;
  };
  if (s.rfind("<?xml", 0) == 0)
    i = s.find("?>") + 2;
  while (i < s.size()) {
    size_t lt = s.find('<', i);
    std::string text = s.substr(i, lt == std::string::npos ? std::string::npos : lt - i);
    if (!checkEntities(text))
      return fail("bad entity in text");
    if (!stack.empty() && stack.back() == "text" && !text.empty())
      r.texts.push_back(text);
    if (lt == std::string::npos)
      break;
    i = lt + 1;
    bool closing = s[i] == '/';
    if (closing)
      ++i;
    size_t nameEnd = s.find_first_of(" \t\n/>", i);
    std::string name = s.substr(i, nameEnd - i);
    if (name.empty())
      return fail("empty tag name");
    i = nameEnd;
    if (closing) {
      if (stack.empty() || stack.back() != name)
        return fail("</" + name + "> closes nothing open");
      stack.pop_back();
      if (s[i] != '>')
        return fail("junk in closing tag");
      ++i;
      continue;
    }
    // Attributes.
    for (;;) {
      while (i < s.size() && isspace(static_cast<unsigned char>(s[i])))
        ++i;
      if (s.compare(i, 2, "/>") == 0) {
        i += 2;
        break;
      }
      if (s[i] == '>') {
        ++i;
        stack.push_back(name);
        break;
      }
      size_t eq = s.find('=', i);
      if (eq == std::string::npos || s[eq + 1] != '"')
        return fail("attribute without a quoted value in <" + name + ">");
      size_t close = s.find('"', eq + 2);
      if (close == std::string::npos)
        return fail("unterminated attribute");
      if (!checkEntities(s.substr(eq + 2, close - eq - 2)) ||
          s.substr(eq + 2, close - eq - 2).find('<') != std::string::npos)
        return fail("bad attribute value");
      i = close + 1;
    }
    if (r.root.empty())
      r.root = name;
    else if (stack.empty() && name != r.root)
      return fail("a second root element");
    r.counts[name]++;
  }
  if (!stack.empty())
    return fail("<" + stack.back() + "> is never closed");
  return r;
}

TEST(Plot, WellFormedSvgWithTwoPanels) {
  History h = sampleHistory(true);
  PlotOptions o;
  o.title = "MNIST <convnet> & friends";
  std::string svg = renderHistorySvg(h, o);
  XmlSummary x = checkXml(svg);
  ASSERT_TRUE(x.ok) << x.error;
  EXPECT_EQ(x.root, "svg");
  EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(x.counts["polyline"], 4); // 2 panels x (training, validation)
  EXPECT_EQ(x.counts["circle"], 8);   // training markers
  EXPECT_EQ(x.counts["g"], 3);        // legend and two panels
  auto hasText = [&](const std::string &t) {
    return std::find(x.texts.begin(), x.texts.end(), t) != x.texts.end();
  };
  for (const char *t : {"Loss", "Accuracy", "Epoch", "loss", "accuracy", "training",
                        "validation", "MNIST &lt;convnet&gt; &amp; friends", "1", "4"})
    EXPECT_TRUE(hasText(t)) << t;
}

TEST(Plot, OneEpochNoValidationAndNaN) {
  History h = sampleHistory(false);
  h.epochs.resize(1);
  XmlSummary one = checkXml(renderHistorySvg(h));
  ASSERT_TRUE(one.ok) << one.error;
  EXPECT_EQ(one.counts["circle"], 2);
  EXPECT_EQ(std::find(one.texts.begin(), one.texts.end(), "validation"), one.texts.end());

  History broken = sampleHistory(true);
  broken.epochs[1].loss = std::nan("");
  std::string svg = renderHistorySvg(broken);
  XmlSummary x = checkXml(svg);
  ASSERT_TRUE(x.ok) << x.error;
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(x.counts["polyline"], 5); // the training loss line is broken in two
}

TEST(Plot, NiceTicks) {
  AxisTicks t = niceTicks(0.0307, 0.7651, 5);
  EXPECT_DOUBLE_EQ(t.step, 0.2);
  EXPECT_DOUBLE_EQ(t.lo, 0.0);
  EXPECT_NEAR(t.hi, 0.8, 1e-12);
  EXPECT_EQ(t.values.size(), 5u);
  EXPECT_EQ(t.decimals, 1);
  AxisTicks e = niceTicks(1, 15, 8, true);
  EXPECT_DOUBLE_EQ(e.step, 2);
  AxisTicks flat = niceTicks(0.5, 0.5, 5);
  EXPECT_LT(flat.lo, 0.5);
  EXPECT_GT(flat.hi, 0.5);
  AxisTicks few = niceTicks(1, 2, 8, true);
  EXPECT_DOUBLE_EQ(few.step, 1);
}

TEST(Plot, WrittenAtomically) {
  fs::path dir = fs::path(KILN_BINARY_DIR) / "tests" / "trainer-scratch" / "plot";
  fs::remove_all(dir);
  fs::create_directories(dir);
  ASSERT_TRUE(writeHistorySvg((dir / "p.svg").string(), sampleHistory(true)).ok());
  EXPECT_TRUE(fs::exists(dir / "p.svg"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

} // namespace
