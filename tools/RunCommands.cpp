//===- RunCommands.cpp - kiln init, kiln run ------------------------------===//
//
// Creating weights, and running inference through the compiled kernels:
// lower @forward to a plan, load (or compile) its kernels, bind weights and
// run the batch in chunks so the activations stay small. A GPU --target
// runs the compiled executable's predict instead (runThroughExecutable).
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/KernelLibrary.h"
#include "tools/DiagnosticPrinter.h"
#include "codegen/ir/LowerToKernels.h"
#include "codegen/tune/ScheduleDB.h"
#include "runtime/Npy.h"
#include "tools/Commands.h"
#include "tools/KerasModel.h"
#include "tools/ModelLoader.h"
#include "tools/Weights.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

using namespace kiln::runtime;

namespace kiln {

int runInit(const CommandLine &cl) {
  if (!cl.has("-o"))
    return fail("kiln init needs -o W.safetensors (or W.keras, W.weights.h5)");
  if (Status s = checkWeightsOutputPath(cl.get("-o")); !s.ok())
    return fail(s.message());
  std::string error;
  auto seed = cl.getInt("--seed", 0, error);
  if (!seed)
    return fail(error);
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(cl.positional[0], ctx, sm, llvm::errs());
  if (!model)
    return 1;
  auto weights = initialWeights(*model->built.module, *seed);
  if (!weights.ok())
    return fail(weights.status().message());
  Status s = saveWeightsAs(cl.get("-o"), *model, *weights);
  if (!s.ok())
    return fail(s.message());
  int64_t count = 0;
  for (const auto &[name, t] : weights->tensors)
    count += t.numElements();
  llvm::errs() << "wrote " << weights->tensors.size() << " weights (" << count
               << " parameters) to " << cl.get("-o") << "\n";
  return 0;
}

int runRun(const CommandLine &cl) {
  for (const char *opt : {"--input", "-o"})
    if (!cl.has(opt))
      return fail(std::string("kiln run needs ") + opt);
  std::string error;
  auto chunk = cl.getInt("--batch-size", 256, error);
  if (!chunk)
    return fail(error);
  if (*chunk < 1)
    return fail("--batch-size must be at least 1");
  if (auto rc = runThroughExecutable(
          cl, "predict",
          forwardedFlags(cl, {"--weights", "--input", "-o", "--batch-size"},
                         {})))
    return *rc;
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(cl.positional[0], ctx, sm, llvm::errs());
  if (!model)
    return 1;
  auto func = model->built.module->lookupSymbol<mlir::FuncOp>("forward");
  if (!func)
    return fail("the model has no @forward function");
  DiagnosticPrinter handler(sm, &ctx, llvm::errs());
  auto program = lowerToKernels(func);
  if (!program)
    return 1;
  if (program->plan.inputs.size() != 1 || program->plan.outputs.size() != 1)
    return fail("kiln run handles models with one input and one output");

  if (!cl.has("--weights") && !model->fileWeights)
    return fail("kiln run needs --weights (or a .keras/.h5 model, which holds them)");
  auto weights =
      !cl.has("--weights") ? std::move(*fileWeightsFor(*model, {}))
      : isKerasFilePath(cl.get("--weights"))
          ? loadKerasWeightsFor(*model, cl.get("--weights"))
          : loadWeights(*model->built.module, cl.get("--weights"));
  if (!weights.ok())
    return fail(weights.status().message());
  auto input = readNpy(cl.get("--input"));
  if (!input.ok())
    return fail(input.status().message());
  if (input->dtype() != DType::F32) {
    auto converted = convertTensor(*input, DType::F32);
    if (!converted.ok())
      return fail(cl.get("--input") + ": " + converted.status().message());
    *input = std::move(*converted);
  }
  const auto &inT = program->plan.tensors[program->plan.inputs[0]];
  const auto &outT = program->plan.tensors[program->plan.outputs[0]];
  Shape want(inT.shape.begin(), inT.shape.end());
  Shape have = input->shape();
  bool ok = have.size() == want.size();
  for (size_t i = 1; ok && i < want.size(); ++i)
    ok = have[i] == want[i];
  if (!ok || have.empty() || have[0] < 1) {
    want[0] = -1;
    return fail(cl.get("--input") + ": shape " + shapeToString(have) +
                " does not match the model's input (N" +
                shapeToString(want).substr(shapeToString(want).find(',')) +
                ")");
  }

  auto schedules = tune::scheduleLookupFor(cl.get("--schedules"));
  if (!schedules.ok())
    return fail(schedules.status().message());
  auto lib = KernelLibrary::load(program->kernels, cl.get("--target", "host"),
                                 isatty(2), nullptr, *schedules);
  if (!lib.ok())
    return fail(lib.status().message());
  auto exec = Executor::create(program->plan, (*lib)->resolver());
  if (!exec.ok())
    return fail(exec.status().message());
  for (auto &[name, t] : weights->tensors) {
    Status s = (*exec)->bindWeight(name, t.data<float>());
    if (!s.ok())
      return fail(s.message());
  }

  int64_t n = have[0];
  Shape outShape = {n};
  for (size_t i = 1; i < outT.shape.size(); ++i)
    outShape.push_back(outT.shape[i]);
  auto output = Tensor::create(DType::F32, outShape);
  if (!output.ok())
    return fail(output.status().message());
  int64_t inPer = inT.elementsPerSample(), outPer = outT.elementsPerSample();
  for (int64_t start = 0; start < n; start += *chunk) {
    int64_t m = std::min<int64_t>(*chunk, n - start);
    Status s = (*exec)->run(m, {input->data<float>() + start * inPer},
                            {output->data<float>() + start * outPer});
    if (!s.ok())
      return fail(s.message());
  }
  Status s = writeNpy(cl.get("-o"), *output);
  if (!s.ok())
    return fail(s.message());
  return 0;
}

} // namespace kiln
