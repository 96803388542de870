//===- GpuScheduleTest.cpp - Every family compiles for CUDA and OpenCL ----===//
//
// Tests that every kernel family's GPU schedule (kernels/GpuSchedule.cpp)
// AOT-compiles for host-cuda (PTX through LLVM's NVPTX backend) and
// host-opencl (OpenCL C source): no device is needed to compile, and none is
// touched (no JIT: PoCL's LLVM 15 and Halide's LLVM 14 cannot share a
// process). Each family appears in at least one case, with the variants
// that change its Funcs (padding, fused pool, fused pool gradient,
// batch-chunked reductions, Tuple outputs); a family added to KernelFamily
// without a case fails EveryFamilyHasACase. Convolutions are also compiled
// with other register tiles and without the shared input window.
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelCompiler.h"
#include "codegen/Schedule.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

using namespace kiln::codegen;
namespace fs = std::filesystem;

namespace {

std::vector<KernelSpec> everyFamily() {
  std::vector<KernelSpec> specs;
  Conv2DAttrs c;
  c.filters = 32;
  c.activation = Activation::Relu;
  specs.push_back(KernelSpec::conv2d("conv1", 28, 28, 1, c));
  Conv2DAttrs same = c;
  same.padding = Padding::Same;
  same.strideH = same.strideW = 2;
  specs.push_back(KernelSpec::conv2d("conv_same", 13, 13, 32, same));
  KernelSpec fused = KernelSpec::conv2d("conv2_pool", 13, 13, 32, c);
  fused.fusedPool.enabled = true;
  specs.push_back(fused);
  for (KernelFamily f : {KernelFamily::Conv2DBackpropInput,
                         KernelFamily::Conv2DBackpropFilter,
                         KernelFamily::Conv2DBackpropBias})
    specs.push_back(KernelSpec::conv2d(std::string("conv2_") + familyName(f),
                                       13, 13, 32, same, f));
  // Backprop input with the max pool's (and relu's) gradient fused after
  // it (the seed's conv2 -> pool1): the generic schedule.
  KernelSpec bipool = KernelSpec::conv2d("conv2_bi_pool", 13, 13, 32, c,
                                         KernelFamily::Conv2DBackpropInput);
  bipool.fusedPoolGrad.enabled = true;
  bipool.fusedPoolGrad.height = bipool.fusedPoolGrad.width = 26;
  bipool.fusedPoolGrad.pool.reluMask = true;
  specs.push_back(bipool);
  PoolAttrs p;
  specs.push_back(KernelSpec::pool2d("pool", KernelFamily::MaxPool2D, 26, 26,
                                     32, p));
  PoolAttrs ps = p;
  ps.padding = Padding::Same;
  specs.push_back(KernelSpec::pool2d("avg", KernelFamily::AvgPool2D, 11, 11,
                                     64, ps));
  PoolAttrs pm = p;
  pm.reluMask = true;
  specs.push_back(KernelSpec::pool2d("pool_grad", KernelFamily::MaxPool2DGrad,
                                     26, 26, 32, pm));
  DenseAttrs d;
  d.units = 10;
  d.activation = Activation::Softmax;
  specs.push_back(KernelSpec::denseLayer("dense", 1600, d));
  specs.push_back(KernelSpec::unaryOp("relu", {-1, 26, 26, 32}, UnaryFn::Relu));
  // An Adam-like Tuple-valued program: two outputs from three inputs.
  ElementwiseProgram ew;
  int w = ew.input("w"), g = ew.input("g"), lr = ew.input("lr", Broadcast::Scalar);
  int m = ew.op(EwOp::Add, ew.op(EwOp::Mul, g, ew.constant(0.1f)), w);
  ew.output("w_out", ew.op(EwOp::Sub, w, ew.op(EwOp::Mul, lr, m)));
  ew.output("m_out", m);
  specs.push_back(KernelSpec::elementwise("adam", {3, 3, 32, 64}, ew));
  specs.push_back(KernelSpec::reduction("sum", {-1, 10}, ReduceKind::Sum, {0},
                                        false));
  specs.push_back(KernelSpec::reduction("mean_all", {-1, 10}, ReduceKind::Mean,
                                        {}, false));
  specs.push_back(KernelSpec::lastAxis("softmax", {-1, 10}, ReduceKind::Softmax));
  specs.push_back(KernelSpec::lastAxis("sce", {-1, 10},
                                       ReduceKind::SoftmaxCrossEntropy));
  specs.push_back(KernelSpec::lastAxis("sce_grad", {-1, 10},
                                       ReduceKind::SoftmaxCrossEntropyGrad));
  specs.push_back(KernelSpec::lastAxis(
      "sparse_cce", {-1, 10}, ReduceKind::SparseCategoricalCrossentropy,
      DType::Int32));
  specs.push_back(KernelSpec::globalPool2d("gap", 5, 5, 64, false));
  specs.push_back(KernelSpec::matmulOp("dx", -1, 10, 1600, false, true));
  specs.push_back(KernelSpec::matmulOp("dw", 1600, -1, 10, true, false));
  specs.push_back(KernelSpec::concatenate("cat", {{-1, 4, 4, 8}, {-1, 4, 4, 3}},
                                          -1));
  specs.push_back(KernelSpec::zeroPadding2d("pad", 5, 5, 3, {1, 1, 2, 2}));
  specs.push_back(KernelSpec::batchNormStats("bn", {-1, 5, 5, 16}));
  return specs;
}

class GpuCompile : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kiln_gpu_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

} // namespace

TEST(GpuSchedule, EveryFamilyHasACase) {
  std::set<KernelFamily> seen;
  for (const KernelSpec &s : everyFamily())
    seen.insert(s.family);
  for (int f = 0; f <= static_cast<int>(KernelFamily::BatchNormStats); ++f)
    EXPECT_TRUE(seen.count(static_cast<KernelFamily>(f)))
        << familyName(static_cast<KernelFamily>(f)) << " has no GPU case";
}

TEST(GpuSchedule, DefaultsAreGpuOnlyAndRoundTripThroughJson) {
  Halide::Target cpu("x86-64-linux-avx2"), cuda("x86-64-linux-avx2-cuda");
  for (const KernelSpec &s : everyFamily()) {
    Schedule g = defaultScheduleFor(s, cuda);
    EXPECT_GT(g.gpuThreads, 0) << s.name;
    EXPECT_FALSE(g.gpuComputeAt.empty()) << s.name;
    EXPECT_EQ(scheduleFromJson(scheduleToJson(g)), g) << s.name;
    // CPU schedules keep their JSON (and so their cache keys).
    std::string j = scheduleToJson(defaultScheduleFor(s, cpu));
    EXPECT_EQ(j.find("gpu_"), std::string::npos) << j;
  }
}

TEST_P(GpuCompile, EveryFamilyCompilesToAnObject) {
  Halide::Target target(GetParam());
  for (const KernelSpec &s : everyFamily()) {
    for (const char *computeAt : {"thread", "root"}) {
      Schedule sc = defaultScheduleFor(s, target);
      sc.gpuComputeAt = computeAt;
      std::string obj = (dir_ / (kernelSymbol(s) + ".o")).string();
      std::string err =
          compileKernelToObject(s, sc, target, kernelSymbol(s), obj);
      EXPECT_EQ(err, "") << s.name << " (" << computeAt << ") on " << GetParam();
      EXPECT_TRUE(fs::exists(obj)) << s.name;
    }
  }
}

TEST_P(GpuCompile, TwoDimensionalBlocksCompile) {
  Halide::Target target(GetParam());
  for (const KernelSpec &s : everyFamily()) {
    Schedule sc = defaultScheduleFor(s, target);
    sc.gpuTileX = 32;
    sc.gpuThreads = 256;
    std::string obj = (dir_ / (kernelSymbol(s) + "_2d.o")).string();
    EXPECT_EQ(compileKernelToObject(s, sc, target, kernelSymbol(s), obj), "")
        << s.name << " on " << GetParam();
  }
}

TEST_P(GpuCompile, ConvolutionTileVariantsCompile) {
  // Register tiles that do and do not divide the channels, with and
  // without the shared input window, the generic schedule (tile 0).
  Halide::Target target(GetParam());
  for (const KernelSpec &s : everyFamily()) {
    if (s.family != KernelFamily::Conv2D &&
        s.family != KernelFamily::Conv2DBackpropInput)
      continue;
    for (int tile : {0, 3, 8})
      for (const char *shared : {"", "input"}) {
        Schedule sc = defaultScheduleFor(s, target);
        sc.gpuRegisterTile = tile;
        sc.gpuShared = shared;
        sc.gpuTileX = tile == 8 ? 16 : 0;
        std::string obj = (dir_ / (kernelSymbol(s) + "_tile.o")).string();
        EXPECT_EQ(
            compileKernelToObject(s, sc, target, kernelSymbol(s), obj), "")
            << s.name << " tile " << tile << " shared '" << shared << "' on "
            << GetParam();
      }
  }
}

TEST_P(GpuCompile, RuntimeCompiles) {
  std::string obj = (dir_ / "runtime.o").string();
  EXPECT_EQ(compileRuntime(Halide::Target(GetParam()), obj), "");
  EXPECT_TRUE(fs::exists(obj));
}

TEST(GpuSchedule, KernelUsesTheDevice) {
  // The lowered statement of a GPU kernel launches a CUDA kernel.
  KernelSpec s = everyFamily().front();
  fs::path stmt = fs::temp_directory_path() /
                  ("kiln_gpu_stmt_" + std::to_string(getpid()) + ".stmt");
  Halide::Target cuda("x86-64-linux-avx2-cuda");
  ASSERT_EQ(dumpKernelStmt(s, defaultScheduleFor(s, cuda), cuda, stmt.string()),
            "");
  std::ifstream in(stmt);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  fs::remove(stmt);
  EXPECT_NE(text.find("halide_cuda_run"), std::string::npos);
  EXPECT_NE(text.find("__block_id_"), std::string::npos);
}

TEST(GpuSchedule, ConvolutionsStageTheirInputInSharedMemory) {
  // The default GPU schedule of forward and backprop-input convolutions
  // (register tile, shared input window) allocates GPU shared memory.
  Halide::Target cuda("x86-64-linux-avx2-cuda");
  int seen = 0;
  for (const KernelSpec &s : everyFamily()) {
    if ((s.family != KernelFamily::Conv2D &&
         s.family != KernelFamily::Conv2DBackpropInput) ||
        s.fusedPoolGrad.enabled)
      continue;
    Schedule sc = defaultScheduleFor(s, cuda);
    EXPECT_GT(sc.gpuRegisterTile, 1) << s.name;
    EXPECT_EQ(sc.gpuShared, "input") << s.name;
    // Twice: a kernel built again in one process has Halide's "$N" names.
    for (int again = 0; again < 2; ++again) {
      fs::path stmt = fs::temp_directory_path() /
                      ("kiln_gpu_shared_" + std::to_string(getpid()) + ".stmt");
      ASSERT_EQ(dumpKernelStmt(s, sc, cuda, stmt.string()), "") << s.name;
      std::ifstream in(stmt);
      std::string text((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
      fs::remove(stmt);
      EXPECT_NE(text.find("ld.shared"), std::string::npos) // PTX
          << s.name << (again ? " (built again)" : "");
    }
    ++seen;
  }
  EXPECT_EQ(seen, 4);
}

INSTANTIATE_TEST_SUITE_P(Targets, GpuCompile,
                         ::testing::Values("x86-64-linux-avx2-cuda",
                                           "x86-64-linux-avx2-opencl"),
                         [](const auto &info) {
                           return info.param.find("cuda") != std::string::npos
                                      ? std::string("cuda")
                                      : std::string("opencl");
                         });
