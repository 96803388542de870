//===- KerasFile.h - Keras's model and weights files, in and out -*- C++ -*-===//
//
// What model.save() and model.save_weights() write, read and written the
// way Keras itself does (docs/KERAS_FILES.md has the layouts and the Keras
// source they come from):
//   * .keras: a zip (libzip) of config.json, metadata.json and
//     model.weights.h5, whose groups are layers/<snake_case class>[_N]/vars/<i>
//     (N counts earlier layers of the same class, not the layer's name) and
//     optimizer/vars/<i>;
//   * .h5/.hdf5 full models (Keras 2, and Keras 3's legacy writer): the
//     model_config attribute and model_weights/<layer>/ groups listed by the
//     layer_names and weight_names attributes, matched by order;
//   * .weights.h5: the weights-only file of either layout.
// The model's structure comes from the caller (ModelLayers, built from the
// nn IR), so this library needs no MLIR; it links libhdf5 and libzip, which
// the runtime and compiled executables never do.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_KERAS_KERASFILE_H
#define KILN_FRONTEND_KERAS_KERASFILE_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::keras {

class H5File;

/// A model's layers as Keras lists them in model.layers, each with its
/// variables in Keras's order (trainable first, then non-trainable, each in
/// creation order).
struct ModelLayer {
  std::string name;       ///< the layer's name ("conv2d_1")
  std::string className;  ///< its Keras class ("Conv2D")
  struct Variable {
    std::string name;     ///< "kernel", "moving_mean"
    runtime::Shape shape;
    bool trainable = true;
    std::string key;      ///< the model's name for it ("conv2d_1/kernel")
  };
  std::vector<Variable> variables;
};

/// The model's optimizer as kiln trains it, to map its state onto Keras's
/// optimizer/vars.
struct OptimizerLayout {
  std::string name;  ///< "adam", "sgd", "rmsprop"; empty: no state wanted
  /// Per trainable variable, the suffixes of kiln's state names, in Keras's
  /// creation order ("_momentum", "_velocity" for Adam).
  std::vector<std::string> slots;
};

/// Keras's creation order of a layer's variables by name (kernel before
/// bias, gamma before beta before the moving statistics); unknown names
/// sort last, in the order given.
int kerasVariableRank(const std::string &name);

/// An opened Keras file.
struct KerasFile {
  enum class Layout { Keras3, Legacy };
  std::string path;
  Layout layout = Layout::Keras3;
  std::string configJson;    ///< the model's config; empty for weights files
  std::string configLabel;   ///< "m.keras:config.json", for messages
  std::string kerasVersion;  ///< "" when the file does not say
  std::unique_ptr<H5File> h5;
  ~KerasFile();
  KerasFile();
  KerasFile(KerasFile &&);
  KerasFile &operator=(KerasFile &&);
};

/// Opens a .keras, .h5/.hdf5 or .weights.h5 file and checks it is Keras's
/// (a zip with config.json, an HDF5 file with model_config or weights in
/// one of Keras's layouts) of a Keras version kiln knows. Messages name the
/// file.
runtime::Expected<KerasFile> openKerasFile(const std::string &path);

/// True for the suffixes openKerasFile reads.
bool isKerasModelPath(const std::string &path);

/// The file's weights matched to `layers` as Keras's loader matches them,
/// every shape checked. With an OptimizerLayout and optimizer/vars in the
/// file, also kiln's optimizer state ("<opt>/iteration", per variable
/// "<opt>/<key with / as _><slot>").
struct KerasWeights {
  std::map<std::string, runtime::Tensor> weights;
  std::map<std::string, runtime::Tensor> optimizerState;
};
runtime::Expected<KerasWeights>
readKerasWeights(const KerasFile &file, const std::vector<ModelLayer> &layers,
                 bool sequential, const OptimizerLayout &optimizer = {});

/// Writes Keras 3's weights file (layers/<class>/vars/<i>, and optimizer/vars
/// when `optimizerState` has kiln's state for `optimizer`) to `path`,
/// atomically.
runtime::Status writeKerasWeights(const std::string &path,
                                  const std::vector<ModelLayer> &layers,
                                  bool sequential,
                                  const std::map<std::string, runtime::Tensor> &values,
                                  const OptimizerLayout &optimizer = {},
                                  double learningRate = 0.001);

/// Writes a .keras zip: config.json (`configJson`), metadata.json and
/// model.weights.h5 as writeKerasWeights writes it, atomically.
runtime::Status writeKerasArchive(const std::string &path,
                                  const std::string &configJson,
                                  const std::vector<ModelLayer> &layers,
                                  bool sequential,
                                  const std::map<std::string, runtime::Tensor> &values,
                                  const OptimizerLayout &optimizer = {},
                                  double learningRate = 0.001);

/// The Keras version kiln writes into metadata.json.
extern const char *const kWrittenKerasVersion;

} // namespace kiln::keras

#endif // KILN_FRONTEND_KERAS_KERASFILE_H
