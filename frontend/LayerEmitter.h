//===- LayerEmitter.h - What a layer's lowering can do ----------*- C++ -*-===//
//
// The interface between ModelBuilder and the layer table (Layers.cpp): a
// layer's lowering creates nn ops (each shape-inferred at once), weights
// with Keras names, and activations; errors go to the layer's location.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_LAYEREMITTER_H
#define KILN_FRONTEND_LAYEREMITTER_H

#include "frontend/LayerArgs.h"
#include "ir/NNDialect.h"

#include "mlir/IR/Builders.h"

#include <functional>

namespace kiln::frontend {

/// Context for lowering one layer.
class LayerEmitter {
public:
  LayerEmitter(mlir::OpBuilder &b, mlir::Location loc, const LayerArgs &args,
               std::string layerName)
      : b(b), loc(loc), args(args), layerName(std::move(layerName)) {}

  /// Creates an nn op with an unranked result and infers its type at once.
  /// Returns null after reporting an error at the layer.
  template <typename OpTy, typename... Args>
  mlir::Value create(Args &&...operands) {
    auto unranked = mlir::UnrankedTensorType::get(b.getF32Type());
    auto op = b.create<OpTy>(loc, unranked, std::forward<Args>(operands)...);
    return infer(op.getOperation());
  }

  /// A weight named "<layer>/<suffix>", created by `init` (Keras's
  /// initializer), optionally regularised.
  mlir::Value weight(llvm::StringRef suffix, llvm::ArrayRef<int64_t> shape,
                     const KerasObject &init,
                     const std::optional<KerasObject> &regularizer,
                     bool trainable);
  /// Reads the initializer argument `argName` (never None) and the optional
  /// regularizer `regName` (may be empty) and creates the weight.
  mlir::Value weightFromArgs(llvm::StringRef suffix,
                             llvm::ArrayRef<int64_t> shape,
                             const std::string &argName,
                             const std::string &regName, bool trainable);
  /// Applies a Keras activation by name ("relu", "softmax", "linear", ...).
  /// `argName` locates errors.
  mlir::Value activation(mlir::Value x, const std::string &name,
                         const std::string &argName);
  /// The shape of a value built so far.
  static llvm::ArrayRef<int64_t> shapeOf(mlir::Value v);

  mlir::OpBuilder &b;
  mlir::Location loc;
  const LayerArgs &args;
  std::string layerName;
  /// The layer was built with trainable=False: every weight it creates is
  /// non-trainable.
  bool frozen = false;
  int64_t trainableParams = 0;
  int64_t nonTrainableParams = 0;

private:
  mlir::Value infer(mlir::Operation *op);
};

/// Lowers one layer: inputs in, outputs out. Returns false after reporting.
using LayerLowering = std::function<bool(
    LayerEmitter &, llvm::ArrayRef<mlir::Value>,
    llvm::SmallVectorImpl<mlir::Value> &)>;

/// One Keras layer class: its signature and lowering.
struct LayerDef {
  std::string className;
  std::vector<Param> signature;
  /// How many inputs it takes: 1, or 0 meaning "a list of two or more"
  /// (merge layers).
  int arity = 1;
  LayerLowering lower;
};

/// The layer table entry for `className` (aliases included), or null.
const LayerDef *lookupLayer(const std::string &className);
/// Every class name in the table.
std::vector<std::string> layerClassNames();

} // namespace kiln::frontend

#endif // KILN_FRONTEND_LAYEREMITTER_H
