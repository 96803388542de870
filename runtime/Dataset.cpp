//===- Dataset.cpp - MNIST-style image classification data sets -----------===//
//
// Finds the four IDX files of an MNIST-style folder, reads them with the IDX
// reader and checks what the format cannot: image files are 3-D uint8,
// label files 1-D uint8, counts agree, and both splits share one image size.
//
//===----------------------------------------------------------------------===//
#include "runtime/Dataset.h"

#include "runtime/Idx.h"

#include <algorithm>
#include <sys/stat.h>

namespace kiln::runtime {

namespace {

bool isFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace

Expected<std::string> findIdxFile(const std::string &folder, const std::string &name) {
  std::string plain = folder + "/" + name;
  if (isFile(plain))
    return plain;
  if (isFile(plain + ".gz"))
    return plain + ".gz";
  return makeError(folder, ": no ", name, " or ", name, ".gz in this folder");
}

Expected<LabeledImages> loadIdxImagesAndLabels(const std::string &imagesPath,
                                               const std::string &labelsPath) {
  Expected<Tensor> images = readIdx(imagesPath);
  if (!images)
    return images.status();
  if (images->dtype() != DType::U8 || images->rank() != 3)
    return makeError(imagesPath, ": expected 3-D ubyte images (N, height, width), found ",
                     images->describe());
  Expected<Tensor> labels = readIdx(labelsPath);
  if (!labels)
    return labels.status();
  if (labels->dtype() != DType::U8 || labels->rank() != 1)
    return makeError(labelsPath, ": expected 1-D ubyte labels, found ", labels->describe());
  if (images->dim(0) != labels->dim(0))
    return makeError(imagesPath, " holds ", images->dim(0), " images but ", labelsPath,
                     " holds ", labels->dim(0), " labels");
  LabeledImages result;
  KILN_RETURN_IF_ERROR(images->reshape({images->dim(0), images->dim(1), images->dim(2), 1}));
  int maxLabel = -1;
  const uint8_t *l = labels->data<uint8_t>();
  for (int64_t i = 0; i < labels->numElements(); ++i)
    maxLabel = std::max<int>(maxLabel, l[i]);
  result.numClasses = maxLabel + 1;
  result.images = images.take();
  result.labels = labels.take();
  return result;
}

Expected<ImageDataset> loadMnistStyleDataset(const std::string &folder) {
  ImageDataset dataset;
  const char *names[2][3] = {{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "train"},
                             {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "test"}};
  for (int split = 0; split < 2; ++split) {
    Expected<std::string> images = findIdxFile(folder, names[split][0]);
    if (!images)
      return images.status();
    Expected<std::string> labels = findIdxFile(folder, names[split][1]);
    if (!labels)
      return labels.status();
    Expected<LabeledImages> set = loadIdxImagesAndLabels(*images, *labels);
    if (!set)
      return set.status();
    (split == 0 ? dataset.train : dataset.test) = set.take();
  }
  const Shape &a = dataset.train.images.shape(), &b = dataset.test.images.shape();
  if (a[1] != b[1] || a[2] != b[2])
    return makeError(folder, ": training images are ", a[1], "x", a[2], " but test images are ",
                     b[1], "x", b[2]);
  return dataset;
}

} // namespace kiln::runtime
