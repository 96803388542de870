//===- TrainingData.h - Labeled samples, splits and batches -----*- C++ -*-===//
//
// The data side of the training loop. A LabeledData holds N samples and
// their integer labels as they came from disk: images stay uint8 (one byte
// a pixel; 47 MB for MNIST rather than 188 MB as float32), or float32 when
// the file held floats, and labels are int32 class ids. A BatchStager
// gathers any list of sample indices into float32 staging buffers that it
// allocates once, scaling uint8 by 1/255 exactly as `x.astype("float32") /
// 255` does and laying out targets one-hot or sparse, so a training step
// allocates nothing. loadDataSpec() turns a user's data-set name ("mnist",
// "fashion_mnist", an IDX folder, or "X.npy,Y.npy") into train and test sets.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TRAIN_TRAININGDATA_H
#define KILN_RUNTIME_TRAIN_TRAININGDATA_H

#include "runtime/Dataset.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"
#include "runtime/train/Model.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln::runtime {

/// N samples with integer labels. Move-only (it owns the images).
class LabeledData {
public:
  LabeledData() = default;

  /// Takes `images` (uint8 or float32, (N, d1, ...); a 3-D (N, H, W) array
  /// gets a trailing channel of 1, as np.expand_dims(x, -1) gives) and
  /// `labels`: integer class ids (N) of any integer dtype, or float one-hot
  /// rows (N, C), which are turned into ids (any other float row, e.g. a
  /// smoothed label, is an error). `numClasses` 0 means the largest label
  /// plus one (at least the row width for one-hot labels). `what` names the
  /// data in messages.
  static Expected<LabeledData> create(Tensor images, const Tensor &labels,
                                      int64_t numClasses, const std::string &what);

  /// Samples held.
  int64_t size() const { return int64_t(Labels.size()); }
  /// The shape of one sample, e.g. {28, 28, 1}.
  const Shape &sampleShape() const { return SampleShape; }
  /// Elements in one sample.
  int64_t sampleElements() const { return SampleElements; }
  /// The number of classes (labels lie in [0, numClasses())).
  int64_t numClasses() const { return NumClasses; }
  /// The class id of every sample.
  const std::vector<int32_t> &labels() const { return Labels; }
  /// The images: uint8 or float32, (N, sampleShape()...).
  const Tensor &images() const { return Images; }
  /// What the data is called in messages ("mnist train", "x.npy").
  const std::string &name() const { return Name; }

  /// Keeps only the first `n` samples (all of them if n >= size()); the
  /// `--limit` option.
  void keepFirst(int64_t n);

private:
  Tensor Images;
  std::vector<int32_t> Labels;
  Shape SampleShape;
  int64_t SampleElements = 0;
  int64_t NumClasses = 0;
  std::string Name;
};

/// The float value of every uint8 image byte as Keras scripts compute it:
/// float32(b) / 255.0f (a division, not a multiply by a rounded reciprocal,
/// so the values are bitwise those of NumPy).
const float *uint8ToUnitTable();

/// Gathers batches into staging buffers allocated once, for batches of up to
/// `maxBatch` samples.
class BatchStager {
public:
  BatchStager(TargetKind kind, int64_t numClasses, int64_t sampleElements,
              int64_t maxBatch);

  /// The batch of samples `indices[0..n)` of `data` (n <= maxBatch). The
  /// returned pointers stay valid until the next gather.
  Batch gather(const LabeledData &data, const int64_t *indices, int64_t n);

  /// The batch of the `n` consecutive samples from `first`.
  Batch gatherRange(const LabeledData &data, int64_t first, int64_t n);

private:
  void stageSample(const LabeledData &data, int64_t sample, int64_t slot);
  TargetKind Kind;
  int64_t NumClasses, SampleElements, MaxBatch;
  std::vector<float> X, Y;
};

/// A training set and, when the source has one, a test set.
struct TrainTestData {
  LabeledData train;
  std::optional<LabeledData> test;
};

/// Options for loadDataSpec().
struct DataSpecOptions {
  /// Keep only the first `limit` samples of each split; negative keeps all.
  int64_t limit = -1;
  /// Where "mnist" lives: empty means ${KILN_DATA_DIR:-$HOME/.cache/kiln/data}/mnist.
  std::string mnistDir;
  /// Where "fashion_mnist" lives (Debian's dataset-fashion-mnist package).
  std::string fashionMnistDir = "/usr/share/datasets/fashion-mnist";
};

/// The folder that scripts/fetch-mnist fills:
/// ${KILN_DATA_DIR:-$HOME/.cache/kiln/data}/mnist.
std::string defaultMnistDir();

/// Loads the data named by `spec`:
///   "mnist"          MNIST, from defaultMnistDir() (run scripts/fetch-mnist);
///   "fashion_mnist"  Fashion-MNIST, from Debian's dataset-fashion-mnist;
///   DIR              an MNIST-style IDX folder (see Dataset.h);
///   "X.npy,Y.npy"    images and labels, a training set only.
Expected<TrainTestData> loadDataSpec(const std::string &spec,
                                     const DataSpecOptions &options = {});

/// Loads an "X.npy,Y.npy" pair (no folder lookup); `limit` as above.
Expected<LabeledData> loadNpyPair(const std::string &xPath, const std::string &yPath,
                                  int64_t limit = -1);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_TRAIN_TRAININGDATA_H
