//===- PyInterp.h - Symbolic interpreter for Keras scripts ------*- C++ -*-===//
//
// The Python reader's interpreter. It runs the parsed script symbolically:
// numbers, strings, tuples, lists and dicts are real values, Keras modules,
// layers, tensors and models are symbolic values that record a ModelSpec,
// and everything from other libraries (numpy, matplotlib, the data the
// script loads) is an opaque value that flows through arithmetic, calls and
// indexing without being computed. Generic Python evaluation lives in
// PyInterpreter.cpp; what Keras names mean lives in PyKeras.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_PYTHON_PYINTERP_H
#define KILN_FRONTEND_PYTHON_PYINTERP_H

#include "frontend/ModelSpec.h"
#include "frontend/python/PyAST.h"

#include "llvm/ADT/Twine.h"

#include <map>
#include <memory>
#include <set>

namespace kiln::frontend::python {

struct Frame;

/// A value of the running script.
struct Value {
  enum class Kind {
    None, Bool, Int, Float, Str, Tuple, List, Dict,
    Opaque,      ///< data or any non-Keras value; `s` describes it
    Module,      ///< `s` = canonical dotted path ("keras.layers", "numpy")
    Builtin,     ///< `s` = builtin function name
    Function,    ///< user `def`; `ref` indexes Interp::functions
    KerasFn,     ///< `s` = Sequential, Model, Input, load_data, ignore
    LayerClass,  ///< `s` = Keras layer class name
    ConfigClass, ///< `s` = class name, `s2` = module (initializers, ...)
    Config,      ///< a called ConfigClass, `cfg` = its Keras 2 dict
    Layer,       ///< `ref` indexes Interp::layers
    Tensor,      ///< output `index` of layer `ref`
    Model,       ///< `ref` indexes Interp::models
    Method,      ///< method `s` of model `ref`
    Set,         ///< `items`, unique
    Class,       ///< user class; `ref` indexes Interp::classes
    Instance,    ///< user object; `ref` indexes Interp::objects
    BoundMethod, ///< function `ref` bound to items[0] (self)
    Super,       ///< super(): the bases of class `ref`, self in items[0]
    LayerMethod, ///< method `s` of layer `ref` (adapt, ...): ignored
    Exception,   ///< an exception object: class `s`, source text `s2`
  };
  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s, s2;
  std::vector<Value> items;        ///< Tuple, List, Dict values
  std::vector<std::string> keys;   ///< Dict keys
  std::shared_ptr<const KValue> cfg; ///< Config
  int ref = -1;
  int index = 0;
  /// Opaque: where the value was first computed, for errors that say where
  /// a data value reaching the model came from.
  llvm::SMLoc origin;
  /// Function/BoundMethod: the frame it closes over (null at module level).
  std::shared_ptr<Frame> env;
  int size = 1;  ///< nodes in this value: bounds copying
  int depth = 1; ///< nesting: bounds recursion over values
  llvm::SMLoc loc;

  bool isSeq() const { return kind == Kind::Tuple || kind == Kind::List; }
  bool isNum() const {
    return kind == Kind::Int || kind == Kind::Float || kind == Kind::Bool;
  }
};

/// The local variables of one function call (or class body), and the
/// frame it closes over, so nested functions see their enclosing locals.
struct Frame {
  std::map<std::string, Value> vars;
  std::shared_ptr<Frame> parent;
  std::set<std::string> globalNames, nonlocalNames;
  bool isClass = false; ///< a class body: its names are not closed over
  int cls = -1;         ///< the class whose method runs here (for super())
  Value self;           ///< that method's first argument (for super())
};

/// A `def` or `lambda` the script ran, and the class it was defined in.
struct FuncRec {
  const Stmt *def = nullptr;
  std::vector<Value> defaults; ///< per parameter, evaluated at definition
  int cls = -1;
  bool isProperty = false, isStatic = false, isClassMethod = false;
};

/// A class the script defined. `kerasBase` is "Layer" or "Model" for
/// subclasses of keras.layers.Layer / keras.Model, the Keras module of
/// another Keras base (callbacks, ...), or empty.
struct ClassRec {
  std::string name;
  std::vector<int> bases; ///< user base classes
  std::string kerasBase;
  std::map<std::string, Value> attrs;
  llvm::SMLoc loc;
};

/// An instance of a user class. Model subclasses have a ModelRec.
struct ObjectRec {
  int cls = -1;
  std::map<std::string, Value> attrs;
  int model = -1; ///< keras.Model subclasses: index into Interp::models
  bool built = false;
  bool called = false;
};

/// The evaluated arguments of a call: `*x` and `**x` expanded, each value
/// with the expression it came from (null when it came from an expansion).
struct CallArgs {
  std::vector<Value> args;
  std::vector<const Expr *> argSrc;
  std::vector<std::string> kwNames;
  std::vector<Value> kwargs;
  std::vector<const Expr *> kwSrc;
  std::vector<llvm::SMLoc> kwLocs;
  /// A `*x` or `**x` of a data value: its elements are not known.
  llvm::SMLoc opaqueStar;
};

/// A layer the script created, with global producer indices.
struct LayerRec {
  LayerSpec spec;
  bool connected = false; ///< called on tensors or added to a Sequential
  int order = -1;         ///< when it was connected: a topological order
};

/// A model the script created.
struct ModelRec {
  bool sequential = true;
  std::string name;
  llvm::SMLoc loc;
  std::vector<int> seq; ///< Sequential: its layers after the input
  int input = -1;       ///< Sequential: its InputLayer
  std::vector<TensorRef> ins, outs; ///< Functional, global indices
  std::optional<CallSpec> compile, fit;
  int object = -1; ///< a keras.Model subclass: its ObjectRec
  int fitOrder = -1; ///< when fit() was last called on it
  bool inlined = false; ///< used as a layer: its layers joined another model
  /// A Sequential model holding custom layers or functional models: its
  /// entries are called as they are added, so it is read as a graph.
  bool traced = false;
};

/// Helpers on values shared by PyInterpreter.cpp and PyOperators.cpp.
namespace values {
using VK = Value::Kind;
inline Value strValue(std::string s, llvm::SMLoc loc) {
  Value v;
  v.kind = VK::Str;
  v.s = std::move(s);
  v.loc = loc;
  return v;
}
inline Value intValue(int64_t i, llvm::SMLoc loc) {
  Value v;
  v.kind = VK::Int;
  v.i = i;
  v.loc = loc;
  return v;
}
inline Value boolValue(bool b, llvm::SMLoc loc) {
  Value v;
  v.kind = VK::Bool;
  v.b = b;
  v.loc = loc;
  return v;
}
inline Value opaque(std::string what, llvm::SMLoc loc) {
  Value v;
  v.kind = VK::Opaque;
  v.s = std::move(what);
  v.loc = loc;
  v.origin = loc;
  return v;
}

/// An opaque value derived from `from` (keeps where the data came from).
inline Value derived(const Value &from, std::string what, llvm::SMLoc loc) {
  Value v = opaque(std::move(what), loc);
  if (from.kind == VK::Opaque && from.origin.isValid()) {
    v.origin = from.origin;
    v.s2 = from.s2.empty() ? from.s : from.s2;
    if (llvm::StringRef(from.s2).startswith("set in the "))
      v.s = from.s; // keep the name the skipped code set
  }
  return v;
}

/// True when `v` holds a Keras tensor or layer anywhere inside.
inline bool holdsKeras(const Value &v) {
  if (v.kind == VK::Tensor || v.kind == VK::Layer)
    return true;
  for (const Value &item : v.items)
    if (holdsKeras(item))
      return true;
  return false;
}

/// Python truthiness of a constant; false when `v` is not a constant.
inline bool truth(const Value &v, bool &known) {
  known = true;
  switch (v.kind) {
  case VK::None: return false;
  case VK::Bool: return v.b;
  case VK::Int: return v.i != 0;
  case VK::Float: return v.f != 0;
  case VK::Str: return !v.s.empty();
  case VK::Tuple:
  case VK::List:
  case VK::Set:
  case VK::Dict: return !v.items.empty();
  default: known = false; return false;
  }
}

inline double asDouble(const Value &v) {
  return v.kind == VK::Float ? v.f : v.kind == VK::Bool ? double(v.b)
                                                        : double(v.i);
}
inline int64_t asInt(const Value &v) { return v.kind == VK::Bool ? v.b : v.i; }
} // namespace values

/// Runs a parsed script; see the file comment.
class Interp {
public:
  explicit Interp(const char *bufferStart) : bufferStart(bufferStart) {}

  /// Runs the statements, then builds the model. False on the first error.
  bool run(const std::vector<StmtP> &stmts, ModelSpec &out);
  const Diag &error() const { return err; }

  // Statements and scopes (PyInterpreter.cpp).
  bool fail(llvm::SMLoc loc, const llvm::Twine &msg);
  bool exec(const Stmt &s);
  bool execBlock(const std::vector<StmtP> &body);
  bool execLoop(const Stmt &s);
  bool execTry(const Stmt &s);
  bool skipOnData(const Stmt &s, const Value &cond, const char *what);
  bool assign(const Expr &target, const Value &v);
  bool bind(const std::string &name, const Value &v);
  bool lookupName(const std::string &name, llvm::SMLoc loc, Value &out);
  bool lookup(const Expr &name, Value &out);
  bool defineFunction(const Stmt &s, Value &out);
  bool makeSeq(Value::Kind kind, std::vector<Value> items, llvm::SMLoc loc,
               Value &out);
  /// Counts `n` elements or characters copied against the work budget.
  bool charge(long n, llvm::SMLoc loc);
  bool iterate(const Value &v, llvm::SMLoc loc, std::vector<Value> &out);
  unsigned lineOf(llvm::SMLoc loc) const;
  std::string dataOrigin(const Value &v) const;
  static std::string typeName(const Value &v);

  // Expressions and calls (PyEval.cpp).
  bool eval(const Expr &e, Value &out);
  bool evalSubscript(const Expr &e, Value &out);
  bool evalComp(const Expr &e, Value &out);
  bool evalFString(const Expr &e, Value &out);
  bool getAttr(const Value &obj, const std::string &name, llvm::SMLoc loc,
               Value &out);
  bool call(const Expr &e, Value &out);
  bool evalArgs(const Expr &e, CallArgs &out);
  bool callValue(const Value &fn, CallArgs &a, llvm::SMLoc loc, Value &out);
  bool callFunction(const Value &fn, CallArgs &a, llvm::SMLoc loc,
                    Value &out);
  bool containerMethod(const Expr &e, const Value &base, Value &out);
  Value *storageOf(const Expr &target);
  bool growInPlace(Value &container, std::vector<Value> items,
                   llvm::SMLoc loc);
  bool mutateInPlace(const Expr &e, bool &done, Value &out);

  // Operators and builtins (PyOperators.cpp, PyBuiltins.cpp).
  bool binary(const std::string &op, const Value &l, const Value &r,
              llvm::SMLoc loc, Value &out);
  bool compare(const std::string &op, const Value &l, const Value &r,
               llvm::SMLoc loc, Value &out);
  bool equal(const Value &l, const Value &r, bool &known);
  bool callBuiltin(const Value &fn, CallArgs &a, llvm::SMLoc loc,
                   const std::string &src, Value &out);
  bool formatValue(const Value &v, const std::string &spec, llvm::SMLoc loc,
                   Value &out);

  // Classes (PyClasses.cpp).
  bool defineClass(const Stmt &s);
  bool findAttr(int cls, const std::string &name, Value &out, int *owner);
  bool instantiate(const Value &cls, const Expr *e, CallArgs &a,
                   llvm::SMLoc loc, Value &out);
  bool instanceAttr(const Value &obj, const std::string &name,
                    llvm::SMLoc loc, Value &out);
  bool superAttr(const Value &sup, const std::string &name, llvm::SMLoc loc,
                 Value &out);
  bool callInstance(const Value &obj, const Expr *e, CallArgs &a,
                    llvm::SMLoc loc, Value &out);
  bool traceModel(int object, const Value &input, llvm::SMLoc loc);
  std::string kerasBaseOf(int cls) const;

  // Keras semantics (PyKeras.cpp).
  bool importModule(const std::string &dotted, llvm::SMLoc loc, Value &out,
                    bool root);
  bool kerasAttr(const Value &mod, const std::string &name, llvm::SMLoc loc,
                 Value &out);
  bool callKeras(const Value &fn, const Expr &e, CallArgs &a, Value &out);
  bool toKValue(const Value &v, const Expr *src, const std::string &what,
                KValue &out);
  bool layerCall(const Value &layer, const Expr &e, CallArgs &a, Value &out);
  bool modelCall(const Value &model, CallArgs &a, llvm::SMLoc loc,
                 Value &out);
  bool modelMethod(const Value &m, const Expr &e, CallArgs &a, Value &out);
  bool modelAttr(int model, const std::string &name, llvm::SMLoc loc,
                 Value &out);
  bool sequentialAdd(int model, const Value &v);
  bool createLayer(const Value &cls, const Expr &e, CallArgs &a, Value &out);
  bool createInput(const Expr &e, CallArgs &a, Value &out);
  bool createConfig(const Value &cls, const Expr &e, CallArgs &a, Value &out);
  bool createModel(const Value &fn, llvm::SMLoc loc, CallArgs &a, Value &out,
                   int object = -1);
  bool tensorsOf(const Value &v, const std::string &what,
                 std::vector<TensorRef> &out);
  bool buildSpec(ModelSpec &out);

  /// Sets the prefix naming the layer an error is about, while alive.
  struct Context {
    Interp &in;
    std::string saved;
    Context(Interp &in, std::string ctx) : in(in), saved(in.context) {
      in.context = std::move(ctx);
    }
    ~Context() { in.context = saved; }
  };

  const char *bufferStart;
  Diag err;
  bool failed = false;
  bool allowData = false; ///< toKValue names data values (compile/fit)
  std::string context;
  std::map<std::string, Value> globals;
  std::shared_ptr<Frame> frame; ///< null at module level
  std::vector<FuncRec> functions;
  std::vector<ClassRec> classes;
  std::vector<ObjectRec> objects;
  std::vector<LayerRec> layers;
  std::vector<ModelRec> models;
  /// The layers that `from` reaches through their inputs (`from`
  /// included), in the order they were connected; the walk neither enters
  /// nor keeps a layer of `stop`.
  std::vector<int> reachableLayers(const std::vector<TensorRef> &from,
                                   const std::set<int> *stop = nullptr) const;
  std::map<std::string, int> used;
  int order = 0;
  long steps = 0;
  long work = 0; ///< container elements built so far (bounds copying)
  int callDepth = 0;
  int evalDepth = 0; ///< nested eval/exec frames, across calls
  bool returning = false, breaking = false, continuing = false;
  bool raising = false; ///< a `raise` ran; `raised` names the exception
  Value returnValue, raised;
  int fitCount = 0;
  std::string wantedModel; ///< --model NAME: the model to read
  std::string dataset;
  llvm::SMLoc datasetLoc;
};

} // namespace kiln::frontend::python

#endif // KILN_FRONTEND_PYTHON_PYINTERP_H
