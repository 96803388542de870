//===- KValueAttr.cpp - Keras values as MLIR attributes -------------------===//
//
// See KValueAttr.h.
//
//===----------------------------------------------------------------------===//
#include "frontend/KValueAttr.h"

namespace kiln::frontend {

mlir::Attribute toAttr(mlir::Builder &b, const KValue &v) {
  switch (v.kind) {
  case KValue::Kind::None:
    return b.getUnitAttr();
  case KValue::Kind::Bool:
    return b.getBoolAttr(v.b);
  case KValue::Kind::Int:
    return b.getI64IntegerAttr(v.i);
  case KValue::Kind::Float:
    return b.getF64FloatAttr(v.f);
  case KValue::Kind::String:
    return b.getStringAttr(v.s);
  case KValue::Kind::List:
  case KValue::Kind::Tuple: {
    llvm::SmallVector<mlir::Attribute> items;
    for (const KValue &i : v.items)
      items.push_back(toAttr(b, i));
    return b.getArrayAttr(items);
  }
  case KValue::Kind::Dict:
    return toDictAttr(b, v.fields);
  }
  return b.getUnitAttr();
}

mlir::DictionaryAttr
toDictAttr(mlir::Builder &b,
           const std::vector<std::pair<std::string, KValue>> &fields) {
  mlir::NamedAttrList list;
  for (const auto &[k, v] : fields)
    if (!k.empty())
      list.set(b.getStringAttr(k), toAttr(b, v));
  return list.getDictionary(b.getContext());
}

} // namespace kiln::frontend
