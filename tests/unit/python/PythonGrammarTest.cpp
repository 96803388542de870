//===- PythonGrammarTest.cpp - The parser accepts Python 3's grammar ------===//
//
// The parser must accept every valid Python 3 construct (what a construct
// means is decided only when it runs), and refuse what CPython refuses at
// compile time with a located message. Each snippet is parsed on its own,
// then all the valid ones together inside a function that never runs, which
// the whole reader must accept.
//
//===----------------------------------------------------------------------===//
#include "PythonTestUtil.h"

#include "frontend/python/PyAST.h"

#include <gtest/gtest.h>

using namespace kiln::frontend;
using namespace kiln::frontend::test;

namespace {

const char *const kValid[] = {
    // Simple statements.
    "x = 1\n", "x = y = 2\n", "a, b = b, a\n", "[a, (b, *c)] = d\n",
    "x += 1; y -= 2; z *= 3; w /= 4\n", "x //= 2\nx %= 3\nx **= 2\nx @= m\n",
    "x &= 1\nx |= 2\nx ^= 3\nx >>= 1\nx <<= 1\n", "x: int\n",
    "x: list[int] = []\n", "self.w: float = 0.5\n", "pass\n", "del x, y[0], z.a\n",
    "assert x, 'message'\n", "raise\n", "raise ValueError('bad') from err\n",
    "global a, b\n", "import a.b.c as d, e\n", "from . import x\n",
    "from ..pkg.mod import (a as b,\n    c,)\n", "from m import *\n",
    // Expressions.
    "x = lambda: 0\n", "f = lambda a, b=1, *c, d, e=2, **f: a\n",
    "y = a if b else c if d else e\n", "z = not a or b and c\n",
    "c = a < b <= c != d in e not in f is g is not h\n",
    "v = a | b ^ c & d << 1 >> 2\n", "v = -a + +b * ~c / d // e % f ** -g\n",
    "m = a @ b\n", "w = await_ = 1\n", "x = (yield_ := 3)\n",
    "f(a, *b, c=1, *d, **e)\n", "f(x for x in y)\n", "f(*args, **kwargs)\n",
    "x = a[1:2, ::3, ...]\n", "x = a[:, None]\n", "x = a[1:2:3]\n",
    "x = a.b.c(d)[e].f\n", "x = [*a, *b]\n", "x = (*a, b)\n",
    "x = {**a, 'b': 1, **c}\n", "x = {1, 2, *s}\n", "x = {}\n", "x = ()\n",
    "x = [i for i in range(3) if i if i > 0]\n",
    "x = {k: v for k, v in d.items()}\n", "x = {i for i in s}\n",
    "x = (i for i in s)\n", "x = [j for i in a for j in i]\n",
    "x = [y async for y in z]\n", "x = f'{a!r:>{width}} {b=} {{}} {c:.2f}'\n",
    "x = rb'raw' b'bytes' u'text'\n", "x = 'a' 'b' f'{c}'\n",
    "x = '''multi\nline'''\n", "x = 1_000 + 0x1F + 0o17 + 0b11 + 1e-3 + .5\n",
    "x = True is not None\n", "print(*a, sep='')\n",
    "if (n := len(a)) > 10: pass\n",
    // Compound statements.
    "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n",
    "while a:\n    break\nelse:\n    pass\n",
    "for i in x:\n    continue\nelse:\n    pass\n",
    "for a, *b in c:\n    pass\n", "for (a, b) in c: pass\n",
    "try:\n    pass\nexcept:\n    pass\n",
    "try:\n    pass\nexcept (A, B) as e:\n    pass\nelse:\n    pass\n"
    "finally:\n    pass\n",
    "try:\n    pass\nfinally:\n    pass\n",
    "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "with a as b, c as (d, e):\n    pass\n", "with open(f):\n    pass\n",
    "def f(a, b=1, /, c=2, *args, d, e=3, **kwargs) -> int:\n    return a\n",
    "def f(*, a):\n    pass\n", "def f(a: int = 1, *b: str, **c: dict):\n"
                                "    pass\n",
    "@dec\n@dec2(arg)\ndef f():\n    pass\n", "@a.b[c]\nclass C: pass\n",
    "class C:\n    x = 1\n    def m(self):\n        return self.x\n",
    "class C(Base, metaclass=Meta):\n    pass\n", "class C(): pass\n",
    "def g():\n    yield\n    yield 1, 2\n    x = yield\n    yield from h()\n",
    "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n",
    "async def f():\n    await g()\n    async for x in y:\n        pass\n"
    "    async with a as b:\n        pass\n",
    "@dec\nasync def f():\n    return [x async for x in y]\n",
    "if a: x = 1; y = 2\n", "while 0: pass\n",
    "x = 1 \\\n    + 2\n",
};

struct Bad {
  const char *source, *want;
};

const Bad kInvalid[] = {
    {"def f(a=1, b):\n    pass\n",
     "1:12: non-default argument follows default argument"},
    {"f(a=1, 2)\n", "1:8: positional argument follows keyword argument"},
    {"f(**a, *b)\n", "1:8: iterable argument unpacking follows keyword "
                     "argument unpacking"},
    {"f(x for x in y, 1)\n", "1:3: generator expression must be "
                             "parenthesized"},
    {"return 1\n", "1:1: 'return' outside function"},
    {"x = yield 1\n", "1:5: 'yield' outside function"},
    {"break\n", "1:1: 'break' outside loop"},
    {"def f():\n    continue\n", "2:5: 'continue' outside loop"},
    {"nonlocal x\n", "1:1: nonlocal declaration not allowed at module level"},
    {"def f(a, a):\n    pass\n",
     "1:10: duplicate argument 'a' in function definition"},
    {"def f(*a, *b):\n    pass\n", "1:11: * argument may appear only once"},
    {"def f(**a, b):\n    pass\n",
     "1:12: arguments cannot follow var-keyword argument"},
    {"try:\n    pass\n", "3:1: invalid syntax: expected 'except' or "
                         "'finally' block"},
    {"else:\n    pass\n", "1:1: invalid syntax: 'else' without a matching "
                         "statement"},
    {"@dec\nx = 1\n", "2:1: invalid syntax: a decorator must be followed by "
                      "def or class"},
    {"x = f'{}'\n", "1:8: f-string: empty expression not allowed"},
    {"x = f'}'\n", "1:7: f-string: single '}' is not allowed"},
    {"x = f'{a b}'\n", "1:10: invalid syntax: unexpected 'b'"},
    {"x = {1: 2, 3}\n", "1:13: invalid syntax: expected ':' before '}'"},
};

bool parses(const std::string &text, std::string &error) {
  using namespace kiln::frontend::python;
  std::vector<Token> tokens;
  std::vector<StmtP> stmts;
  Diag diag;
  if (tokenize(text, tokens, diag) && parseTokens(tokens, stmts, diag))
    return true;
  unsigned line = 1, col = 1;
  for (const char *p = text.data(); p < diag.loc.getPointer(); ++p) {
    col = *p == '\n' ? 1 : col + 1;
    line += *p == '\n';
  }
  error = std::to_string(line) + ":" + std::to_string(col) + ": " + diag.msg;
  return false;
}

TEST(PythonGrammar, EveryConstructParses) {
  for (const char *src : kValid) {
    SCOPED_TRACE(src);
    std::string error;
    EXPECT_TRUE(parses(src, error)) << error;
  }
}

TEST(PythonGrammar, CompileTimeErrorsAreLocated) {
  for (const Bad &b : kInvalid) {
    SCOPED_TRACE(b.source);
    std::string error;
    EXPECT_FALSE(parses(b.source, error));
    EXPECT_EQ(error, b.want);
  }
}

TEST(PythonGrammar, CodeThatNeverRunsMayUseAnything) {
  // All the valid snippets inside a function nobody calls: the reader
  // accepts the script and reads the model after it.
  std::string body;
  for (const char *src : kValid) {
    if (llvm::StringRef(src).contains("nonlocal") ||
        llvm::StringRef(src).contains("from m import *") ||
        llvm::StringRef(src).contains("from ."))
      continue;
    std::string text = src;
    std::string indented = "    ";
    for (char c : text) {
      indented += c;
      if (c == '\n')
        indented += "    ";
    }
    body += indented + "\n";
  }
  std::string script = "import keras\n\nasync def never_runs():\n" + body +
                       "\nmodel = keras.Sequential([keras.Input(shape=(2,)), "
                       "keras.layers.Dense(1)])\n";
  PyResult r = readPython(script);
  EXPECT_TRUE(r.spec) << r.errors;
}

} // namespace
