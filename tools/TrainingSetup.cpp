//===- TrainingSetup.cpp - Model -> training plans, shared by tools -------===//
#include "tools/TrainingSetup.h"
#include "tools/DiagnosticPrinter.h"
#include "tools/Weights.h"
#include "tools/Commands.h"
#include "ir/NNDialect.h"
#include "passes/Passes.h"
#include "runtime/exec/Checkpoint.h"
#include "runtime/ByteIO.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <set>

using namespace mlir;

namespace kiln {

/// A number from the module's nn.fit, or `def`.
static double fitSetting(ModuleOp module, llvm::StringRef key, double def) {
  auto fit = module->getAttrOfType<DictionaryAttr>("nn.fit");
  if (!fit)
    return def;
  if (auto i = fit.getAs<IntegerAttr>(key))
    return i.getInt();
  if (auto f = fit.getAs<FloatAttr>(key))
    return f.getValueAsDouble();
  return def;
}

FitDefaults fitDefaults(ModuleOp module) {
  FitDefaults d;
  d.epochs = fitSetting(module, "epochs", 1);
  d.batchSize = fitSetting(module, "batch_size", 32);
  d.validationSplit = fitSetting(module, "validation_split", 0);
  if (auto ds = module->getAttrOfType<StringAttr>("nn.dataset"))
    d.dataset = ds.getValue().str();
  return d;
}

namespace {

/// Writes the module after every pass to DIR/NN-<pass>.mlir.
class FileIRPrinter : public PassManager::IRPrinterConfig {
public:
  explicit FileIRPrinter(IRDump &dump)
      : IRPrinterConfig(/*printModuleScope=*/true), dump_(dump) {}

  void printAfterIfEnabled(Pass *pass, Operation *op,
                           PrintCallbackFn print) override {
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%02zu-", dump_.files.size());
    std::string name = prefix + pass->getArgument().str() + ".mlir";
    // Printed to memory, then written atomically: a raw_fd_ostream that
    // fails (a full disk) aborts the process when destroyed.
    std::string text;
    llvm::raw_string_ostream os(text);
    print(os);
    const std::string &ir = os.str();
    if (runtime::writeFileAtomic(dump_.dir + "/" + name, ir.data(), ir.size())
            .ok())
      dump_.files.push_back(name);
  }

private:
  IRDump &dump_;
};

/// --print-ir-after-failure FILE: the module as the failing pass left it,
/// written to FILE (never to the terminal: errors stay short).
class FailureIRPrinter : public PassManager::IRPrinterConfig {
public:
  explicit FailureIRPrinter(std::string path)
      : IRPrinterConfig(/*printModuleScope=*/true,
                        /*printAfterOnlyOnChange=*/false,
                        /*printAfterOnlyOnFailure=*/true),
        path_(std::move(path)) {}

  void printAfterIfEnabled(Pass *pass, Operation *op,
                           PrintCallbackFn print) override {
    std::string text;
    llvm::raw_string_ostream os(text);
    print(os);
    if (writeOutput(path_, os.str()) == 0)
      llvm::errs() << "note: the IR after the failed pass is in '" << path_
                   << "'\n";
  }

private:
  std::string path_;
};

} // namespace

std::optional<TrainingPrograms>
buildTrainingPrograms(const CommandLine &cl, ModuleOp module,
                      llvm::SourceMgr &sm, uint64_t seed, IRDump *dump) {
  MLIRContext &ctx = *module.getContext();
  DiagnosticPrinter handler(sm, &ctx, llvm::errs());
  std::string error;
  auto lr = cl.getFloat("--learning-rate", -1, error);
  if (!lr) {
    llvm::errs() << "error: " << error << "\n";
    return std::nullopt;
  }
  auto pass = createBuildTrainStepPass();
  std::string options = "seed=" + std::to_string(seed);
  if (cl.has("--optimizer"))
    options += " optimizer=" + cl.get("--optimizer");
  if (*lr > 0)
    options += " learning-rate=" + std::to_string(*lr);
  if (failed(pass->initializeOptions(options))) {
    llvm::errs() << "error: bad training options: " << options << "\n";
    return std::nullopt;
  }
  PassManager pm(&ctx);
  pm.addPass(std::move(pass));
  if (dump) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module.print(os);
    const std::string &ir = os.str();
    if (runtime::writeFileAtomic(dump->dir + "/00-imported.mlir", ir.data(),
                                 ir.size())
            .ok())
      dump->files.push_back("00-imported.mlir");
    ctx.disableMultithreading();
    pm.enableIRPrinting(std::make_unique<FileIRPrinter>(*dump));
  } else if (cl.has("--print-ir-after-failure")) {
    ctx.disableMultithreading();
    pm.enableIRPrinting(
        std::make_unique<FailureIRPrinter>(cl.get("--print-ir-after-failure")));
  }
  if (failed(pm.run(module)))
    return std::nullopt;
  TrainingPrograms out;
  for (auto [name, slot] : {std::pair{"train_step", &out.train},
                            {"eval_step", &out.eval},
                            {"forward", &out.forward}}) {
    auto func = module.lookupSymbol<FuncOp>(name);
    if (!func) {
      llvm::errs() << "error: the model has no @" << name << " function\n";
      return std::nullopt;
    }
    auto program = lowerToKernels(func);
    if (!program)
      return std::nullopt;
    *slot = std::move(*program);
    out.kernels.insert(slot->kernels.begin(), slot->kernels.end());
  }
  return out;
}

nlohmann::json weightManifest(ModuleOp module) {
  nlohmann::json out = nlohmann::json::array();
  std::set<std::string> seen;
  module.walk([&](nn::WeightOp w) {
    std::string name = w.name().str();
    if (!seen.insert(name).second)
      return;
    nlohmann::json init = {{"class_name", w.initializer().str()}};
    if (auto c = w.initializer_config())
      init["config"] = attributeToJson(*c);
    auto shape = w.getType().cast<RankedTensorType>().getShape();
    out.push_back({{"name", name},
                   {"shape", std::vector<int64_t>(shape.begin(), shape.end())},
                   {"initializer", init},
                   {"trainable", !w.trainable() || *w.trainable()},
                   {"optimizer_state", runtime::isOptimizerState(name)}});
  });
  return out;
}

} // namespace kiln
