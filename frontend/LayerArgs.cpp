//===- LayerArgs.cpp - A Keras layer's arguments, resolved ----------------===//
//
// Signature application (positional, keyword, defaults) and typed reading of
// Keras layer arguments, with located errors.
//
//===----------------------------------------------------------------------===//
#include "frontend/LayerArgs.h"
#include "frontend/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>

namespace kiln::frontend {

void LayerDiag::error(llvm::SMLoc loc, const std::string &msg) {
  if (failed)
    return;  // Report the first error only: later ones are usually echoes.
  failed = true;
  printSourceMessage(sm, errs, loc, llvm::SourceMgr::DK_Error, context + msg);
}

/// Keyword arguments every Keras layer takes (Layer.__init__'s **kwargs),
/// with what they mean to kiln: dtype is checked; the input-shape family
/// was used by the frontend to create the input; the rest do not change the
/// computation.
static const std::vector<Param> &commonParams() {
  static const std::vector<Param> params = {
      {"name", KValue::none()},        {"trainable", KValue::boolean(true)},
      {"dtype", KValue::none()},       {"input_shape", KValue::none()},
      {"batch_input_shape", KValue::none()}, {"batch_size", KValue::none()},
      {"input_dim", KValue::none()},   {"autocast", KValue::boolean(true)},
      {"dynamic", KValue::boolean(false)},
  };
  return params;
}

std::optional<LayerArgs> LayerArgs::resolve(const LayerSpec &spec,
                                            const std::vector<Param> &signature,
                                            LayerDiag &diag) {
  LayerArgs args(spec, diag);
  std::vector<bool> given(signature.size(), false);
  if (spec.args.size() > signature.size()) {
    diag.error(spec.args[signature.size()].loc,
               "takes at most " + std::to_string(signature.size()) +
                   " positional arguments, got " +
                   std::to_string(spec.args.size()));
    return std::nullopt;
  }
  for (size_t i = 0; i < spec.args.size(); ++i) {
    args.values.emplace_back(signature[i].name, spec.args[i]);
    given[i] = true;
  }
  for (const auto &kwarg : spec.kwargs) {
    // Named, not a structured binding: C++17 lambdas cannot capture those
    // (clang refuses; the fuzz build uses clang).
    const std::string &key = kwarg.first;
    const auto &value = kwarg.second;
    auto it = std::find_if(signature.begin(), signature.end(),
                           [&](const Param &p) { return p.name == key; });
    if (it != signature.end()) {
      size_t i = it - signature.begin();
      if (given[i]) {
        diag.error(value.loc, "got multiple values for argument '" + key + "'");
        return std::nullopt;
      }
      given[i] = true;
      args.values.emplace_back(key, value);
      continue;
    }
    const auto &common = commonParams();
    if (std::none_of(common.begin(), common.end(),
                     [&](const Param &p) { return p.name == key; })) {
      std::string known;
      for (const Param &p : signature)
        known += (known.empty() ? "" : ", ") + p.name;
      diag.error(value.loc, "unknown keyword argument '" + key +
                                "' (" + spec.className + " takes " +
                                (known.empty() ? "no arguments" : known) + ")");
      return std::nullopt;
    }
    args.values.emplace_back(key, value);
  }
  for (size_t i = 0; i < signature.size(); ++i) {
    if (given[i])
      continue;
    if (signature[i].required) {
      diag.error(spec.loc, "missing required argument '" + signature[i].name +
                               "'");
      return std::nullopt;
    }
    KValue v = signature[i].value;
    v.loc = spec.loc;
    args.values.emplace_back(signature[i].name, v);
  }
  for (const Param &p : commonParams())
    if (std::none_of(args.values.begin(), args.values.end(),
                     [&](const auto &kv) { return kv.first == p.name; })) {
      KValue v = p.value;
      v.loc = spec.loc;
      args.values.emplace_back(p.name, v);
    }
  return args;
}

const KValue &LayerArgs::get(const std::string &name) const {
  for (const auto &kv : values)
    if (kv.first == name)
      return kv.second;
  static const KValue none;
  return none;
}

llvm::SMLoc LayerArgs::loc(const std::string &name) const {
  llvm::SMLoc l = get(name).loc;
  return l.isValid() ? l : spec.loc;
}

void LayerArgs::error(const std::string &name, const std::string &msg) const {
  diag.error(loc(name), msg);
}

std::optional<int64_t> LayerArgs::getInt(const std::string &name,
                                         int64_t min) const {
  const KValue &v = get(name);
  if (v.kind != KValue::Kind::Int) {
    error(name, name + " must be an integer, got " + v.str());
    return std::nullopt;
  }
  if (v.i < min) {
    error(name, name + " must be >= " + std::to_string(min) + ", got " +
                    std::to_string(v.i));
    return std::nullopt;
  }
  return v.i;
}

std::optional<double> LayerArgs::getFloat(const std::string &name) const {
  const KValue &v = get(name);
  if (!v.isNumber()) {
    error(name, name + " must be a number, got " + v.str());
    return std::nullopt;
  }
  return v.kind == KValue::Kind::Int ? static_cast<double>(v.i) : v.f;
}

std::optional<bool> LayerArgs::getBool(const std::string &name) const {
  const KValue &v = get(name);
  if (v.kind != KValue::Kind::Bool) {
    error(name, name + " must be True or False, got " + v.str());
    return std::nullopt;
  }
  return v.b;
}

std::optional<std::string> LayerArgs::getString(const std::string &name) const {
  const KValue &v = get(name);
  if (v.kind != KValue::Kind::String) {
    error(name, name + " must be a string, got " + v.str());
    return std::nullopt;
  }
  return v.s;
}

std::optional<std::string>
LayerArgs::getChoice(const std::string &name,
                     const std::vector<std::string> &choices) const {
  auto s = getString(name);
  if (!s)
    return std::nullopt;
  std::string lower = llvm::StringRef(*s).lower();
  if (std::find(choices.begin(), choices.end(), lower) != choices.end())
    return lower;
  std::string list;
  for (const auto &c : choices)
    list += (list.empty() ? "\"" : ", \"") + c + "\"";
  error(name, name + " must be one of " + list + ", got \"" + *s + "\"");
  return std::nullopt;
}

std::optional<std::array<int64_t, 2>>
LayerArgs::getPair(const std::string &name, int64_t min) const {
  const KValue &v = get(name);
  std::array<int64_t, 2> out;
  if (v.kind == KValue::Kind::Int) {
    out = {v.i, v.i};
  } else if (v.isSequence() && v.items.size() == 2 &&
             v.items[0].kind == KValue::Kind::Int &&
             v.items[1].kind == KValue::Kind::Int) {
    out = {v.items[0].i, v.items[1].i};
  } else {
    error(name, name + " must be an integer or a pair of integers, got " +
                    v.str());
    return std::nullopt;
  }
  if (out[0] < min || out[1] < min) {
    error(name, name + " must be >= " + std::to_string(min) + ", got " +
                    v.str());
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<int64_t>>
LayerArgs::getShape(const std::string &name, bool allowNone) const {
  const KValue &v = get(name);
  if (!v.isSequence()) {
    error(name, name + " must be a tuple of integers, got " + v.str());
    return std::nullopt;
  }
  std::vector<int64_t> out;
  for (const KValue &d : v.items) {
    if (d.kind == KValue::Kind::Int && d.i > 0 && d.i <= (int64_t(1) << 31)) {
      out.push_back(d.i);
    } else if (d.isNone() && allowNone) {
      out.push_back(-1);
    } else {
      error(name, name + " must hold positive integers" +
                      std::string(allowNone ? " or None" : "") + ", got " +
                      v.str());
      return std::nullopt;
    }
  }
  return out;
}

std::optional<std::optional<KerasObject>>
LayerArgs::getObject(const std::string &name) const {
  const KValue &v = get(name);
  if (v.isNone())
    return std::optional<KerasObject>();
  if (v.kind == KValue::Kind::String)
    return std::optional<KerasObject>(KerasObject{toSnakeCase(v.s), {}});
  const KValue *cls = v.get("class_name");
  const KValue *cfg = v.get("config");
  if (v.kind == KValue::Kind::Dict && cls &&
      cls->kind == KValue::Kind::String &&
      (!cfg || cfg->kind == KValue::Kind::Dict || cfg->isNone())) {
    KerasObject obj{toSnakeCase(cls->s), {}};
    if (cfg && cfg->kind == KValue::Kind::Dict)
      obj.config = cfg->fields;
    return std::optional<KerasObject>(obj);
  }
  error(name, name + " must be a name or a {\"class_name\": ..., \"config\": "
                     "...} object, got " + v.str());
  return std::nullopt;
}

std::optional<std::string>
LayerArgs::getActivation(const std::string &name) const {
  const KValue &v = get(name);
  if (v.isNone())
    return std::string("linear");
  if (v.kind == KValue::Kind::String)
    return v.s;
  // Keras 3 may serialise a function reference as a dict.
  if (auto obj = getObject(name); obj && *obj)
    return (*obj)->name;
  error(name, name + " must be an activation name, got " + v.str());
  return std::nullopt;
}

bool LayerArgs::requireNone(const std::string &name) const {
  const KValue &v = get(name);
  if (v.isNone())
    return true;
  error(name, name + " is not supported yet (got " + v.str() + ")");
  return false;
}

bool LayerArgs::requireFloat32() const {
  const KValue &v = get("dtype");
  if (v.isNone() || (v.kind == KValue::Kind::String && v.s == "float32"))
    return true;
  if (const KValue *cfg = v.get("config"))
    if (const KValue *n = cfg->get("name"))
      if (n->kind == KValue::Kind::String && n->s == "float32")
        return true;
  error("dtype", "only float32 layers are supported, got dtype " + v.str());
  return false;
}

bool LayerArgs::requireChannelsLast() const {
  const KValue &v = get("data_format");
  if (v.isNone() || (v.kind == KValue::Kind::String && v.s == "channels_last"))
    return true;
  error("data_format",
        "only data_format \"channels_last\" (NHWC) is supported, got " +
            v.str());
  return false;
}

} // namespace kiln::frontend
