//===- ModelSpec.h - A Keras model as its frontends read it -----*- C++ -*-===//
//
// The description in between the frontends and the nn IR. Both frontends
// (Keras Python and Keras JSON) produce a ModelSpec: the layers with their
// raw Keras arguments, how they connect, and the compile/fit settings. The
// layer table (Layers.h) then resolves each layer's arguments against Keras's
// signatures and defaults, and ModelBuilder emits nn ops. Keeping argument
// resolution out of the frontends means one place knows each Keras layer.
//
// Every element carries the llvm::SMLoc it came from, in a buffer owned by
// the llvm::SourceMgr that the frontend was given, so that any later error
// can point at the user's file, line and column.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_MODELSPEC_H
#define KILN_FRONTEND_MODELSPEC_H

#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kiln::frontend {

/// A Keras configuration value: what a Python literal or a JSON value gives.
/// Lists and tuples are kept apart because Keras accepts both for shapes and
/// the summary prints tuples. A Python call to an initializer, regularizer or
/// optimizer class (`keras.initializers.HeNormal(seed=1)`) becomes a Dict in
/// the Keras 2 JSON layout: {"class_name": "HeNormal", "config": {"seed": 1}}.
struct KValue {
  enum class Kind { None, Bool, Int, Float, String, List, Tuple, Dict };
  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<KValue> items;                           // List, Tuple
  std::vector<std::pair<std::string, KValue>> fields;  // Dict, in order
  llvm::SMLoc loc;                                     // where it was written

  static KValue none(llvm::SMLoc loc = {});
  static KValue boolean(bool v, llvm::SMLoc loc = {});
  static KValue integer(int64_t v, llvm::SMLoc loc = {});
  static KValue real(double v, llvm::SMLoc loc = {});
  static KValue string(std::string v, llvm::SMLoc loc = {});
  static KValue list(std::vector<KValue> v, llvm::SMLoc loc = {});
  static KValue tuple(std::vector<KValue> v, llvm::SMLoc loc = {});
  static KValue dict(std::vector<std::pair<std::string, KValue>> v,
                     llvm::SMLoc loc = {});

  bool isNone() const { return kind == Kind::None; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  bool isSequence() const { return kind == Kind::List || kind == Kind::Tuple; }
  /// The field named `key` of a Dict, or null.
  const KValue *get(const std::string &key) const;
  /// Python-style text: 3, 0.5, "same", (3, 3), [1, 2], {"a": 1}, None.
  std::string str() const;
};

/// One tensor a layer consumes: output `index` of layer `layer` (an index
/// into ModelSpec::layers).
struct TensorRef {
  int layer = -1;
  int index = 0;
};

/// One Keras layer, as written. InputLayer is a layer too (Keras's
/// functional models list it; Sequential models hide it).
struct LayerSpec {
  std::string className;  ///< Keras class: "Conv2D", "InputLayer", ...
  std::string name;       ///< Keras name; frontends fill it (see uniqueName)
  bool nameGiven = false; ///< the user wrote name=...
  std::vector<KValue> args;                           ///< positional
  std::vector<std::pair<std::string, KValue>> kwargs; ///< keyword, in order
  std::vector<TensorRef> inputs; ///< producers; empty for InputLayer
  llvm::SMLoc loc;               ///< the layer's constructor call
};

/// A call such as model.compile(...) or model.fit(...), arguments as written.
struct CallSpec {
  std::vector<KValue> args;
  std::vector<std::pair<std::string, KValue>> kwargs;
  llvm::SMLoc loc;
  const KValue *kwarg(const std::string &key) const;
};

/// A whole model, plus what the script says about training it.
struct ModelSpec {
  enum class Kind { Sequential, Functional };
  Kind kind = Kind::Sequential;
  std::string name;  ///< "sequential", "functional", or the user's name
  std::vector<LayerSpec> layers;   ///< in definition (topological) order
  std::vector<TensorRef> inputs;   ///< the InputLayer outputs
  std::vector<TensorRef> outputs;
  llvm::SMLoc loc;                 ///< where the model was created

  std::optional<CallSpec> compile; ///< model.compile(...)
  std::optional<CallSpec> fit;     ///< model.fit(...)
  /// The data set the script loads: "mnist", "fashion_mnist", "cifar10",
  /// ...; empty when it loads none.
  std::string dataset;
  llvm::SMLoc datasetLoc;
};

/// Keras's automatic layer name: snake_case of the class name, then `_1`,
/// `_2`... for the second and later layers of that name in one session.
/// `used` counts the base names given out so far.
std::string uniqueName(const std::string &className,
                       std::map<std::string, int> &used);

/// Keras's to_snake_case: "MaxPooling2D" -> "max_pooling2d".
std::string toSnakeCase(const std::string &className);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_MODELSPEC_H
