//===- PythonInterpTest.cpp - Python semantics, one construct at a time ---===//
//
// Each case is a snippet that leaves a constant in `result`; the test hands
// it to a Dense layer (or names a layer with it) and reads the ModelSpec, so
// what is checked is what the model would see. The expected values are what
// CPython computes for the same snippet.
//
//===----------------------------------------------------------------------===//
#include "PythonTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::frontend;
using namespace kiln::frontend::test;

namespace {

/// Runs `code`, then builds a model whose Dense layer has `result` units.
KValue resultOf(const std::string &code, std::string *errors = nullptr) {
  std::string text = "import keras\n" + code +
                     "\nmodel = keras.Sequential([keras.Input(shape=(2,)), "
                     "keras.layers.Dense(result)])\n";
  PyResult r = readPython(text);
  if (errors)
    *errors = r.errors;
  EXPECT_TRUE(r.spec) << code << "\n" << r.errors;
  if (!r.spec || r.spec->layers.size() < 2 || r.spec->layers[1].args.empty())
    return KValue::none();
  return r.spec->layers[1].args[0];
}

struct IntCase {
  const char *what, *code;
  int64_t want;
};

TEST(PythonInterp, IntegerResults) {
  const IntCase cases[] = {
      {"if/elif/else", "x = 5\nif x > 10:\n    result = 1\nelif x > 3:\n"
                       "    result = 2\nelse:\n    result = 3", 2},
      {"while, break, continue",
       "n = 0\nresult = 0\nwhile True:\n    n += 1\n    if n % 2 == 0:\n"
       "        continue\n    if n > 7:\n        break\n    result += n", 16},
      {"for/else runs else", "result = 0\nfor i in range(3):\n    pass\n"
                             "else:\n    result = 42", 42},
      {"for/else after break", "result = 1\nfor i in range(3):\n    break\n"
                               "else:\n    result = 42", 1},
      {"while/else", "n = 3\nwhile n:\n    n -= 1\nelse:\n    result = 7", 7},
      {"list comprehension",
       "result = sum([i * i for i in range(5) if i % 2 == 0])", 20},
      {"dict comprehension",
       "d = {k: v for k, v in zip('abc', [1, 2, 3])}\n"
       "result = d['b'] * 10 + len(d)", 23},
      {"set comprehension", "result = len({i % 3 for i in range(10)})", 3},
      {"generator expression", "result = sum(x for x in range(4))", 6},
      {"nested comprehension",
       "result = len([(a, b) for a in range(3) for b in range(a)])", 3},
      {"comprehension scope", "i = 9\nl = [i for i in range(2)]\nresult = i",
       9},
      {"lambda with sorted",
       "pairs = [(3, 'c'), (1, 'a'), (2, 'b')]\n"
       "result = sorted(pairs, key=lambda p: -p[0])[0][0]", 3},
      {"map and filter",
       "result = sum(map(lambda x: x * 2, filter(lambda x: x > 1, "
       "[1, 2, 3])))", 10},
      {"defaults, *args, keyword-only, **kwargs",
       "def f(a, b=2, *args, c, d=4, **kw):\n"
       "    return a + b + sum(args) + c + d + len(kw)\n"
       "result = f(1, 10, 100, 1000, c=5, e=0, g=0)", 1122},
      {"* and ** in calls",
       "def f(a, b, c=0):\n    return a * 100 + b * 10 + c\n"
       "args = [1, 2]\nkw = {'c': 3}\nresult = f(*args, **kw)", 123},
      {"defaults evaluated once",
       "n = 1\ndef f(x=n):\n    return x\nn = 5\nresult = f()", 1},
      {"closure and nonlocal",
       "def counter():\n    count = 0\n    def inc():\n        nonlocal count\n"
       "        count += 1\n        return count\n    return inc\n"
       "c = counter()\nc()\nc()\nresult = c()", 3},
      {"global", "total = 1\ndef g():\n    global total\n    total = 7\ng()\n"
                 "result = total", 7},
      {"starred unpacking",
       "a, *rest, z = [1, 2, 3, 4]\nresult = a * 100 + len(rest) * 10 + z",
       124},
      {"nested unpacking in for",
       "result = 0\nfor i, (a, b) in enumerate([(1, 2), (3, 4)]):\n"
       "    result += i * 100 + a * b", 114},
      {"enumerate with start",
       "result = sum(i * v for i, v in enumerate([10, 20, 30], start=1))",
       140},
      {"next and iter", "result = next(iter([5, 6]))", 5},
      {"all, any, isinstance, dict, set",
       "result = int(all([1, True])) + int(any([0, 0])) * 10 + "
       "int(isinstance(3, int)) * 100 + len(dict(a=1, b=2)) * 1000 + "
       "len(set([1, 1, 2])) * 10000", 22101},
      {"min/max with key, reversed",
       "result = max([3, 1, 2], key=lambda v: -v) * 10 + "
       "list(reversed([1, 2]))[0]", 12},
      {"classes, inheritance, super, property, class attributes",
       "class Base:\n    scale = 2\n    def __init__(self, n):\n"
       "        self.n = n\n    def size(self):\n"
       "        return self.n * self.scale\n"
       "class Child(Base):\n    def __init__(self, n):\n"
       "        super().__init__(n + 1)\n    @property\n"
       "    def double(self):\n        return self.size() * 2\n"
       "result = Child(4).double", 20},
      {"staticmethod and __call__",
       "class K:\n    @staticmethod\n    def two():\n        return 2\n"
       "    def __call__(self, x):\n        return x * self.two()\n"
       "result = K()(21)", 42},
      {"try/except/finally with raise",
       "result = 0\ntry:\n    raise ValueError('x')\nexcept KeyError:\n"
       "    result = 1\nexcept ValueError as e:\n    result = 2\nfinally:\n"
       "    result += 10", 12},
      {"try/else", "try:\n    result = 1\nexcept Exception:\n    result = 2\n"
                   "else:\n    result += 5", 6},
      {"raise in a function, caught by the caller",
       "def check(n):\n    if n < 0:\n        raise ValueError('negative')\n"
       "    return n\ntry:\n    result = check(-1)\nexcept ValueError:\n"
       "    result = 99", 99},
      {"with around code that runs",
       "with open('weights.txt') as fh:\n    result = 9", 9},
      {"walrus", "if (n := 5) > 3:\n    result = n * 2", 10},
      {"chained comparison",
       "result = int(1 < 2 < 3) + int(3 > 2 > 5) * 10", 1},
      {"conditional expression", "result = 4 if 2 > 1 else 5", 4},
      {"del", "x = 3\ny = x\ndel x\nresult = y", 3},
      {"decorator", "def twice(f):\n    def g(x):\n        return f(f(x))\n"
                    "    return g\n@twice\ndef inc(x):\n    return x + 1\n"
                    "result = inc(5)", 7},
      {"tracing decorator is ignored",
       "import tensorflow as tf\n@tf.function\ndef h(x):\n    return x * 3\n"
       "result = h(4)", 12},
      {"list methods",
       "l = []\nfor i in range(3):\n    l.append(i)\nl.extend([7, 8])\n"
       "l.insert(0, 9)\nresult = l[0] * 100 + l.pop() * 10 + len(l)", 985},
      {"dict methods",
       "d = {'a': 1}\nd['b'] = 2\nd.update(c=3)\n"
       "result = sum(d.values()) * 10 + len(d.keys()) + d.get('z', 100)",
       163},
      {"attribute list append",
       "class Stack:\n    def __init__(self):\n        self.items = []\n"
       "s = Stack()\ns.items.append(4)\ns.items.append(5)\n"
       "result = sum(s.items)", 9},
      {"bitwise and shifts", "result = (6 & 3) | (1 << 4) ^ 2", 18},
      {"math module", "import math\nresult = math.ceil(math.sqrt(10)) + "
                      "math.floor(2.5) + math.prod([2, 3])", 12},
      {"annotations", "units: int = 16\ndef f(x: int = 2) -> int:\n"
                      "    return x\nresult = units + f()", 18},
      {"assert that holds", "assert 1 < 2, 'fine'\nresult = 1", 1},
      {"data loops are skipped",
       "import os\nfor f in os.listdir('.'):\n    if f.endswith('.jpg'):\n"
       "        os.remove(f)\nresult = 3", 3},
      {"data conditions are skipped",
       "import numpy as np\nx = np.zeros(3)\nresult = 2\nif x.sum() > 0:\n"
       "    print('never decided')", 2},
      {"__name__ guard", "result = 1\nif __name__ == '__main__':\n"
                         "    result = 5", 5},
      {"async def that never runs",
       "async def fetch():\n    await thing()\nresult = 8", 8},
      {"generator function that never runs",
       "def gen():\n    yield 1\nresult = 6", 6},
  };
  for (const IntCase &c : cases) {
    SCOPED_TRACE(c.what);
    KValue v = resultOf(c.code);
    EXPECT_EQ(v.kind, KValue::Kind::Int);
    EXPECT_EQ(v.i, c.want);
  }
}

TEST(PythonInterp, StringResults) {
  const struct {
    const char *code, *want;
  } cases[] = {
      {"i = 3\nresult = f'block{i}_conv{i * 2:02d}'", "block3_conv06"},
      {"result = f'{3.14159:.2f}|{10:>4}|{\"ab\"!r}|{1000000:,}'",
       "3.14|  10|'ab'|1,000,000"},
      {"x = 7\nresult = f'{x=}'", "x=7"},
      {"result = '_'.join(['conv', str(2)])", "conv_2"},
      {"result = 'conv%d_%s' % (3, 'a')", "conv3_a"},
      {"result = '{}-{:03d}'.format('a', 7)", "a-007"},
      {"result = 'Stage'.lower() + str(1.5)", "stage1.5"},
      {"result = str([1, (2,), {'k': None}])", "[1, (2,), {'k': None}]"},
      {"result = 'abcdef'[1:4] + 'xyz'[-1]", "bcdz"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.code);
    std::string text = std::string("import keras\n") + c.code +
                       "\nmodel = keras.Sequential([keras.Input(shape=(2,)), "
                       "keras.layers.Dense(1, name=result)])\n";
    PyResult r = readPython(text);
    ASSERT_TRUE(r.spec) << r.errors;
    EXPECT_EQ(r.spec->layers[1].name, c.want);
  }
}

TEST(PythonInterp, LayerSubclassIsTracedLikeFunctionalCode) {
  PyResult r = readPython(R"(import keras
from keras import layers

class Block(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = [layers.Dense(units) for _ in range(2)]

    def call(self, x, training=None):
        for d in self.dense:
            x = d(x)
        return x

inputs = keras.Input(shape=(4,))
out = Block(8, name="block")(inputs)
model = keras.Model(inputs, layers.Dense(1)(out))
)");
  ASSERT_TRUE(r.spec) << r.errors;
  const ModelSpec &s = *r.spec;
  ASSERT_EQ(s.layers.size(), 4u);
  EXPECT_EQ(s.layers[1].name, "dense");
  EXPECT_EQ(s.layers[2].name, "dense_1");
  EXPECT_EQ(s.layers[3].name, "dense_2");
  EXPECT_EQ(s.layers[2].inputs[0].layer, 1);
  EXPECT_EQ(s.layers[3].inputs[0].layer, 2);
}

TEST(PythonInterp, ModelSubclassBuiltOrFunctional) {
  PyResult built = readPython(R"(import keras
class Net(keras.Model):
    def __init__(self):
        super().__init__(name="net")
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(10)
    def call(self, x):
        return self.out(self.hidden(x))
model = Net()
model.build((None, 8))
model.compile(optimizer="adam", loss="mse")
)");
  ASSERT_TRUE(built.spec) << built.errors;
  EXPECT_EQ(built.spec->name, "net");
  EXPECT_EQ(built.spec->layers.size(), 3u);
  EXPECT_TRUE(built.spec->compile);
  EXPECT_EQ(built.spec->layers[0].kwargs[0].second.str(), "(8,)");

  PyResult functional = readPython(R"(import keras
class Wrapped(keras.Model):
    def __init__(self, units):
        inputs = keras.Input(shape=(4,))
        outputs = keras.layers.Dense(units)(inputs)
        super().__init__(inputs=inputs, outputs=outputs)
model = Wrapped(3)
)");
  ASSERT_TRUE(functional.spec) << functional.errors;
  EXPECT_EQ(functional.spec->name, "wrapped");
  EXPECT_EQ(functional.spec->layers.size(), 2u);

  PyResult untraced = readPython(R"(import keras
class Net(keras.Model):
    def call(self, x):
        return keras.layers.Dense(2)(x)
model = Net()
model.compile(optimizer="adam", loss="mse")
)");
  EXPECT_FALSE(untraced.spec);
  EXPECT_EQ(untraced.firstError(),
            "5:9: model 'net' (class Net) is never called on a Keras tensor, "
            "so kiln cannot trace it: call model.build(input_shape) or "
            "model(keras.Input(shape=...))");
}

TEST(PythonInterp, TheModelThatIsFitIsTheModel) {
  PyResult r = readPython(R"(import keras
from keras import layers
inputs = keras.Input(shape=(4,))
encoder = keras.Model(inputs, layers.Dense(3)(inputs), name="encoder")
x = keras.Input(shape=(4,))
classifier = keras.Model(x, layers.Dense(2)(encoder(x)), name="classifier")
probe = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)],
                         name="probe")
probe.compile(optimizer="sgd", loss="mse")
classifier.compile(optimizer="adam", loss="mse")
first = classifier.layers[1]
classifier.fit(None, epochs=1)
)");
  ASSERT_TRUE(r.spec) << r.errors;
  EXPECT_EQ(r.spec->name, "classifier");
  // The encoder's Dense joins the classifier where the encoder is called.
  ASSERT_EQ(r.spec->layers.size(), 3u);
  EXPECT_EQ(r.spec->layers[1].name, "dense");
  EXPECT_EQ(r.spec->layers[2].inputs[0].layer, 1);
  EXPECT_TRUE(r.spec->fit);
}

TEST(PythonInterp, ModelOptionPicksAModelByName) {
  const char *script = R"(import keras
a = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)],
                     name="first")
b = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)],
                     name="second")
a.fit(None)
)";
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(script, "two.py"), llvm::SMLoc());
  std::string errors;
  llvm::raw_string_ostream os(errors);
  auto fitted = parsePythonModel(sm, id, os);
  ASSERT_TRUE(fitted) << os.str();
  EXPECT_EQ(fitted->name, "first");
  PythonOptions pick;
  pick.model = "second";
  auto second = parsePythonModel(sm, id, os, pick);
  ASSERT_TRUE(second) << os.str();
  EXPECT_EQ(second->name, "second");
  pick.model = "third";
  EXPECT_FALSE(parsePythonModel(sm, id, os, pick));
  EXPECT_NE(os.str().find("two.py:1:1: error: the script builds no model "
                          "named 'third' (it builds first, second)"),
            std::string::npos)
      << os.str();
}

TEST(PythonInterp, SequentialInsideSequentialAndLayersIndex) {
  PyResult r = readPython(R"(import keras
from keras import layers
augment = keras.Sequential([layers.ReLU(), layers.ReLU()], name="augment")
model = keras.Sequential([keras.Input(shape=(8,)), augment,
                          layers.Dense(4)])
last = model.layers[-1]
model.add(layers.Dense(2, name=f"{last.name}_head"))
)");
  ASSERT_TRUE(r.spec) << r.errors;
  ASSERT_EQ(r.spec->layers.size(), 5u);
  EXPECT_EQ(r.spec->layers[1].name, "re_lu");
  EXPECT_EQ(r.spec->layers[4].name, "dense_head");
}

TEST(PythonInterp, KerasObjectsTakePositionalArguments) {
  PyResult r = readPython(R"(import keras
schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 1000, 0.9)
model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(schedule),
              loss="mse",
              metrics=[keras.metrics.TopKCategoricalAccuracy(5, name="top5")])
model.fit(None, callbacks=[keras.callbacks.ModelCheckpoint("best.keras"),
                           keras.callbacks.CSVLogger("log.csv")])
)");
  ASSERT_TRUE(r.spec) << r.errors;
  EXPECT_EQ(r.spec->compile->kwarg("optimizer")->str(),
            "{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": "
            "{\"class_name\": \"ExponentialDecay\", \"config\": "
            "{\"initial_learning_rate\": 0.1, \"decay_steps\": 1000, "
            "\"decay_rate\": 0.9}}}}");
  EXPECT_EQ(r.spec->compile->kwarg("metrics")->str(),
            "[{\"class_name\": \"TopKCategoricalAccuracy\", \"config\": "
            "{\"k\": 5, \"name\": \"top5\"}}]");
  EXPECT_EQ(r.spec->fit->kwarg("callbacks")->str(),
            "[{\"class_name\": \"ModelCheckpoint\", \"config\": "
            "{\"filepath\": \"best.keras\"}}, {\"class_name\": "
            "\"CSVLogger\", \"config\": {\"filename\": \"log.csv\"}}]");
}

} // namespace
