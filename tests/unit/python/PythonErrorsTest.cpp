//===- PythonErrorsTest.cpp - Malformed scripts and their messages --------===//
//
// Each file in tests/inputs/python/errors/ starts with a comment
// "# expect: L:C: message"; the reader must refuse the file with exactly
// that first diagnostic, followed by the source line and a caret.
//
//===----------------------------------------------------------------------===//
#include "PythonTestUtil.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace kiln::frontend;
using namespace kiln::frontend::test;

namespace {

std::vector<std::string> errorFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  std::string dir = std::string(KILN_SOURCE_DIR) + "/tests/inputs/python/errors";
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::path::extension(it->path()) == ".py")
      files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(PythonErrors, EachMalformedInputGivesItsMessage) {
  std::vector<std::string> files = errorFiles();
  ASSERT_GE(files.size(), 25u);
  for (const std::string &path : files) {
    SCOPED_TRACE(path);
    auto buf = llvm::MemoryBuffer::getFile(path);
    ASSERT_TRUE(bool(buf));
    std::string text = (*buf)->getBuffer().str();
    ASSERT_EQ(text.rfind("# expect: ", 0), 0u);
    std::string want = text.substr(10, text.find('\n') - 10);
    PyResult r = readPython(text, llvm::sys::path::filename(path).str());
    EXPECT_FALSE(r.spec.has_value());
    EXPECT_EQ(r.firstError(), want);
    // file:line:col: error: msg, then the line and a caret.
    EXPECT_EQ(r.errors.rfind(llvm::sys::path::filename(path).str() + ":", 0),
              0u);
    EXPECT_NE(r.errors.find("\n"), std::string::npos);
    EXPECT_NE(r.errors.find("^"), std::string::npos);
  }
}

struct Case {
  const char *source;
  const char *want;
};

TEST(PythonErrors, InlineCases) {
  const Case cases[] = {
      {"import keras\nx = keras.Input(shape=(2,))\n"
       "y = keras.layers.Dense(2)(x, scale=True)\n",
       "3:30: in layer 'dense' (Dense): keyword argument 'scale' to a layer "
       "call is not supported"},
      {"import keras\nm = keras.Sequential([keras.layers.Dense(2, "
       "input_dim=3)])\nm.add(keras.Input(shape=(2,)))\n",
       "3:7: only keras.Input(...) can be added to a Sequential model, as its "
       "first entry; other Keras tensors cannot"},
      {"import keras\nd = keras.layers.Dense(2)\nm = keras.Sequential(["
       "keras.Input(shape=(2,)), d, d])\n",
       "3:51: in layer 'dense' (Dense): the layer is used a second time: "
       "shared layers are not supported"},
      {"import keras\ninputs = keras.Input(shape=(2,))\n"
       "m = keras.Model(inputs, keras.layers.Dense(1)(inputs))\n"
       "m.add(keras.layers.Dense(1))\n",
       "4:1: add() is only available on Sequential models"},
      {"x = 2 ** 64\n", "1:5: integer overflow in constant arithmetic"},
      {"x = 99999999999999999999\n", "1:5: integer literal is too large"},
      {"import keras\nm = keras.Sequential([keras.Input(shape=(2,)), "
       "keras.layers.Dense(2, name='a'), keras.layers.Dense(2, name='a')])\n",
       "2:81: in layer 'a' (Dense): the name 'a' is used by two layers of "
       "the model"},
      {"x = [1, 2][5]\n", "1:12: list index out of range"},
      {"def f(n):\n    return f(n)\nf(1)\n",
       "2:12: maximum recursion depth exceeded"},
      {"import keras\nx = keras.Input(shape=(2,))\n"
       "y = keras.layers.Dense(x.shape[-1])(x)\n",
       "3:24: in layer 'dense' (Dense): argument 1 must be a constant, not a "
       "value computed from data: 'x.shape[-1]', computed from 'the shape "
       "of a Keras tensor' (line 3)"},
      {"import keras\nx = keras.Input(shape=(2,))\nprint(x.name)\n",
       "3:7: attribute 'name' of a Keras tensor is not supported"},
      {"import numpy as np\nimport keras\nx = keras.Input(shape=(2,))\n"
       "y = np.exp(x)\n",
       "4:12: 'np.exp' cannot be applied to Keras tensors or layers; only "
       "Keras layers can"},
      {"for i in range(10 ** 9):\n    pass\n",
       "1:10: range() is too long for kiln (over 10000)"},
      {"x = [k for k in 5]\n", "1:17: 'int' object is not iterable"},
      {"f = lambda x: x\nf(1, 2)\n",
       "2:1: <lambda>() takes 1 positional arguments but 2 were given"},
      {"def f(a, *, b):\n    return a\nf(1, 2)\n",
       "3:1: f() takes 1 positional arguments but 2 were given"},
      {"def f(a, b=2):\n    return a\nf(b=3)\n",
       "3:1: f() missing required argument 'a'"},
      {"x = 1\nbreak\n", "2:1: 'break' outside loop"},
      {"async def f():\n    await g()\nf()\n",
       "3:1: calling the async function 'f' is not supported: kiln does not "
       "run asynchronous code"},
      {"assert 1 == 2, 'sizes differ'\n",
       "1:1: assertion failed: sizes differ"},
      {"x = f'{1:q}'\n", "1:8: unknown format code 'q' for a number"},
      {"x = f'{1'\n", "1:7: f-string: expecting '}'"},

      {"x = 1 +\n", "1:8: invalid syntax: unexpected end of line"},
      {"  x = 1\n", "1:3: unexpected indent"},
      {"def f():\nx = 1\n", "2:1: expected an indented block"},
      {"import keras\nm = keras.Sequential([keras.Input(shape=(2,))], "
       "layerz=[])\n",
       "2:49: keras.Sequential() argument 'layerz' is not supported"},
      {"x = (1, 2\n", "1:5: '(' was never closed"},
      {"x = 1)\n", "1:6: unmatched ')'"},
      {"x = (1, 2]\n", "1:10: closing parenthesis ']' does not match opening "
                       "parenthesis '('"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.source);
    PyResult r = readPython(c.source);
    EXPECT_FALSE(r.spec.has_value());
    EXPECT_EQ(r.firstError(), c.want);
  }
}

TEST(PythonErrors, DiagnosticShowsTheLineAndACaret) {
  PyResult r = readPython("import keras\nx = foo\n");
  EXPECT_EQ(r.errors, "test.py:2:5: error: name 'foo' is not defined\n"
                      "x = foo\n"
                      "    ^\n");
}

} // namespace
