//===- TrainingData.cpp - Labeled samples, splits and batches -------------===//
//
// LabeledData construction (label decoding and checks), the batch stager and
// the data-set names the tools accept. See TrainingData.h.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/TrainingData.h"

#include "runtime/Npy.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

namespace kiln::runtime {

namespace {

/// Label `i` of an integer tensor as int64.
int64_t integerLabel(const Tensor &labels, int64_t i) {
  switch (labels.dtype()) {
  case DType::U8:
    return labels.data<uint8_t>()[i];
  case DType::I8:
    return labels.data<int8_t>()[i];
  case DType::I32:
    return labels.data<int32_t>()[i];
  case DType::I64:
    return labels.data<int64_t>()[i];
  default:
    return -1;
  }
}

bool isIntegerDType(DType t) {
  return t == DType::U8 || t == DType::I8 || t == DType::I32 || t == DType::I64;
}

bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// The class ids of one-hot rows (N, C) of float32 or float64.
Expected<std::vector<int32_t>> decodeOneHot(const Tensor &labels, const std::string &what) {
  Expected<Tensor> asDouble = convertTensor(labels, DType::F64);
  if (!asDouble)
    return asDouble.status().withContext(what);
  int64_t n = labels.dim(0), c = labels.dim(1);
  const double *rows = asDouble->data<double>();
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double *row = rows + i * c;
    int64_t hot = -1;
    for (int64_t j = 0; j < c; ++j) {
      if (row[j] == 1.0 && hot < 0) {
        hot = j;
        continue;
      }
      if (row[j] != 0.0) {
        hot = -2;
        break;
      }
    }
    if (hot < 0)
      return makeError(what, ": label row ", i,
                       " is not one-hot (exactly one 1, the rest 0); kiln trains on "
                       "class labels, so soft or smoothed labels are not supported");
    ids[size_t(i)] = int32_t(hot);
  }
  return ids;
}

} // namespace

Expected<LabeledData> LabeledData::create(Tensor images, const Tensor &labels,
                                          int64_t numClasses, const std::string &what) {
  if (images.dtype() != DType::U8 && images.dtype() != DType::F32)
    return makeError(what, ": images are ", images.describe(),
                     "; kiln reads uint8 or float32 images");
  if (images.rank() < 2)
    return makeError(what, ": images are ", images.describe(),
                     "; expected (N, H, W) or (N, H, W, C)");
  if (images.rank() == 3) {
    Shape withChannel = images.shape();
    withChannel.push_back(1);
    KILN_RETURN_IF_ERROR(images.reshape(withChannel));
  }
  int64_t n = images.dim(0);

  LabeledData data;
  data.Name = what;
  bool floatLabels = labels.dtype() == DType::F32 || labels.dtype() == DType::F64;
  if (labels.rank() == 2 && floatLabels) {
    Expected<std::vector<int32_t>> ids = decodeOneHot(labels, what);
    if (!ids)
      return ids.status();
    data.Labels = ids.take();
    numClasses = std::max(numClasses, labels.dim(1));
  } else if (labels.rank() == 1 && isIntegerDType(labels.dtype())) {
    data.Labels.resize(size_t(labels.dim(0)));
    for (int64_t i = 0; i < labels.dim(0); ++i) {
      int64_t id = integerLabel(labels, i);
      if (id < 0 || id > INT32_MAX)
        return makeError(what, ": label ", i, " is ", id, "; labels must be class ids >= 0");
      data.Labels[size_t(i)] = int32_t(id);
    }
  } else {
    return makeError(what, ": labels are ", labels.describe(),
                     "; expected integer class ids (N) or float one-hot rows (N, C)");
  }
  if (int64_t(data.Labels.size()) != n)
    return makeError(what, ": ", n, " images but ", data.Labels.size(), " labels");

  int64_t largest = -1;
  for (int32_t id : data.Labels)
    largest = std::max<int64_t>(largest, id);
  if (numClasses == 0)
    numClasses = largest + 1;
  if (largest >= numClasses)
    return makeError(what, ": label ", largest, " is out of range for ", numClasses,
                     " classes");
  data.NumClasses = numClasses;
  data.SampleShape.assign(images.shape().begin() + 1, images.shape().end());
  data.SampleElements = n == 0 ? 0 : images.numElements() / n;
  if (n == 0) {
    data.SampleElements = 1;
    for (int64_t d : data.SampleShape)
      data.SampleElements *= d;
  }
  data.Images = std::move(images);
  return data;
}

void LabeledData::keepFirst(int64_t n) {
  if (n < 0 || n >= size())
    return;
  Shape shape = Images.shape();
  shape[0] = n;
  Expected<Tensor> kept = Tensor::create(Images.dtype(), shape);
  // A smaller allocation than the one we hold cannot fail for size reasons;
  // if memory is that short, keeping the larger tensor is still correct.
  if (!kept)
    return;
  std::memcpy(kept->bytes(), Images.bytes(), kept->byteSize());
  Images = kept.take();
  Labels.resize(size_t(n));
}

const float *uint8ToUnitTable() {
  static const std::vector<float> table = [] {
    std::vector<float> t(256);
    for (int b = 0; b < 256; ++b)
      t[size_t(b)] = float(b) / 255.0f;
    return t;
  }();
  return table.data();
}

BatchStager::BatchStager(TargetKind kind, int64_t numClasses, int64_t sampleElements,
                         int64_t maxBatch)
    : Kind(kind), NumClasses(numClasses), SampleElements(sampleElements),
      MaxBatch(maxBatch),
      X(size_t(sampleElements * maxBatch)),
      Y(size_t((kind == TargetKind::OneHot ? numClasses : 1) * maxBatch)) {}

void BatchStager::stageSample(const LabeledData &data, int64_t sample, int64_t slot) {
  float *x = X.data() + slot * SampleElements;
  if (data.images().dtype() == DType::U8) {
    const float *table = uint8ToUnitTable();
    const uint8_t *src = data.images().data<uint8_t>() + sample * SampleElements;
    for (int64_t i = 0; i < SampleElements; ++i)
      x[i] = table[src[i]];
  } else {
    const float *src = data.images().data<float>() + sample * SampleElements;
    std::memcpy(x, src, size_t(SampleElements) * sizeof(float));
  }
  int32_t label = data.labels()[size_t(sample)];
  if (Kind == TargetKind::OneHot) {
    float *y = Y.data() + slot * NumClasses;
    std::fill(y, y + NumClasses, 0.0f);
    y[label] = 1.0f;
  } else {
    Y[size_t(slot)] = float(label);
  }
}

Batch BatchStager::gather(const LabeledData &data, const int64_t *indices, int64_t n) {
  assert(n <= MaxBatch && "batch larger than the stager was sized for");
  for (int64_t s = 0; s < n; ++s)
    stageSample(data, indices[s], s);
  return Batch{X.data(), Y.data(), n};
}

Batch BatchStager::gatherRange(const LabeledData &data, int64_t first, int64_t n) {
  assert(n <= MaxBatch && "batch larger than the stager was sized for");
  for (int64_t s = 0; s < n; ++s)
    stageSample(data, first + s, s);
  return Batch{X.data(), Y.data(), n};
}

std::string defaultMnistDir() {
  const char *dataDir = std::getenv("KILN_DATA_DIR");
  if (dataDir && *dataDir)
    return std::string(dataDir) + "/mnist";
  const char *home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache/kiln/data/mnist";
}

Expected<LabeledData> loadNpyPair(const std::string &xPath, const std::string &yPath,
                                  int64_t limit) {
  Expected<Tensor> x = readNpy(xPath);
  if (!x)
    return x.status();
  Expected<Tensor> y = readNpy(yPath);
  if (!y)
    return y.status();
  if (x->dtype() == DType::F64) {
    Expected<Tensor> f = convertTensor(*x, DType::F32);
    if (!f)
      return f.status().withContext(xPath);
    x = f.take();
  }
  Expected<LabeledData> data = LabeledData::create(x.take(), *y, 0, xPath + "," + yPath);
  if (data)
    data->keepFirst(limit);
  return data;
}

namespace {

Expected<TrainTestData> loadIdxFolder(const std::string &folder, const std::string &name,
                                      int64_t limit) {
  Expected<ImageDataset> set = loadMnistStyleDataset(folder);
  if (!set)
    return set.status();
  // Both splits share the train split's class count, so that a test set
  // that happens to lack the last class still gets full-width one-hot rows.
  int64_t classes = std::max(set->train.numClasses, set->test.numClasses);
  Expected<LabeledData> train = LabeledData::create(
      std::move(set->train.images), set->train.labels, classes, name + " train");
  if (!train)
    return train.status();
  Expected<LabeledData> test = LabeledData::create(
      std::move(set->test.images), set->test.labels, classes, name + " test");
  if (!test)
    return test.status();
  TrainTestData out{train.take(), test.take()};
  out.train.keepFirst(limit);
  out.test->keepFirst(limit);
  return out;
}

} // namespace

Expected<TrainTestData> loadDataSpec(const std::string &spec, const DataSpecOptions &options) {
  if (spec == "mnist") {
    std::string dir = options.mnistDir.empty() ? defaultMnistDir() : options.mnistDir;
    if (!isDirectory(dir))
      return makeError("MNIST is not in ", dir,
                       "; run scripts/fetch-mnist to download it (set KILN_DATA_DIR to "
                       "keep data sets elsewhere)");
    return loadIdxFolder(dir, "mnist", options.limit);
  }
  if (spec == "fashion_mnist") {
    if (!isDirectory(options.fashionMnistDir))
      return makeError("Fashion-MNIST is not in ", options.fashionMnistDir,
                       "; install it with `apt-get install dataset-fashion-mnist`");
    return loadIdxFolder(options.fashionMnistDir, "fashion_mnist", options.limit);
  }
  size_t comma = spec.find(',');
  if (comma != std::string::npos) {
    std::string xPath = spec.substr(0, comma), yPath = spec.substr(comma + 1);
    if (xPath.empty() || yPath.empty() || yPath.find(',') != std::string::npos)
      return makeError("data set '", spec, "': expected two .npy files as X.npy,Y.npy");
    Expected<LabeledData> data = loadNpyPair(xPath, yPath, options.limit);
    if (!data)
      return data.status();
    return TrainTestData{data.take(), std::nullopt};
  }
  if (isDirectory(spec))
    return loadIdxFolder(spec, spec, options.limit);
  return makeError("data set '", spec,
                   "' is neither mnist, fashion_mnist, an IDX folder nor X.npy,Y.npy");
}

} // namespace kiln::runtime
