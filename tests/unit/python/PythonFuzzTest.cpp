//===- PythonFuzzTest.cpp - The Python reader never crashes or hangs ------===//
//
// Feeds thousands of truncated and mutated versions of the seed and of the
// other test inputs, random bytes, and pathological nesting, loops and value
// growth. Each must return (a model or one error) quickly. Run under
// -fsanitize=address,undefined this also checks out-of-bounds reads.
//
//===----------------------------------------------------------------------===//
#include "PythonTestUtil.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

using namespace kiln::frontend;
using namespace kiln::frontend::test;

namespace {

/// What counts as a hang. ASan + UBSan (scripts/test --sanitize) make the
/// interpreter several times slower: 5 s was exceeded there on a loaded
/// 2-core machine by `a = a + a` forty times.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kSlowSeconds = 20.0;
#else
constexpr double kSlowSeconds = 5.0;
#endif

/// Reads `text`, checks it returned cleanly: a model, or exactly one
/// "error:" diagnostic; and in reasonable time.
void readsCleanly(const std::string &text) {
  auto start = std::chrono::steady_clock::now();
  PyResult r = readPython(text);
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (r.spec) {
    EXPECT_TRUE(r.errors.empty());
    for (const LayerSpec &l : r.spec->layers)
      for (const TensorRef &t : l.inputs)
        ASSERT_TRUE(t.layer >= 0 && t.layer < int(r.spec->layers.size()));
  } else {
    ASSERT_NE(r.errors.find(": error: "), std::string::npos)
        << "no diagnostic for:\n" << text;
  }
  EXPECT_LT(seconds, kSlowSeconds) << "slow input:\n" << text.substr(0, 200);
}

std::vector<std::string> corpus() {
  std::vector<std::string> out{sourceFile("examples/mnist_convnet.py")};
  for (const char *f : {"sequential_add.py", "functional.py", "def_for.py",
                        "imports.py"})
    out.push_back(sourceFile(std::string("tests/inputs/python/") + f));
  for (const std::string &s : out)
    EXPECT_FALSE(s.empty());
  return out;
}

TEST(PythonFuzz, EveryTruncationOfTheSeed) {
  std::string seed = corpus()[0];
  for (size_t n = 0; n <= seed.size(); ++n)
    readsCleanly(seed.substr(0, n));
}

TEST(PythonFuzz, MutatedInputs) {
  std::mt19937 rng(1234);
  std::vector<std::string> inputs = corpus();
  const char *const tokens[] = {
      "(", ")", "[", "]", "{", "}", ",", ":", ".", "=", "\n", "    ", "\t",
      "\\\n", "'", "\"", "\"\"\"", "#", "**", "//", "-", "*", "0", "1e308",
      "9999999999999999999", "None", "def f(x):\n", "for i in range(3):\n",
      "return", "if", "lambda", "model", "keras", "layers.Dense(", "x_train",
      "model.add(", ")(", "keras.Input(shape=(2,))", "\x00", "\xff", "\xc3\xa9",
      "f'", "r'", "0x", "._", "not ", " and ", " in ", "...", ";", "@"};
  for (int iter = 0; iter < 4000; ++iter) {
    std::string s = inputs[size_t(iter) % inputs.size()];
    int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t pos = rng() % (s.size() + 1);
      switch (rng() % 4) {
      case 0: // delete a run
        s.erase(std::min(pos, s.size() - 1), 1 + rng() % 8);
        break;
      case 1: // insert a token
        s.insert(pos, tokens[rng() % (sizeof tokens / sizeof *tokens)]);
        break;
      case 2: // replace a byte
        if (pos < s.size())
          s[pos] = char(rng() % 256);
        break;
      default: // duplicate a slice elsewhere
        size_t from = rng() % s.size();
        std::string slice = s.substr(from, 1 + rng() % 40);
        s.insert(pos, slice);
        break;
      }
    }
    readsCleanly(s);
  }
}

TEST(PythonFuzz, RandomBytes) {
  std::mt19937 rng(99);
  static const char alphabet[] = " \n\t()[]{}:,.=+-*/'\"#\\abx019_";
  for (int iter = 0; iter < 1000; ++iter) {
    std::string s(rng() % 200, '\0');
    for (char &c : s)
      c = iter % 2 ? char(rng() % 256) : alphabet[rng() % (sizeof alphabet - 1)];
    readsCleanly(s);
  }
}

TEST(PythonFuzz, PathologicalInputs) {
  const std::string deep(100000, '(');
  const std::vector<std::string> inputs = {
      deep,
      "x = " + std::string(150, '(') + "1" + std::string(150, ')') + "\n",
      "x = " + std::string(250, '[') + std::string(250, ']') + "\n",
      "x = " + std::string(100000, '-') + "1\n",
      "x = 1" + [] { std::string s; for (int k = 0; k < 100000; ++k) s += "+1"; return s; }() + "\n",
      "x = a" + [] { std::string s; for (int k = 0; k < 100000; ++k) s += ".b"; return s; }() + "\n",
      "x = f" + [] { std::string s; for (int k = 0; k < 50000; ++k) s += "()"; return s; }() + "\n",
      [] { std::string s = "x = "; for (int k = 0; k < 20000; ++k) s += "not "; return s + "1\n"; }(),
      [] { std::string s; for (int k = 0; k < 300; ++k) s += std::string(k, ' ') + "for i in []:\n"; return s + std::string(300, ' ') + "pass\n"; }(),
      "for i in range(100000):\n    for j in range(100000):\n        pass\n",
      "a = [1]\nfor i in range(60):\n    a = [a, a]\n",
      "a = []\nfor i in range(1000):\n    a = [a]\n",
      "a = (1,)\nfor i in range(40):\n    a = a + a\n",
      "s = 'x'\nfor i in range(40):\n    s = s + s\n",
      "x = [] * 9223372036854775807\ny = '' * 9223372036854775807\n",
      "x = 2 ** 62 * 4\n", "x = -9223372036854775807 - 1\ny = x // -1\n",
      "x = 1e308 * 10\ny = 7 % 0.0\n",
      "def f(n):\n    return f(n + 1)\nf(0)\n",
      "def f(n):\n    return g(((((((((((((f(n)))))))))))))\nf(0)\n",
      "def f():\n    for i in range(100000):\n        f()\nf()\n",
      "x = [1, 2, 3][9223372036854775807::-9223372036854775807]\n",
      "x = [1, 2, 3][-9223372036854775807 - 1:9223372036854775807]\n",
      "x = range(-9223372036854775807 - 1, 9223372036854775807, "
      "9223372036854775807)\n",
      "import keras\nfor i in range(100000):\n    keras.layers.Dense(1)\n",
      // Containers and strings are values: growing them copies them.
      "l = []\nfor i in range(10000):\n    for j in range(100):\n"
      "        l.append(j)\n",
      "s = ''\nfor i in range(10000):\n    for j in range(19):\n"
      "        s += 'x' * 5000\n",
      "d = {}\nfor i in range(10000):\n    d[str(i)] = [i] * 100\n",
      "x = [[j for j in range(10000)] for i in range(10000)]\n",
      "x = {i for i in range(10000) for j in range(10000)}\n",
      "x = sorted(range(10000), key=lambda v: -v)\n",
      // Classes and closures that refer to themselves.
      "class A:\n    def __init__(self):\n        self.me = self\n"
      "        self.child = A()\na = A()\n",
      "f = lambda: f()\nf()\n",
      "class A:\n    @property\n    def p(self):\n        return self.p\n"
      "A().p\n",
      "def g():\n    yield g()\ng()\n",
      "x = f'{f\"{f\'{1}\'}\"}'\n",
      "try:\n    raise\nexcept:\n    pass\n",
      "while True:\n    try:\n        continue\n    finally:\n        pass\n",
      std::string("x = '\\") + "\n", "x = '''", "x = \"\\x4\"", "\\",
      "\n\n\n   \n", "", std::string("\0\0\0", 3), "\xef\xbb\xbfx = 1\n",
  };
  for (const std::string &s : inputs)
    readsCleanly(s);
}

} // namespace
