//===- Layers.cpp - The Keras layer table ---------------------------------===//
//
// Each Keras layer class kiln imports, in one place: its signature (Keras 3's
// parameter order and defaults, plus the Keras 2 spellings the JSON files
// use) and how it lowers to nn ops. Both frontends go through this table, so
// a layer's arguments are checked the same way whether it came from Python
// or JSON. Lowerings follow Keras exactly: MaxPooling2D's strides default to
// the pool size, Dense applies to the last axis, Conv2D's "same" padding is
// TensorFlow's.
//
//===----------------------------------------------------------------------===//
#include "frontend/LayerEmitter.h"

#include <map>

using namespace mlir;

namespace kiln::frontend {
namespace {

KValue I(int64_t v) { return KValue::integer(v); }
KValue F(double v) { return KValue::real(v); }
KValue S(const char *v) { return KValue::string(v); }
KValue B(bool v) { return KValue::boolean(v); }
KValue N() { return KValue::none(); }
KValue P2(int64_t a, int64_t b) { return KValue::tuple({I(a), I(b)}); }
Param req(const char *name) { return Param{name, N(), true}; }

/// Arguments kiln does not implement and accepts only at their default.
const char *const kMustBeNone[] = {
    "activity_regularizer", "kernel_constraint", "bias_constraint",
    "beta_constraint",      "gamma_constraint",  "lora_rank",
    "noise_shape",          "renorm_clipping",   "virtual_batch_size",
    "adjustment"};

bool checkCommon(const LayerArgs &args) {
  for (const char *name : kMustBeNone)
    if (!args.requireNone(name))
      return false;
  return args.requireFloat32() && args.requireChannelsLast();
}

ArrayAttr pairAttr(OpBuilder &b, const std::array<int64_t, 2> &p) {
  return b.getI64ArrayAttr({p[0], p[1]});
}

// --- Convolution ----------------------------------------------------------

bool lowerConv2D(LayerEmitter &e, ArrayRef<Value> in,
                 SmallVectorImpl<Value> &out) {
  const LayerArgs &a = e.args;
  auto filters = a.getInt("filters", 1);
  auto kernel = a.getPair("kernel_size", 1);
  auto strides = a.getPair("strides", 1);
  auto dilation = a.getPair("dilation_rate", 1);
  auto padding = a.getChoice("padding", {"valid", "same"});
  auto groups = a.getInt("groups", 1);
  auto useBias = a.getBool("use_bias");
  auto act = a.getActivation("activation");
  if (!filters || !kernel || !strides || !dilation || !padding || !groups ||
      !useBias || !act || !checkCommon(a))
    return false;
  if (*groups != 1) {
    a.error("groups", "grouped convolution (groups > 1) is not supported yet");
    return false;
  }
  auto inShape = LayerEmitter::shapeOf(in[0]);
  if (inShape.size() != 4) {
    a.diag.error(a.spec.loc, "expects a 4-D input (batch, height, width, "
                             "channels), got rank " +
                                 std::to_string(inShape.size()));
    return false;
  }
  Value k = e.weightFromArgs("kernel",
                             {(*kernel)[0], (*kernel)[1], inShape[3], *filters},
                             "kernel_initializer", "kernel_regularizer", true);
  Value bias;
  if (k && *useBias)
    bias = e.weightFromArgs("bias", {*filters}, "bias_initializer",
                            "bias_regularizer", true);
  if (!k || (*useBias && !bias))
    return false;
  Value y = e.create<nn::Conv2DOp>(
      in[0], k, bias, pairAttr(e.b, *strides), e.b.getStringAttr(*padding),
      pairAttr(e.b, *dilation));
  y = e.activation(y, *act, "activation");
  out.push_back(y);
  return bool(y);
}

// --- Dense ----------------------------------------------------------------

bool lowerDense(LayerEmitter &e, ArrayRef<Value> in,
                SmallVectorImpl<Value> &out) {
  const LayerArgs &a = e.args;
  auto units = a.getInt("units", 1);
  auto useBias = a.getBool("use_bias");
  auto act = a.getActivation("activation");
  if (!units || !useBias || !act || !checkCommon(a))
    return false;
  auto inShape = LayerEmitter::shapeOf(in[0]);
  if (inShape.size() < 2 || inShape.back() < 0) {
    a.diag.error(a.spec.loc,
                 "expects an input with a known last axis, got rank " +
                     std::to_string(inShape.size()));
    return false;
  }
  Value k = e.weightFromArgs("kernel", {inShape.back(), *units},
                             "kernel_initializer", "kernel_regularizer", true);
  Value bias;
  if (k && *useBias)
    bias = e.weightFromArgs("bias", {*units}, "bias_initializer",
                            "bias_regularizer", true);
  if (!k || (*useBias && !bias))
    return false;
  Value y = e.create<nn::DenseOp>(in[0], k, bias);
  y = e.activation(y, *act, "activation");
  out.push_back(y);
  return bool(y);
}

// --- Pooling --------------------------------------------------------------

template <typename OpTy>
bool lowerPool2D(LayerEmitter &e, ArrayRef<Value> in,
                 SmallVectorImpl<Value> &out) {
  const LayerArgs &a = e.args;
  auto pool = a.getPair("pool_size", 1);
  auto padding = a.getChoice("padding", {"valid", "same"});
  if (!pool || !padding || !checkCommon(a))
    return false;
  // Keras: strides=None means strides = pool_size.
  std::optional<std::array<int64_t, 2>> strides = *pool;
  if (!a.get("strides").isNone() && !(strides = a.getPair("strides", 1)))
    return false;
  Value y = e.create<OpTy>(in[0], pairAttr(e.b, *pool),
                           pairAttr(e.b, *strides),
                           e.b.getStringAttr(*padding));
  out.push_back(y);
  return bool(y);
}

template <typename OpTy>
bool lowerGlobalPool2D(LayerEmitter &e, ArrayRef<Value> in,
                       SmallVectorImpl<Value> &out) {
  auto keep = e.args.getBool("keepdims");
  if (!keep || !checkCommon(e.args))
    return false;
  Value y = e.create<OpTy>(in[0], e.b.getBoolAttr(*keep));
  out.push_back(y);
  return bool(y);
}

// --- Shape ----------------------------------------------------------------

bool lowerFlatten(LayerEmitter &e, ArrayRef<Value> in,
                  SmallVectorImpl<Value> &out) {
  if (!checkCommon(e.args))
    return false;
  Value y = e.create<nn::FlattenOp>(in[0]);
  out.push_back(y);
  return bool(y);
}

bool lowerReshape(LayerEmitter &e, ArrayRef<Value> in,
                  SmallVectorImpl<Value> &out) {
  const KValue &t = e.args.get("target_shape");
  SmallVector<int64_t> shape;
  for (const KValue &d : t.items) {
    if (d.kind != KValue::Kind::Int || (d.i < 1 && d.i != -1)) {
      e.args.error("target_shape", "target_shape must hold positive integers "
                                   "(or one -1), got " + t.str());
      return false;
    }
    shape.push_back(d.i);
  }
  if (!t.isSequence()) {
    e.args.error("target_shape",
                 "target_shape must be a tuple, got " + t.str());
    return false;
  }
  if (!checkCommon(e.args))
    return false;
  Value y = e.create<nn::ReshapeOp>(in[0], e.b.getI64ArrayAttr(shape));
  out.push_back(y);
  return bool(y);
}

bool lowerZeroPadding2D(LayerEmitter &e, ArrayRef<Value> in,
                        SmallVectorImpl<Value> &out) {
  const KValue &p = e.args.get("padding");
  // Keras: an int, a pair (symmetric per axis), or ((top, bottom), (left,
  // right)).
  std::array<int64_t, 4> pads;
  auto isInt = [](const KValue &v) {
    return v.kind == KValue::Kind::Int && v.i >= 0;
  };
  if (isInt(p)) {
    pads = {p.i, p.i, p.i, p.i};
  } else if (p.isSequence() && p.items.size() == 2 && isInt(p.items[0]) &&
             isInt(p.items[1])) {
    pads = {p.items[0].i, p.items[0].i, p.items[1].i, p.items[1].i};
  } else if (p.isSequence() && p.items.size() == 2 &&
             p.items[0].isSequence() && p.items[1].isSequence() &&
             p.items[0].items.size() == 2 && p.items[1].items.size() == 2 &&
             isInt(p.items[0].items[0]) && isInt(p.items[0].items[1]) &&
             isInt(p.items[1].items[0]) && isInt(p.items[1].items[1])) {
    pads = {p.items[0].items[0].i, p.items[0].items[1].i,
            p.items[1].items[0].i, p.items[1].items[1].i};
  } else {
    e.args.error("padding", "padding must be an int, a pair of ints or a "
                            "pair of pairs, got " + p.str());
    return false;
  }
  if (!checkCommon(e.args))
    return false;
  Value y = e.create<nn::ZeroPadding2DOp>(
      in[0], e.b.getI64ArrayAttr({pads[0], pads[1], pads[2], pads[3]}));
  out.push_back(y);
  return bool(y);
}

// --- Regularisation and normalisation --------------------------------------

bool lowerDropout(LayerEmitter &e, ArrayRef<Value> in,
                  SmallVectorImpl<Value> &out) {
  auto rate = e.args.getFloat("rate");
  if (!rate || !checkCommon(e.args))
    return false;
  if (!(*rate >= 0 && *rate < 1)) {
    e.args.error("rate", "rate must be in [0, 1), got " +
                             e.args.get("rate").str());
    return false;
  }
  IntegerAttr seed;
  if (!e.args.get("seed").isNone()) {
    auto s = e.args.getInt("seed", 0);
    if (!s)
      return false;
    seed = e.b.getI64IntegerAttr(*s);
  }
  Value y = e.create<nn::DropoutOp>(in[0], Value(), e.b.getF64FloatAttr(*rate), seed,
                                    IntegerAttr());
  out.push_back(y);
  return bool(y);
}

bool lowerBatchNorm(LayerEmitter &e, ArrayRef<Value> in,
                    SmallVectorImpl<Value> &out) {
  const LayerArgs &a = e.args;
  auto momentum = a.getFloat("momentum");
  auto epsilon = a.getFloat("epsilon");
  auto center = a.getBool("center");
  auto scale = a.getBool("scale");
  if (!momentum || !epsilon || !center || !scale || !checkCommon(a))
    return false;
  for (const char *flag : {"renorm", "synchronized"}) {
    const KValue &v = a.get(flag);
    if (v.kind == KValue::Kind::Bool && v.b) {
      a.error(flag, std::string(flag) + "=True is not supported yet");
      return false;
    }
  }
  // Keras 3 writes axis as a list ([3]); Keras 2 as an int.
  const KValue &ax = a.get("axis");
  const KValue *axv = &ax;
  if (ax.isSequence() && ax.items.size() == 1)
    axv = &ax.items[0];
  if (axv->kind != KValue::Kind::Int) {
    a.error("axis", "axis must be one integer, got " + ax.str());
    return false;
  }
  auto shape = LayerEmitter::shapeOf(in[0]);
  int64_t rank = shape.size();
  int64_t axis = axv->i < 0 ? axv->i + rank : axv->i;
  if (axis <= 0 || axis >= rank) {
    a.error("axis", "axis " + std::to_string(axv->i) +
                        " is not a feature axis of a rank-" +
                        std::to_string(rank) + " input");
    return false;
  }
  int64_t c = shape[axis];
  Value gamma, beta;
  if (*scale && !(gamma = e.weightFromArgs("gamma", {c}, "gamma_initializer",
                                           "gamma_regularizer", true)))
    return false;
  if (*center && !(beta = e.weightFromArgs("beta", {c}, "beta_initializer",
                                           "beta_regularizer", true)))
    return false;
  Value mean = e.weightFromArgs("moving_mean", {c}, "moving_mean_initializer",
                                "", false);
  Value var = mean ? e.weightFromArgs("moving_variance", {c},
                                      "moving_variance_initializer", "", false)
                   : nullptr;
  if (!var)
    return false;
  Value y = e.create<nn::BatchNormOp>(
      in[0], mean, var, gamma, beta, e.b.getI64IntegerAttr(axis),
      e.b.getF64FloatAttr(*epsilon), e.b.getF64FloatAttr(*momentum));
  out.push_back(y);
  return bool(y);
}

// --- Activations as layers ---------------------------------------------------

bool lowerActivation(LayerEmitter &e, ArrayRef<Value> in,
                     SmallVectorImpl<Value> &out) {
  auto act = e.args.getActivation("activation");
  if (!act || !e.args.requireFloat32())
    return false;
  Value y = e.activation(in[0], *act, "activation");
  out.push_back(y);
  return bool(y);
}

bool lowerReLU(LayerEmitter &e, ArrayRef<Value> in,
               SmallVectorImpl<Value> &out) {
  auto slope = e.args.getFloat("negative_slope");
  auto threshold = e.args.getFloat("threshold");
  if (!slope || !threshold || !e.args.requireFloat32())
    return false;
  const KValue &maxValue = e.args.get("max_value");
  if (*threshold != 0) {
    e.args.error("threshold", "ReLU with a threshold is not supported yet");
    return false;
  }
  Value y;
  if (maxValue.isNone() && *slope == 0) {
    y = e.create<nn::ReluOp>(in[0]);
  } else if (maxValue.isNumber() && *slope == 0 &&
             (maxValue.kind == KValue::Kind::Int ? maxValue.i == 6
                                                 : maxValue.f == 6.0)) {
    y = e.create<nn::Relu6Op>(in[0]);
  } else if (maxValue.isNone()) {
    y = e.create<nn::LeakyReluOp>(in[0], e.b.getF64FloatAttr(*slope));
  } else {
    e.args.error("max_value", "ReLU max_value other than 6 (with "
                              "negative_slope 0) is not supported yet");
    return false;
  }
  out.push_back(y);
  return bool(y);
}

bool lowerLeakyReLU(LayerEmitter &e, ArrayRef<Value> in,
                    SmallVectorImpl<Value> &out) {
  // Keras 2 calls the slope alpha; Keras 3 negative_slope.
  bool keras2 = !e.args.get("alpha").isNone();
  auto slope = e.args.getFloat(keras2 ? "alpha" : "negative_slope");
  if (!slope || !e.args.requireFloat32())
    return false;
  Value y = e.create<nn::LeakyReluOp>(in[0], e.b.getF64FloatAttr(*slope));
  out.push_back(y);
  return bool(y);
}

bool lowerSoftmax(LayerEmitter &e, ArrayRef<Value> in,
                  SmallVectorImpl<Value> &out) {
  const KValue &ax = e.args.get("axis");
  if (ax.kind != KValue::Kind::Int) {
    e.args.error("axis", "axis must be an integer, got " + ax.str());
    return false;
  }
  if (!e.args.requireFloat32())
    return false;
  Value y = e.create<nn::SoftmaxOp>(in[0], e.b.getI64IntegerAttr(ax.i));
  out.push_back(y);
  return bool(y);
}

// --- Merging ------------------------------------------------------------------

template <typename OpTy>
bool lowerMerge(LayerEmitter &e, ArrayRef<Value> in,
                SmallVectorImpl<Value> &out) {
  if (!e.args.requireFloat32())
    return false;
  Value y = in[0];
  for (Value v : in.drop_front())
    if (!(y = e.create<OpTy>(y, v)))
      return false;
  out.push_back(y);
  return true;
}

bool lowerConcatenate(LayerEmitter &e, ArrayRef<Value> in,
                      SmallVectorImpl<Value> &out) {
  const KValue &ax = e.args.get("axis");
  if (ax.kind != KValue::Kind::Int) {
    e.args.error("axis", "axis must be an integer, got " + ax.str());
    return false;
  }
  if (!e.args.requireFloat32())
    return false;
  if (ax.i == 0 || ax.i == -static_cast<int64_t>(
                                  LayerEmitter::shapeOf(in[0]).size())) {
    e.args.error("axis", "cannot concatenate along the batch axis");
    return false;
  }
  Value y = e.create<nn::ConcatenateOp>(ValueRange(in),
                                        e.b.getI64IntegerAttr(ax.i));
  out.push_back(y);
  return bool(y);
}

// --- The table ------------------------------------------------------------

/// What Conv2D and Dense share after their own leading parameters: the
/// activation, the kernel and bias with their initializers, regularizers
/// and constraints (Keras 3's order).
std::vector<Param> withKernelAndBias(std::vector<Param> leading) {
  std::vector<Param> shared = {
      {"activation", N()},
      {"use_bias", B(true)},
      {"kernel_initializer", S("glorot_uniform")},
      {"bias_initializer", S("zeros")},
      {"kernel_regularizer", N()},
      {"bias_regularizer", N()},
      {"activity_regularizer", N()},
      {"kernel_constraint", N()},
      {"bias_constraint", N()},
      {"lora_rank", N()},
      {"lora_alpha", N()}};
  leading.insert(leading.end(), shared.begin(), shared.end());
  return leading;
}

std::vector<Param> convParams() {
  return withKernelAndBias({req("filters"),
                            req("kernel_size"),
                            {"strides", P2(1, 1)},
                            {"padding", S("valid")},
                            {"data_format", N()},
                            {"dilation_rate", P2(1, 1)},
                            {"groups", I(1)}});
}

std::vector<Param> poolParams() {
  return {{"pool_size", P2(2, 2)},
          {"strides", N()},
          {"padding", S("valid")},
          {"data_format", N()}};
}

std::vector<Param> globalPoolParams() {
  return {{"data_format", N()}, {"keepdims", B(false)}};
}

const std::map<std::string, LayerDef> &table() {
  static const std::map<std::string, LayerDef> t = [] {
    std::vector<LayerDef> defs = {
        {"Conv2D", convParams(), 1, lowerConv2D},
        {"Dense", withKernelAndBias({req("units")}), 1, lowerDense},
        {"MaxPooling2D", poolParams(), 1, lowerPool2D<nn::MaxPool2DOp>},
        {"AveragePooling2D", poolParams(), 1, lowerPool2D<nn::AvgPool2DOp>},
        {"GlobalAveragePooling2D", globalPoolParams(), 1,
         lowerGlobalPool2D<nn::GlobalAvgPool2DOp>},
        {"GlobalMaxPooling2D", globalPoolParams(), 1,
         lowerGlobalPool2D<nn::GlobalMaxPool2DOp>},
        {"Flatten", {{"data_format", N()}}, 1, lowerFlatten},
        {"Reshape", {req("target_shape")}, 1, lowerReshape},
        {"ZeroPadding2D",
         {{"padding", P2(1, 1)}, {"data_format", N()}},
         1,
         lowerZeroPadding2D},
        {"Dropout",
         {req("rate"), {"noise_shape", N()}, {"seed", N()}},
         1,
         lowerDropout},
        {"BatchNormalization",
         {{"axis", I(-1)},
          {"momentum", F(0.99)},
          {"epsilon", F(1e-3)},
          {"center", B(true)},
          {"scale", B(true)},
          {"beta_initializer", S("zeros")},
          {"gamma_initializer", S("ones")},
          {"moving_mean_initializer", S("zeros")},
          {"moving_variance_initializer", S("ones")},
          {"beta_regularizer", N()},
          {"gamma_regularizer", N()},
          {"beta_constraint", N()},
          {"gamma_constraint", N()},
          {"synchronized", B(false)},
          // Keras 2 only:
          {"renorm", B(false)},
          {"renorm_clipping", N()},
          {"renorm_momentum", F(0.99)},
          {"fused", N()},
          {"virtual_batch_size", N()},
          {"adjustment", N()}},
         1,
         lowerBatchNorm},
        {"Activation", {req("activation")}, 1, lowerActivation},
        {"ReLU",
         {{"max_value", N()}, {"negative_slope", F(0)}, {"threshold", F(0)}},
         1,
         lowerReLU},
        {"LeakyReLU",
         {{"negative_slope", F(0.3)}, {"alpha", N()}},
         1,
         lowerLeakyReLU},
        {"Softmax", {{"axis", I(-1)}}, 1, lowerSoftmax},
        {"Add", {}, 0, lowerMerge<nn::AddOp>},
        {"Subtract", {}, 0, lowerMerge<nn::SubOp>},
        {"Multiply", {}, 0, lowerMerge<nn::MulOp>},
        {"Maximum", {}, 0, lowerMerge<nn::MaximumOp>},
        {"Minimum", {}, 0, lowerMerge<nn::MinimumOp>},
        {"Concatenate", {{"axis", I(-1)}}, 0, lowerConcatenate},
    };
    std::map<std::string, LayerDef> m;
    for (auto &d : defs)
      m[d.className] = d;
    // Keras's aliases.
    for (auto [alias, name] :
         {std::pair{"Convolution2D", "Conv2D"}, {"MaxPool2D", "MaxPooling2D"},
          {"AvgPool2D", "AveragePooling2D"},
          {"GlobalAvgPool2D", "GlobalAveragePooling2D"},
          {"GlobalMaxPool2D", "GlobalMaxPooling2D"}})
      m[alias] = m[name];
    return m;
  }();
  return t;
}

} // namespace

const LayerDef *lookupLayer(const std::string &className) {
  auto it = table().find(className);
  return it == table().end() ? nullptr : &it->second;
}

std::vector<std::string> layerClassNames() {
  std::vector<std::string> names;
  for (const auto &kv : table())
    names.push_back(kv.first);
  return names;
}

} // namespace kiln::frontend
