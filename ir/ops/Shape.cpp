//===- Shape.cpp - Flatten, reshape, concatenate, zero padding, slice -----===//
//
// Ops that move elements without computing on them. All keep the batch axis
// (axis 0) as it is, as Keras's layers do. Concatenation and zero padding
// differentiate into slices of their output's gradient.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

using namespace mlir;
using namespace kiln::nn;

/// Product of `dims`, or kDynamic if any is dynamic.
static int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (d == kDynamic)
      return kDynamic;
    p *= d;
  }
  return p;
}

LogicalResult FlattenOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto in = operandType(*this, 0).getShape();
  if (in.empty())
    return emitOpError("input must have a batch axis");
  types.push_back(tensorLike(*this, {in[0], product(in.drop_front())}));
  return success();
}

LogicalResult ReshapeOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto in = operandType(*this, 0).getShape();
  if (in.empty())
    return emitOpError("input must have a batch axis");
  SmallVector<int64_t, 4> target;
  int inferAt = -1;
  for (Attribute a : shape()) {
    auto i = a.dyn_cast<IntegerAttr>();
    if (!i || i.getInt() == 0 || i.getInt() < -1)
      return emitOpError("shape entries must be positive or -1");
    if (i.getInt() == -1) {
      if (inferAt >= 0)
        return emitOpError("shape may hold -1 only once");
      inferAt = target.size();
    }
    target.push_back(i.getInt());
  }
  int64_t have = product(in.drop_front());
  int64_t known = 1;
  for (int64_t d : target)
    if (d != -1)
      known *= d;
  if (inferAt >= 0) {
    if (have == kDynamic)
      target[inferAt] = kDynamic;
    else if (have % known != 0)
      return emitOpError("cannot reshape ")
             << formatShape(in) << " to " << formatShape(target);
    else
      target[inferAt] = have / known;
  } else if (have != kDynamic && have != known) {
    return emitOpError("cannot reshape ")
           << formatShape(in) << " (" << have << " elements per sample) to "
           << formatShape(target) << " (" << known << ")";
  }
  SmallVector<int64_t, 4> out{in[0]};
  out.append(target.begin(), target.end());
  types.push_back(tensorLike(*this, out));
  return success();
}

LogicalResult ConcatenateOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (inputs().empty())
    return emitOpError("needs at least one input");
  auto first = operandType(*this, 0).getShape();
  int64_t ax = normalizeAxis(static_cast<int64_t>(axis()), first.size());
  if (ax < 0)
    return emitOpError("axis ") << static_cast<int64_t>(axis())
                                << " is out of range for rank "
                                << first.size();
  SmallVector<int64_t, 4> out(first.begin(), first.end());
  for (unsigned i = 1, e = getNumOperands(); i < e; ++i) {
    auto s = operandType(*this, i).getShape();
    if (s.size() != first.size())
      return emitOpError("input ") << i << " has rank " << s.size()
                                   << ", input 0 has rank " << first.size();
    for (size_t d = 0; d < s.size(); ++d) {
      if (static_cast<int64_t>(d) == ax) {
        out[d] = (out[d] == kDynamic || s[d] == kDynamic) ? kDynamic
                                                          : out[d] + s[d];
      } else if (s[d] != kDynamic && out[d] != kDynamic && s[d] != out[d]) {
        return emitOpError("input ")
               << i << " has shape " << formatShape(s)
               << ", which does not match " << formatShape(first)
               << " outside axis " << ax;
      } else if (out[d] == kDynamic) {
        out[d] = s[d];
      }
    }
  }
  types.push_back(tensorLike(*this, out));
  return success();
}

LogicalResult ZeroPadding2DOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectRank(*this, 0, "input", 4)))
    return failure();
  SmallVector<int64_t, 4> p;
  if (failed(readInts(*this, padding(), "padding", 4, 0, p)))
    return failure();
  auto in = operandType(*this, 0).getShape();
  auto grow = [](int64_t d, int64_t by) {
    return d == kDynamic ? kDynamic : d + by;
  };
  types.push_back(tensorLike(
      *this, {in[0], grow(in[1], p[0] + p[1]), grow(in[2], p[2] + p[3]), in[3]}));
  return success();
}

/// Flatten and reshape move no data: their gradient is the inverse reshape.
static LogicalResult reshapeBack(OpBuilder &b, Location loc, Value input,
                                 Value grad,
                                 SmallVectorImpl<Value> &operandGrads) {
  auto shape = input.getType().cast<RankedTensorType>().getShape();
  auto r = createInferred<ReshapeOp>(
      b, loc, 1, grad,
      b.getI64ArrayAttr(llvm::to_vector<4>(shape.drop_front())));
  if (!r)
    return failure();
  operandGrads.push_back(r.output());
  return success();
}

LogicalResult FlattenOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  return reshapeBack(b, getLoc(), input(), grads[0], operandGrads);
}

LogicalResult ReshapeOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  return reshapeBack(b, getLoc(), input(), grads[0], operandGrads);
}

LogicalResult SliceOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto in = operandType(*this, 0).getShape();
  if (in.empty())
    return emitOpError("input must have a batch axis");
  size_t n = in.size() - 1;
  SmallVector<int64_t, 4> off, size;
  if (failed(readInts(*this, offsets(), "offsets", n, 0, off)) ||
      failed(readInts(*this, sizes(), "sizes", n, 1, size)))
    return failure();
  SmallVector<int64_t, 4> out{in[0]};
  for (size_t i = 0; i < n; ++i) {
    if (in[i + 1] != kDynamic && off[i] + size[i] > in[i + 1])
      return emitOpError("the box of axis ")
             << i + 1 << " (" << size[i] << " from " << off[i]
             << ") does not fit its size " << in[i + 1];
    out.push_back(size[i]);
  }
  types.push_back(tensorLike(*this, out));
  return success();
}

/// dy's box of `input`'s shape from `offsets` (per non-batch axis).
static Value sliceOf(OpBuilder &b, Location loc, Value dy, Value input,
                     ArrayRef<int64_t> offsets) {
  auto shape = input.getType().cast<RankedTensorType>().getShape();
  auto s = createInferred<SliceOp>(
      b, loc, 1, dy, b.getI64ArrayAttr(offsets),
      b.getI64ArrayAttr(llvm::to_vector<4>(shape.drop_front())));
  return s ? s.output() : Value();
}

LogicalResult ConcatenateOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> grads, SmallVectorImpl<Value> &operandGrads) {
  auto outShape = output().getType().cast<RankedTensorType>().getShape();
  int64_t ax = normalizeAxis(static_cast<int64_t>(axis()), outShape.size());
  if (ax <= 0)
    return emitOpError("trains only when concatenating along a non-batch "
                       "axis");
  int64_t offset = 0;
  for (Value in : inputs()) {
    auto shape = in.getType().cast<RankedTensorType>().getShape();
    if (llvm::is_contained(shape.drop_front(), kDynamic))
      return emitOpError("trains only with static non-batch input shapes");
    SmallVector<int64_t, 4> offsets(shape.size() - 1, 0);
    offsets[ax - 1] = offset;
    offset += shape[ax];
    Value g = sliceOf(b, getLoc(), grads[0], in, offsets);
    if (!g)
      return failure();
    operandGrads.push_back(g);
  }
  return success();
}

LogicalResult ZeroPadding2DOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> grads, SmallVectorImpl<Value> &operandGrads) {
  SmallVector<int64_t, 4> p;
  if (failed(readInts(*this, padding(), "padding", 4, 0, p)))
    return failure();
  Value g = sliceOf(b, getLoc(), grads[0], input(), {p[0], p[2], 0});
  if (!g)
    return failure();
  operandGrads.push_back(g);
  return success();
}
