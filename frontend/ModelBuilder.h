//===- ModelBuilder.h - ModelSpec -> nn IR ----------------------*- C++ -*-===//
//
// Builds the nn IR of a Keras model: one `func @forward` whose arguments are
// the model's inputs (batch `?`), whose ops are the layers' nn ops located at
// the layer's source (NameLoc "conv2d_1" around file:line:col), and whose
// weights are `nn.weight` ops with Keras's names. Shapes are inferred op by
// op as the model is built, through each op's ShapeInferenceOpInterface,
// because a layer's weights depend on its input shape (Dense's kernel is
// (in_features, units)). The compile/fit settings go into module attributes
// for the trainer. Alongside, it keeps what Keras's model.summary() shows.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_MODELBUILDER_H
#define KILN_FRONTEND_MODELBUILDER_H

#include "frontend/ModelSpec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::frontend {

/// One row of Keras's model summary.
struct SummaryRow {
  std::string name;       ///< "conv2d_1"
  std::string className;  ///< "Conv2D"
  std::vector<int64_t> shape; ///< output shape; -1 is None (the batch)
  int64_t params = 0;
  std::vector<std::string> connectedTo; ///< "conv2d[0][0]" (functional only)
  bool isInput = false;
};

/// A model built into nn IR, with its summary.
struct BuiltModel {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::string name;
  bool sequential = true;  ///< Sequential, or a functional chain
  bool functional = false; ///< built with the functional API
  std::vector<SummaryRow> rows;
  int64_t trainableParams = 0;
  int64_t nonTrainableParams = 0;
};

/// Builds `spec` into a module in `context` (which must have the nn and
/// standard dialects loaded). Reports the first error located in `sm`'s
/// buffers and naming the layer, and returns nullopt.
std::optional<BuiltModel> buildModel(const ModelSpec &spec,
                                     mlir::MLIRContext &context,
                                     llvm::SourceMgr &sm,
                                     llvm::raw_ostream &errs);

/// Names of every Keras layer class the table knows, for tests and --help.
std::vector<std::string> knownLayerClasses();

} // namespace kiln::frontend

#endif // KILN_FRONTEND_MODELBUILDER_H
