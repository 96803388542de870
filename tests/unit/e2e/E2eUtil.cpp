//===- E2eUtil.cpp - Shared helpers of the end-to-end tests ---------------===//
#include "tests/unit/e2e/E2eUtil.h"

#include "tests/reference/Reference.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

namespace kiln::e2e {

using runtime::Plan;
using runtime::PlanTensor;
using runtime::TensorRole;

void useTestKernelCache() {
  static bool done = [] {
    std::string dir = std::string(KILN_BINARY_DIR) + "/tests/e2e-kernel-cache";
    llvm::sys::fs::create_directories(dir);
    setenv("KILN_CACHE_DIR", dir.c_str(), 1);
    return true;
  }();
  (void)done;
}

std::unique_ptr<Model> load(const std::string &path) {
  auto m = std::make_unique<Model>();
  m->ctx = std::make_unique<mlir::MLIRContext>();
  m->sm = std::make_unique<llvm::SourceMgr>();
  auto loaded = loadModel(path, *m->ctx, *m->sm, llvm::errs());
  if (!loaded)
    return nullptr;
  m->loaded = std::move(*loaded);
  return m;
}

std::string writeTemp(const std::string &name, const std::string &text) {
  std::string dir = std::string(KILN_BINARY_DIR) + "/tests/e2e-tmp";
  llvm::sys::fs::create_directories(dir);
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::vector<std::vector<float>>
runPlanWithReferences(const Plan &plan,
                      const std::map<std::string, codegen::KernelSpec> &kernels,
                      int n, const std::vector<std::vector<float>> &inputs,
                      const std::map<std::string, std::vector<float>> &weights,
                      std::map<std::string, std::vector<float>> *weightsOut) {
  size_t nt = plan.tensors.size();
  std::vector<std::vector<float>> store(nt);
  auto root = [&](int t) {
    while (plan.tensors[t].role == TensorRole::View)
      t = plan.tensors[t].viewOf;
    return t;
  };
  auto count = [&](int t) {
    const PlanTensor &pt = plan.tensors[t];
    return size_t(pt.elementsPerSample() * (pt.hasBatch() ? n : 1));
  };
  if (inputs.size() != plan.inputs.size()) {
    ADD_FAILURE() << "the plan takes " << plan.inputs.size() << " inputs";
    return {};
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    store[plan.inputs[i]] = inputs[i];
  for (size_t t = 0; t < nt; ++t) {
    const PlanTensor &pt = plan.tensors[t];
    if (pt.role == TensorRole::Weight) {
      auto it = weights.find(pt.name);
      if (it == weights.end()) {
        ADD_FAILURE() << "no value for weight '" << pt.name << "'";
        return {};
      }
      store[t] = it->second;
    } else if (pt.role == TensorRole::Fixed) {
      float v = pt.fill == PlanTensor::Fill::Constant       ? pt.fillValue
                : pt.fill == PlanTensor::Fill::InverseBatch ? pt.fillValue / n
                                                            : 0.0f;
      store[t].assign(count(t), v);
    }
  }
  for (const runtime::PlanCall &call : plan.calls) {
    auto it = kernels.find(call.symbol);
    if (it == kernels.end()) {
      ADD_FAILURE() << "the program has no spec for '" << call.symbol << "'";
      return {};
    }
    const codegen::KernelSpec &spec = it->second;
    std::vector<codegen::TensorArg> args = codegen::kernelArguments(spec);
    if (args.size() != call.args.size()) {
      ADD_FAILURE() << call.label << ": " << call.args.size()
                    << " arguments for a kernel of " << args.size();
      return {};
    }
    std::vector<reference::Tensor> ins;
    std::vector<int> outs;
    for (size_t i = 0; i < args.size(); ++i) {
      int t = call.args[i];
      if (args[i].isOutput) {
        outs.push_back(t);
        continue;
      }
      if (store[root(t)].size() != count(t)) {
        ADD_FAILURE() << call.label << ": argument '" << args[i].name
                      << "' (" << plan.tensors[t].name << ") holds "
                      << store[root(t)].size() << " values, not " << count(t);
        return {};
      }
      ins.push_back(store[root(t)]);
    }
    std::vector<reference::Tensor> res =
        reference::runReference(spec, n, ins);
    if (res.size() != outs.size()) {
      ADD_FAILURE() << call.label << ": the reference gave " << res.size()
                    << " outputs, not " << outs.size();
      return {};
    }
    for (size_t k = 0; k < outs.size(); ++k) {
      if (res[k].size() != count(outs[k])) {
        ADD_FAILURE() << call.label << ": the reference's output " << k
                      << " has " << res[k].size() << " values, not "
                      << count(outs[k]);
        return {};
      }
      store[root(outs[k])] = std::move(res[k]);
    }
  }
  if (weightsOut)
    for (size_t t = 0; t < nt; ++t)
      if (plan.tensors[t].role == TensorRole::Weight)
        (*weightsOut)[plan.tensors[t].name] = store[t];
  std::vector<std::vector<float>> result;
  for (int o : plan.outputs)
    result.push_back(store[root(o)]);
  return result;
}

double relativeError(const std::vector<float> &a, const std::vector<float> &b) {
  if (a.size() != b.size())
    return INFINITY;
  double diff = 0, scale = 1e-6;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::fabs(double(a[i]) - b[i]);
    diff = std::isnan(d) ? INFINITY : std::max(diff, d);
    scale = std::max(scale, std::fabs(double(b[i])));
  }
  return diff / scale;
}

} // namespace kiln::e2e
