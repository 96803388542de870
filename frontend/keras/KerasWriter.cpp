//===- KerasWriter.cpp - Keras's model and weights files: writing ---------===//
//
// Writes model.weights.h5 as Keras 3.10+ does (saving_lib.py's H5IOStore):
// a group per saveable that has a name, holding `vars` with a `name`
// attribute; the model's own (empty) vars at the root; each layer of
// model.layers at layers/<snake_case class>[_N]/vars/<i> in creation order;
// the optimizer at optimizer/vars/<i>: iteration (int64), learning_rate,
// then each trainable variable's slots interleaved. A .keras file zips it
// (libzip) with config.json and metadata.json. Every file is written to a
// temporary name in the destination's folder and renamed into place.
//
//===----------------------------------------------------------------------===//
#include "frontend/keras/Hdf5.h"
#include "frontend/keras/KerasFile.h"
#include "frontend/ModelSpec.h"

#include <nlohmann/json.hpp>
#include <zip.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <unistd.h>

using namespace kiln::runtime;

namespace kiln::keras {

const char *const kWrittenKerasVersion = "3.10.0";

namespace {

/// A temporary file beside `path`, removed unless committed.
struct TempFile {
  std::string name;
  bool committed = false;
  explicit TempFile(const std::string &path) {
    std::string tmpl = path + ".tmp.XXXXXX";
    int fd = mkstemp(tmpl.data());
    if (fd >= 0) {
      ::close(fd);
      name = tmpl;
    }
  }
  ~TempFile() {
    if (!committed && !name.empty())
      std::remove(name.c_str());
  }
  Status commit(const std::string &path) {
    if (std::rename(name.c_str(), path.c_str()) != 0)
      return makeError(path, ": cannot be written");
    committed = true;
    return Status::success();
  }
};

Status writeWeightsTo(const std::string &file, const std::vector<ModelLayer> &layers,
                      bool sequential, const std::map<std::string, Tensor> &values,
                      const OptimizerLayout &opt, double learningRate) {
  auto h5 = H5File::create(file);
  if (!h5.ok())
    return h5.status();
  H5File &f = **h5;
  KILN_RETURN_IF_ERROR(f.makeGroup("vars"));
  std::map<std::string, int> used;
  for (const ModelLayer &layer : layers) {
    if (sequential && layer.className == "InputLayer")
      continue;
    std::string base = frontend::toSnakeCase(layer.className);
    int n = used[base]++;
    std::string group = "layers/" + (n == 0 ? base : base + "_" + std::to_string(n)) + "/vars";
    KILN_RETURN_IF_ERROR(f.makeGroup(group));
    KILN_RETURN_IF_ERROR(f.setStringAttribute(group, "name", layer.name));
    for (size_t i = 0; i < layer.variables.size(); ++i) {
      auto it = values.find(layer.variables[i].key);
      if (it == values.end())
        return makeError("no value for weight '", layer.variables[i].key, "'");
      KILN_RETURN_IF_ERROR(f.writeFloat(group + "/" + std::to_string(i), it->second));
    }
  }
  if (!opt.name.empty()) {
    auto iteration = values.find(opt.name + "/iteration");
    if (iteration != values.end()) {
      KILN_RETURN_IF_ERROR(f.makeGroup("optimizer/vars"));
      KILN_RETURN_IF_ERROR(f.setStringAttribute("optimizer/vars", "name", opt.name));
      KILN_RETURN_IF_ERROR(f.writeInt64Scalar(
          "optimizer/vars/0",
          static_cast<int64_t>(iteration->second.data<float>()[0])));
      auto lr = Tensor::create(DType::F32, {});
      if (!lr.ok())
        return lr.status();
      lr->data<float>()[0] = static_cast<float>(learningRate);
      KILN_RETURN_IF_ERROR(f.writeFloat("optimizer/vars/1", *lr));
      int idx = 2;
      for (const ModelLayer &layer : layers)
        for (const ModelLayer::Variable &v : layer.variables) {
          if (!v.trainable)
            continue;
          std::string flat = v.key;
          std::replace(flat.begin(), flat.end(), '/', '_');
          for (const std::string &slot : opt.slots) {
            auto it = values.find(opt.name + "/" + flat + slot);
            if (it == values.end())
              return makeError("no optimizer state '", opt.name, "/", flat,
                               slot, "'");
            KILN_RETURN_IF_ERROR(f.writeFloat(
                "optimizer/vars/" + std::to_string(idx++), it->second));
          }
        }
    }
  }
  return f.close();
}

Expected<std::vector<uint8_t>> slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("cannot read back ", path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

} // namespace

Status writeKerasWeights(const std::string &path, const std::vector<ModelLayer> &layers,
                         bool sequential, const std::map<std::string, Tensor> &values,
                         const OptimizerLayout &optimizer, double learningRate) {
  TempFile tmp(path);
  if (tmp.name.empty())
    return makeError(path, ": cannot be written (no temporary file beside it)");
  Status s = writeWeightsTo(tmp.name, layers, sequential, values, optimizer,
                            learningRate);
  if (!s.ok())
    return s.withContext(path);
  return tmp.commit(path);
}

Status writeKerasArchive(const std::string &path, const std::string &configJson,
                         const std::vector<ModelLayer> &layers, bool sequential,
                         const std::map<std::string, Tensor> &values,
                         const OptimizerLayout &optimizer, double learningRate) {
  TempFile weights(path + ".weights");
  TempFile tmp(path);
  if (weights.name.empty() || tmp.name.empty())
    return makeError(path, ": cannot be written (no temporary file beside it)");
  Status s = writeWeightsTo(weights.name, layers, sequential, values, optimizer,
                            learningRate);
  if (!s.ok())
    return s.withContext(path);
  auto h5 = slurp(weights.name);
  if (!h5.ok())
    return h5.status();

  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d@%H:%M:%S", std::localtime(&now));
  std::string metadata =
      nlohmann::json{{"keras_version", kWrittenKerasVersion}, {"date_saved", date}}
          .dump();

  int err = 0;
  zip_t *z = zip_open(tmp.name.c_str(), ZIP_TRUNCATE | ZIP_CREATE, &err);
  if (!z)
    return makeError(path, ": cannot be written (zip error ", err, ")");
  // Keras writes metadata.json, config.json, then model.weights.h5.
  for (auto [name, data, size] :
       {std::tuple{"metadata.json", (const void *)metadata.data(), metadata.size()},
        {"config.json", (const void *)configJson.data(), configJson.size()},
        {"model.weights.h5", (const void *)h5->data(), h5->size()}}) {
    zip_source_t *src = zip_source_buffer(z, data, size, 0);
    if (!src || zip_file_add(z, name, src, ZIP_FL_OVERWRITE) < 0) {
      if (src)
        zip_source_free(src);
      std::string why = zip_strerror(z);
      zip_discard(z);
      return makeError(path, ": cannot be written: ", why);
    }
  }
  if (zip_close(z) != 0) {
    std::string why = zip_strerror(z);
    zip_discard(z);
    return makeError(path, ": cannot be written: ", why);
  }
  return tmp.commit(path);
}

} // namespace kiln::keras
