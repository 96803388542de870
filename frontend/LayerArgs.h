//===- LayerArgs.h - A Keras layer's arguments, resolved --------*- C++ -*-===//
//
// Applies a Keras signature (parameter names in positional order, with
// defaults) to a LayerSpec's positional and keyword arguments, then reads
// them with typed getters. Every failure is reported once, at the argument's
// own location when it has one, naming the layer: "layer 'conv2d_1'
// (Conv2D): kernel_size must be an int or a pair of ints, got "same"".
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_LAYERARGS_H
#define KILN_FRONTEND_LAYERARGS_H

#include "frontend/ModelSpec.h"

#include "llvm/Support/SourceMgr.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace kiln::frontend {

/// One parameter of a Keras signature. `required` parameters have no
/// default; the others default to `value`.
struct Param {
  std::string name;
  KValue value;
  bool required = false;
};

/// Reports errors located in the user's source, naming the layer.
class LayerDiag {
public:
  LayerDiag(llvm::SourceMgr &sm, llvm::raw_ostream &errs) : sm(sm), errs(errs) {}
  /// Prints `file:line:col: error: <context><msg>` with the line and caret.
  void error(llvm::SMLoc loc, const std::string &msg);
  /// "layer 'conv2d_1' (Conv2D): " while a layer is being built.
  std::string context;
  bool failed = false;
  llvm::SourceMgr &sm;

private:
  llvm::raw_ostream &errs;
};

/// A Keras initializer, regularizer or similar object: its snake_case name
/// ("glorot_uniform") and its configuration.
struct KerasObject {
  std::string name;
  std::vector<std::pair<std::string, KValue>> config;
};

/// The arguments of one layer after the signature is applied.
class LayerArgs {
public:
  /// Resolves `spec`'s arguments against `signature` plus the arguments
  /// every Keras layer accepts (name, trainable, dtype, input_shape, ...).
  /// Reports unknown keywords, repeated or missing arguments and too many
  /// positionals; returns nullopt after reporting.
  static std::optional<LayerArgs> resolve(const LayerSpec &spec,
                                          const std::vector<Param> &signature,
                                          LayerDiag &diag);

  const KValue &get(const std::string &name) const;
  /// The location of the argument, or the layer's when it was defaulted.
  llvm::SMLoc loc(const std::string &name) const;

  // Typed getters: each reports a located error and returns nullopt on a
  // value of the wrong kind.
  std::optional<int64_t> getInt(const std::string &name, int64_t min) const;
  std::optional<double> getFloat(const std::string &name) const;
  std::optional<bool> getBool(const std::string &name) const;
  std::optional<std::string> getString(const std::string &name) const;
  /// One of `choices`, compared case-insensitively (Keras lowercases
  /// padding and data_format).
  std::optional<std::string> getChoice(const std::string &name,
                                       const std::vector<std::string> &choices) const;
  /// An int n (meaning (n, n)) or a pair of ints, each >= min.
  std::optional<std::array<int64_t, 2>> getPair(const std::string &name,
                                                int64_t min) const;
  /// A shape: a tuple/list of positive ints (None allowed where
  /// `allowNone`, returned as -1).
  std::optional<std::vector<int64_t>> getShape(const std::string &name,
                                               bool allowNone) const;
  /// An initializer, regularizer or constraint: a string, a
  /// {"class_name", "config"} dict (Keras 2 and 3 layouts), or None.
  std::optional<std::optional<KerasObject>>
  getObject(const std::string &name) const;
  /// An activation: a string or None ("linear" when None).
  std::optional<std::string> getActivation(const std::string &name) const;

  /// Reports an error at `name`'s location.
  void error(const std::string &name, const std::string &msg) const;
  /// Checks that the argument is None (a feature kiln does not implement);
  /// reports "<name> is not supported yet" otherwise.
  bool requireNone(const std::string &name) const;
  /// Checks the dtype argument is absent, "float32" or a float32 policy.
  bool requireFloat32() const;
  /// Checks data_format is channels_last (or None).
  bool requireChannelsLast() const;

  LayerDiag &diag;
  const LayerSpec &spec;

private:
  LayerArgs(const LayerSpec &spec, LayerDiag &diag) : diag(diag), spec(spec) {}
  std::vector<std::pair<std::string, KValue>> values;
};

} // namespace kiln::frontend

#endif // KILN_FRONTEND_LAYERARGS_H
