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

namespace kiln::frontend::python {

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
  int size = 1;  ///< nodes in this value: bounds copying
  int depth = 1; ///< nesting: bounds recursion over values
  llvm::SMLoc loc;

  bool isSeq() const { return kind == Kind::Tuple || kind == Kind::List; }
  bool isNum() const {
    return kind == Kind::Int || kind == Kind::Float || kind == Kind::Bool;
  }
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
};

/// Helpers on values shared by PyInterpreter.cpp and PyOperators.cpp.
namespace values {
using VK = Value::Kind;
inline Value opaque(std::string what, llvm::SMLoc loc) {
  Value v;
  v.kind = VK::Opaque;
  v.s = std::move(what);
  v.loc = loc;
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

  // Generic evaluation (PyInterpreter.cpp).
  bool fail(llvm::SMLoc loc, const llvm::Twine &msg);
  bool exec(const Stmt &s);
  bool execBlock(const std::vector<StmtP> &body);
  bool eval(const Expr &e, Value &out);
  bool assign(const Expr &target, const Value &v);
  bool bind(const std::string &name, const Value &v);
  bool lookup(const Expr &name, Value &out);
  bool getAttr(const Value &obj, const std::string &name, llvm::SMLoc loc,
               Value &out);
  bool call(const Expr &e, Value &out);
  bool binary(const std::string &op, const Value &l, const Value &r,
              llvm::SMLoc loc, Value &out);
  bool makeSeq(Value::Kind kind, std::vector<Value> items, llvm::SMLoc loc,
               Value &out);
  bool callBuiltin(const Value &fn, const Expr &e, std::vector<Value> &args,
                   llvm::SMLoc loc, Value &out);
  bool callFunction(const Value &fn, const Expr &e, std::vector<Value> &args,
                    std::vector<Value> &kwargs, Value &out);
  bool iterate(const Value &v, llvm::SMLoc loc, std::vector<Value> &out);
  static std::string typeName(const Value &v);

  // Keras semantics (PyKeras.cpp).
  bool importModule(const std::string &dotted, llvm::SMLoc loc, Value &out,
                    bool root);
  bool kerasAttr(const Value &mod, const std::string &name, llvm::SMLoc loc,
                 Value &out);
  bool callKeras(const Value &fn, const Expr &e, Value &out);
  bool toKValue(const Value &v, const Expr *src, const std::string &what,
                KValue &out);
  bool layerCall(const Value &layer, const Expr &e, Value &out);
  bool modelMethod(const Value &m, const Expr &e, Value &out);
  bool sequentialAdd(int model, const Value &v);
  bool createLayer(const Value &cls, const Expr &e, Value &out);
  bool createInput(const Expr &e, Value &out);
  bool createConfig(const Value &cls, const Expr &e, Value &out);
  bool createModel(const Value &fn, const Expr &e, Value &out);
  bool evalArgs(const Expr &e, std::vector<Value> &args,
                std::vector<Value> &kwargs);
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
  std::map<std::string, Value> *locals = nullptr;
  std::vector<const Stmt *> functions;
  std::vector<LayerRec> layers;
  std::vector<ModelRec> models;
  std::map<std::string, int> used;
  int order = 0;
  long steps = 0;
  int callDepth = 0;
  int evalDepth = 0; ///< nested eval/exec frames, across calls
  bool returning = false;
  Value returnValue;
  std::string dataset;
  llvm::SMLoc datasetLoc;
};

} // namespace kiln::frontend::python

#endif // KILN_FRONTEND_PYTHON_PYINTERP_H
