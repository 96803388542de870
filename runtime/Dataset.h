//===- Dataset.h - MNIST-style image classification data sets ---*- C++ -*-===//
//
// Loads an MNIST-style data set (MNIST, Fashion-MNIST, or anything laid out
// like them) from a folder holding the four IDX files
//   train-images-idx3-ubyte  train-labels-idx1-ubyte
//   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
// each optionally gzip-compressed with a .gz suffix (the plain file wins when
// both exist). Images stay uint8, shaped (N, H, W, 1) as Keras's channels-last
// layers expect; labels stay uint8, shaped (N). Scaling to float happens per
// batch in the training loop, so the data set costs one byte per pixel.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_DATASET_H
#define KILN_RUNTIME_DATASET_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <string>

namespace kiln::runtime {

/// Images and their labels.
struct LabeledImages {
  Tensor images;     ///< uint8 (N, H, W, 1)
  Tensor labels;     ///< uint8 (N)
  int numClasses = 0; ///< the largest label plus one
};

/// A training and a test split.
struct ImageDataset {
  LabeledImages train;
  LabeledImages test;
};

/// Reads one images file (IDX, ubyte, 3-D) and one labels file (IDX, ubyte,
/// 1-D) and checks that their counts agree.
Expected<LabeledImages> loadIdxImagesAndLabels(const std::string &imagesPath,
                                               const std::string &labelsPath);

/// Loads the MNIST-style data set in `folder`. Both splits must have the
/// same image size.
Expected<ImageDataset> loadMnistStyleDataset(const std::string &folder);

/// The path of `folder`/`name`, or of `folder`/`name`.gz if only that
/// exists, or an error naming both.
Expected<std::string> findIdxFile(const std::string &folder, const std::string &name);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_DATASET_H
