//===- KerasModel.h - Keras model files for the kiln commands ---*- C++ -*-===//
//
// The glue between the commands and frontend/keras: loading a .keras or
// .h5 model (its config through the Keras JSON frontend, its weights
// matched to the built model), taking --weights from a Keras file, and
// writing --save / -o files by suffix (.safetensors, .keras, .weights.h5).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_KERASMODEL_H
#define KILN_TOOLS_KERASMODEL_H

#include "frontend/keras/KerasFile.h"
#include "tools/ModelLoader.h"

namespace kiln {

/// .keras, .h5, .hdf5 (what loadKerasModel and loadKerasWeightsFor take).
bool isKerasFilePath(const std::string &path);

/// Loads a Keras model file: its config becomes the model, its weights
/// LoadedModel::fileWeights. Errors (naming the file and layer) go to
/// `errs`.
std::optional<LoadedModel> loadKerasModel(const std::string &path,
                                          mlir::MLIRContext &ctx,
                                          llvm::SourceMgr &sm,
                                          llvm::raw_ostream &errs);

/// model.layers with their weights in Keras's order.
std::vector<keras::ModelLayer> modelLayers(const LoadedModel &model);

/// kiln's optimizer after nn-build-train-step ("" name before it).
keras::OptimizerLayout optimizerLayout(mlir::ModuleOp module);

/// The model's weights from Keras file `path` (any of the three kinds),
/// with the optimizer's state when `optimizer` names one and the file has it.
runtime::Expected<runtime::SafetensorsData>
loadKerasWeightsFor(const LoadedModel &model, const std::string &path,
                    const keras::OptimizerLayout &optimizer = {});

/// The weights a model file brought, with its optimizer state for
/// `optimizer` (re-read from the file); nullopt for other models.
std::optional<runtime::Expected<runtime::SafetensorsData>>
fileWeightsFor(const LoadedModel &model, const keras::OptimizerLayout &optimizer);

/// Checks that `path` ends in .safetensors, .keras or .weights.h5.
runtime::Status checkWeightsOutputPath(const std::string &path);

/// Writes `values` (the model's weights, and optimizer state when
/// `optimizer` names one) to `path` in the format its suffix says.
runtime::Status saveWeightsAs(const std::string &path, const LoadedModel &model,
                              const runtime::SafetensorsData &values,
                              const keras::OptimizerLayout &optimizer = {});

} // namespace kiln

#endif // KILN_TOOLS_KERASMODEL_H
