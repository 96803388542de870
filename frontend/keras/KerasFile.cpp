//===- KerasFile.cpp - Keras's model and weights files: reading -----------===//
//
// Opening (zip or HDF5, version check) and matching a file's weights to the
// model's layers, per layout:
//   Keras 3 (saving_lib.py): walk model.layers in order, name each
//     snake_case(class) with _1, _2... per class, read <name>/vars/0..n-1;
//     Keras 2.13-2.15's .keras keeps the same walk under
//     _layer_checkpoint_dependencies/ instead of layers/.
//   Legacy (legacy_h5_format.py, Keras 2's hdf5_format.py): the layers of
//     the file that have weights (layer_names, filtered by a non-empty
//     weight_names) pair in order with the model's layers that have
//     weights; each layer's weight_names give its datasets in order.
// Writing is in KerasWriter.cpp.
//
//===----------------------------------------------------------------------===//
#include "frontend/keras/KerasFile.h"
#include "frontend/ModelSpec.h"
#include "frontend/keras/Hdf5.h"

#include <nlohmann/json.hpp>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

using namespace kiln::runtime;

namespace kiln::keras {

KerasFile::KerasFile() = default;
KerasFile::~KerasFile() = default;
KerasFile::KerasFile(KerasFile &&) = default;
KerasFile &KerasFile::operator=(KerasFile &&) = default;

int kerasVariableRank(const std::string &name) {
  static const char *const kOrder[] = {
      "kernel", "depthwise_kernel", "pointwise_kernel", "embeddings",
      "recurrent_kernel", "bias", "gamma", "beta", "moving_mean",
      "moving_variance"};
  for (size_t i = 0; i < std::size(kOrder); ++i)
    if (name == kOrder[i])
      return static_cast<int>(i);
  return static_cast<int>(std::size(kOrder));
}

static bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isKerasModelPath(const std::string &path) {
  return endsWith(path, ".keras") || endsWith(path, ".h5") ||
         endsWith(path, ".hdf5");
}

namespace {

/// The largest member of a .keras zip kiln inflates (a guard against zip
/// bombs; Keras's own reader has one too).
constexpr uint64_t kMaxMemberBytes = uint64_t(4) << 30;

/// A zip archive opened with libzip, closed on scope exit.
struct Zip {
  zip_t *z = nullptr;
  ~Zip() {
    if (z)
      zip_discard(z);
  }
};

Expected<std::vector<uint8_t>> readMember(zip_t *z, const char *name) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(z, name, 0, &st) != 0)
    return makeError("has no ", name, ": not a Keras model (.keras) file");
  if (!(st.valid & ZIP_STAT_SIZE) || st.size > kMaxMemberBytes)
    return makeError(name, " is too large to read");
  zip_file_t *f = zip_fopen(z, name, 0);
  if (!f)
    return makeError("cannot read ", name, ": ", zip_strerror(z));
  std::vector<uint8_t> out(static_cast<size_t>(st.size));
  zip_int64_t n = out.empty() ? 0 : zip_fread(f, out.data(), out.size());
  bool ok = n == static_cast<zip_int64_t>(out.size());
  std::string why = ok ? "" : zip_file_strerror(f);
  // zip_fclose reports a CRC mismatch found at the end of the data.
  if (zip_fclose(f) != 0 || !ok)
    return makeError("cannot read ", name, " (corrupt zip",
                     why.empty() ? std::string() : ": " + why, ")");
  return out;
}

/// "2.15.0" -> 2; -1 when it is no version.
int majorVersion(const std::string &v) {
  if (v.empty() || !isdigit(static_cast<unsigned char>(v[0])))
    return -1;
  return std::atoi(v.c_str());
}

Status checkVersion(const std::string &version, bool zipFormat) {
  int major = majorVersion(version);
  if (zipFormat) {
    // The .keras format exists since tf.keras 2.13 (with
    // _layer_checkpoint_dependencies) and is Keras 3's native one.
    int minor = major == 2 ? std::atoi(version.c_str() + version.find('.') + 1) : 0;
    if (major == 3 || (major == 2 && minor >= 13))
      return Status::success();
  } else if (major == 2 || major == 3 || version.empty()) {
    return Status::success();
  }
  return makeError("was written by Keras ", version.empty() ? "?" : version,
                   ", whose layout kiln does not know (it reads .keras files "
                   "of Keras 2.13-3.x and .h5 files of Keras 2.x-3.x)");
}

std::string text(const std::vector<uint8_t> &bytes) {
  return std::string(bytes.begin(), bytes.end());
}

Expected<KerasFile> openZip(const std::string &path) {
  KerasFile out;
  out.path = path;
  int err = 0;
  Zip zip;
  zip.z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!zip.z) {
    zip_error_t e;
    zip_error_init_with_code(&e, err);
    std::string why = zip_error_strerror(&e);
    zip_error_fini(&e);
    if (err == ZIP_ER_OPEN || err == ZIP_ER_READ)
      return makeError("cannot read it: ", why);
    return makeError("is not a valid zip archive (truncated or corrupt?): ", why);
  }
  auto meta = readMember(zip.z, "metadata.json");
  if (!meta.ok())
    return meta.status();
  nlohmann::json metadata = nlohmann::json::parse(text(*meta), nullptr, false);
  if (metadata.is_discarded() || !metadata.is_object())
    return makeError("metadata.json is not a JSON object");
  if (metadata.contains("keras_version") && metadata["keras_version"].is_string())
    out.kerasVersion = metadata["keras_version"].get<std::string>();
  else
    return makeError("metadata.json has no keras_version");
  KILN_RETURN_IF_ERROR(checkVersion(out.kerasVersion, true));
  auto config = readMember(zip.z, "config.json");
  if (!config.ok())
    return config.status();
  out.configJson = text(*config);
  out.configLabel = path + ":config.json";
  zip_stat_t st;
  if (zip_stat(zip.z, "model.weights.h5", 0, &st) != 0) {
    if (zip_stat(zip.z, "model.weights.npz", 0, &st) == 0)
      return makeError("holds its weights as model.weights.npz, which kiln "
                       "does not read (only model.weights.h5)");
    return makeError("has no model.weights.h5");
  }
  auto weights = readMember(zip.z, "model.weights.h5");
  if (!weights.ok())
    return weights.status();
  auto h5 = H5File::openImage(std::move(*weights), path + ":model.weights.h5");
  if (!h5.ok())
    return h5.status().withContext("model.weights.h5");
  out.h5 = std::move(*h5);
  out.layout = KerasFile::Layout::Keras3;
  return out;
}

Expected<KerasFile> openHdf5(const std::string &path) {
  KerasFile out;
  out.path = path;
  auto h5 = H5File::open(path);
  if (!h5.ok())
    return h5.status();
  out.h5 = std::move(*h5);
  H5File &f = *out.h5;
  if (f.hasAttribute("", "keras_version")) {
    auto v = f.stringAttribute("", "keras_version");
    if (!v.ok())
      return v.status();
    out.kerasVersion = *v;
  } else if (f.hasAttribute("model_weights", "keras_version")) {
    auto v = f.stringAttribute("model_weights", "keras_version");
    if (v.ok())
      out.kerasVersion = *v;
  }
  KILN_RETURN_IF_ERROR(checkVersion(out.kerasVersion, false));
  if (f.hasAttribute("", "model_config")) {
    auto config = f.stringAttribute("", "model_config");
    if (!config.ok())
      return config.status();
    out.configJson = *config;
    out.configLabel = path + ":model_config";
    if (!f.isGroup("model_weights"))
      return makeError("has a model_config but no model_weights group");
    out.layout = KerasFile::Layout::Legacy;
    if (f.hasAttribute("", "training_config")) {
      // Keras 2 keeps compile() settings beside the model config; the JSON
      // frontend reads them from a "training_config" key of the root.
      auto tc = f.stringAttribute("", "training_config");
      nlohmann::json root = nlohmann::json::parse(out.configJson, nullptr, false);
      nlohmann::json train = tc.ok() ? nlohmann::json::parse(*tc, nullptr, false)
                                     : nlohmann::json();
      if (root.is_object() && train.is_object()) {
        root["training_config"] = train;
        out.configJson = root.dump();
      }
    }
    return out;
  }
  // A weights-only file: Keras 3's (layers/, vars/) or the legacy one
  // (layer_names at the root).
  if (f.hasAttribute("", "layer_names") || f.hasAttribute("", "layer_names0")) {
    out.layout = KerasFile::Layout::Legacy;
    return out;
  }
  if (f.isGroup("layers") || f.isGroup("_layer_checkpoint_dependencies") ||
      f.isGroup("vars") || f.isGroup("optimizer")) {
    out.layout = KerasFile::Layout::Keras3;
    return out;
  }
  return makeError("is an HDF5 file but not a Keras model or weights file "
                   "(no model_config, layer_names or layers/ group)");
}

/// Keras's save_attributes_to_hdf5_group splits long lists into name0,
/// name1, ...; this joins them back.
Expected<std::vector<std::string>> listAttribute(const H5File &f,
                                                 const std::string &group,
                                                 const std::string &name) {
  if (f.hasAttribute(group, name))
    return f.stringListAttribute(group, name);
  std::vector<std::string> out;
  for (int i = 0; f.hasAttribute(group, name + std::to_string(i)); ++i) {
    auto part = f.stringListAttribute(group, name + std::to_string(i));
    if (!part.ok())
      return part.status();
    out.insert(out.end(), part->begin(), part->end());
  }
  return out;
}

std::string join(const std::vector<std::string> &v, size_t max = 6) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max; ++i)
    s += (i ? ", " : "") + v[i];
  if (v.size() > max)
    s += ", ...";
  return s;
}

/// Reads dataset `where`, checking it against variable `v` of `layer`.
Status take(const H5File &f, const std::string &where, const ModelLayer &layer,
            const ModelLayer::Variable &v, KerasWeights &out) {
  auto shape = f.datasetShape(where);
  if (!shape.ok())
    return makeError("layer '", layer.name, "' (", layer.className,
                     "): variable '", v.name, "' is missing (no dataset '/",
                     where, "')");
  if (*shape != v.shape)
    return makeError("layer '", layer.name, "' (", layer.className,
                     "): variable '", v.name, "' (/", where, ") has shape ",
                     shapeToString(*shape), " in the file but the model needs ",
                     shapeToString(v.shape));
  auto t = f.readFloat(where);
  if (!t.ok())
    return t.status().withContext("layer '" + layer.name + "'");
  out.weights.emplace(v.key, std::move(*t));
  return Status::success();
}

Status readKeras3(const KerasFile &file, const std::vector<ModelLayer> &layers,
                  bool sequential, const OptimizerLayout &opt, KerasWeights &out) {
  const H5File &f = *file.h5;
  std::string root = "layers";
  if (!f.isGroup(root) && f.isGroup("_layer_checkpoint_dependencies"))
    root = "_layer_checkpoint_dependencies";
  std::map<std::string, int> used;
  for (const ModelLayer &layer : layers) {
    if (sequential && layer.className == "InputLayer")
      continue;  // Sequential.layers leaves out its InputLayer
    std::string base = frontend::toSnakeCase(layer.className);
    int n = used[base]++;
    std::string key = n == 0 ? base : base + "_" + std::to_string(n);
    if (layer.variables.empty())
      continue;
    std::string group = root + "/" + key + "/vars";
    if (!f.isGroup(group))
      return makeError("layer '", layer.name, "' (", layer.className,
                       "): its weights are missing (Keras stores them at '/",
                       group, "'; the file has: ",
                       join(f.members(root)), ")");
    size_t have = f.members(group).size();
    if (have != layer.variables.size())
      return makeError("layer '", layer.name, "' (", layer.className, ") has ",
                       layer.variables.size(), " variables but '/", group,
                       "' holds ", have);
    for (size_t i = 0; i < layer.variables.size(); ++i)
      KILN_RETURN_IF_ERROR(take(f, group + "/" + std::to_string(i), layer,
                                layer.variables[i], out));
  }

  // optimizer/vars: iteration, the learning rate (unless a schedule), then
  // per trainable variable its slots, interleaved (base_optimizer.py's
  // add_optimizer_variables).
  if (opt.name.empty() || !f.isGroup("optimizer/vars"))
    return Status::success();
  size_t count = f.members("optimizer/vars").size();
  if (count == 0)
    return Status::success();
  std::vector<std::pair<const ModelLayer *, const ModelLayer::Variable *>> trainable;
  for (const ModelLayer &layer : layers)
    for (const ModelLayer::Variable &v : layer.variables)
      if (v.trainable)
        trainable.push_back({&layer, &v});
  size_t slots = opt.slots.size() * trainable.size();
  size_t first;
  if (count == 2 + slots)
    first = 2;
  else if (count == 1 + slots)
    first = 1;
  else if (count <= 2)
    first = count;  // an optimizer without slot state (SGD, no momentum)
  else
    return makeError("its optimizer state has ", count,
                     " variables, which does not fit kiln's ", opt.name, " (",
                     opt.slots.size(), " per trainable variable, ",
                     trainable.size(), " trainable variables); train with the "
                     "optimizer the file was saved with");
  auto it = f.readFloat("optimizer/vars/0");
  if (!it.ok() || it->numElements() != 1)
    return makeError("optimizer/vars/0 is not an iteration count");
  KILN_RETURN_IF_ERROR(it->reshape({}));
  out.optimizerState.emplace(opt.name + "/iteration", std::move(*it));
  if (first == count)
    return Status::success();
  size_t idx = first;
  for (auto [layer, v] : trainable) {
    std::string flat = v->key;
    std::replace(flat.begin(), flat.end(), '/', '_');
    for (const std::string &slot : opt.slots) {
      std::string where = "optimizer/vars/" + std::to_string(idx++);
      auto shape = f.datasetShape(where);
      if (!shape.ok() || *shape != v->shape)
        return makeError("optimizer state '/", where, "' (", slot.substr(1),
                         " of layer '", layer->name, "' variable '", v->name,
                         "') has shape ",
                         shape.ok() ? shapeToString(*shape) : std::string("?"),
                         " but the variable is ", shapeToString(v->shape));
      auto t = f.readFloat(where);
      if (!t.ok())
        return t.status();
      out.optimizerState.emplace(opt.name + "/" + flat + slot, std::move(*t));
    }
  }
  return Status::success();
}

Status readLegacy(const KerasFile &file, const std::vector<ModelLayer> &layers,
                  KerasWeights &out) {
  const H5File &f = *file.h5;
  std::string root = f.isGroup("model_weights") ? "model_weights" : "";
  auto names = listAttribute(f, root, "layer_names");
  if (!names.ok())
    return names.status();
  std::string prefix = root.empty() ? "" : root + "/";
  struct Saved {
    std::string name;
    std::vector<std::string> weights;
  };
  std::vector<Saved> saved;
  for (const std::string &name : *names) {
    if (!f.isGroup(prefix + name))
      return makeError("lists layer '", name, "' in layer_names but has no '/",
                       prefix + name, "' group");
    auto w = listAttribute(f, prefix + name, "weight_names");
    if (!w.ok())
      return w.status();
    if (!w->empty())
      saved.push_back({name, std::move(*w)});
  }
  std::vector<const ModelLayer *> withWeights;
  for (const ModelLayer &layer : layers)
    if (!layer.variables.empty())
      withWeights.push_back(&layer);
  if (saved.size() != withWeights.size()) {
    std::vector<std::string> a, b;
    for (const Saved &s : saved)
      a.push_back(s.name);
    for (const ModelLayer *l : withWeights)
      b.push_back(l->name);
    return makeError("has weights for ", saved.size(), " layers (", join(a),
                     ") but the model has ", withWeights.size(),
                     " layers with weights (", join(b), ")");
  }
  for (size_t k = 0; k < saved.size(); ++k) {
    const ModelLayer &layer = *withWeights[k];
    if (saved[k].weights.size() != layer.variables.size())
      return makeError("layer '", layer.name, "' (", layer.className, ") has ",
                       layer.variables.size(), " variables but its weights in "
                       "the file (group '", saved[k].name, "') are ",
                       saved[k].weights.size(), ": ", join(saved[k].weights));
    for (size_t i = 0; i < layer.variables.size(); ++i)
      KILN_RETURN_IF_ERROR(take(f, prefix + saved[k].name + "/" + saved[k].weights[i],
                                layer, layer.variables[i], out));
  }
  return Status::success();
}

} // namespace

Expected<KerasFile> openKerasFile(const std::string &path) {
  if (FILE *probe = std::fopen(path.c_str(), "rb"))
    std::fclose(probe);
  else
    return makeError("cannot read '", path, "': ", std::strerror(errno));
  Expected<KerasFile> f = endsWith(path, ".keras") ? openZip(path) : openHdf5(path);
  if (!f.ok())
    return f.status().withContext(path);
  return f;
}

Expected<KerasWeights> readKerasWeights(const KerasFile &file,
                                        const std::vector<ModelLayer> &layers,
                                        bool sequential,
                                        const OptimizerLayout &optimizer) {
  KerasWeights out;
  Status s = file.layout == KerasFile::Layout::Keras3
                 ? readKeras3(file, layers, sequential, optimizer, out)
                 : readLegacy(file, layers, out);
  if (!s.ok())
    return s.withContext(file.path);
  return out;
}

} // namespace kiln::keras
