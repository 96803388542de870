//===- KernelCompilerTest.cpp - Specs, schedules, boundary and AOT --------===//
//
// Tests the parts around the kernels: Keras window arithmetic, the kernel
// boundary's argument order, the Schedule JSON form, shape checking at the
// boundary, and AOT output (NoRuntime objects, static library, runtime).
//
//===----------------------------------------------------------------------===//
#include "KernelTestUtil.h"

#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln::codegen::test {
namespace {

namespace fs = std::filesystem;

TEST(KernelSpec, KerasWindowArithmetic) {
  WindowDim v = windowDim(28, 3, 1, 1, Padding::Valid);
  EXPECT_EQ(v.out, 26);
  EXPECT_EQ(v.padBefore, 0);
  WindowDim s = windowDim(7, 3, 2, 1, Padding::Same); // total 2
  EXPECT_EQ(s.out, 4);
  EXPECT_EQ(s.padBefore, 1);
  WindowDim e = windowDim(8, 4, 2, 1, Padding::Same); // total 2
  EXPECT_EQ(e.out, 4);
  EXPECT_EQ(e.padBefore, 1);
  WindowDim d = windowDim(9, 3, 1, 2, Padding::Same); // span 5, total 4
  EXPECT_EQ(d.out, 9);
  EXPECT_EQ(d.padBefore, 2);
  WindowDim odd = windowDim(6, 2, 2, 1, Padding::Same); // total 0
  EXPECT_EQ(odd.padBefore, 0);
  WindowDim odd2 = windowDim(5, 2, 1, 1, Padding::Same); // total 1 -> 0 before
  EXPECT_EQ(odd2.out, 5);
  EXPECT_EQ(odd2.padBefore, 0);
}

TEST(KernelSpec, BoundaryOrderIsInputsWeightsOutputs) {
  Conv2DAttrs a = convAttrs(3, 64, 1, Padding::Valid);
  KernelSpec s = KernelSpec::conv2d("conv2", 13, 13, 32, a);
  std::vector<TensorArg> args = kernelArguments(s);
  ASSERT_EQ(args.size(), 4u);
  EXPECT_EQ(args[0].name, "input");
  EXPECT_EQ(args[1].shape, (std::vector<int>{3, 3, 32, 64}));
  EXPECT_EQ(args[2].name, "bias");
  EXPECT_EQ(args[3].shape, (std::vector<int>{-1, 11, 11, 64}));
  EXPECT_TRUE(args[3].isOutput);
  EXPECT_EQ(kernelSymbol(s),
            "kiln_conv2d_in13x13x32_k3x3x64_s1x1_d1x1_valid_bias_none");
}

TEST(Schedule, JsonRoundTrip) {
  Schedule s;
  s.tileChannels = 3;
  s.tileX = 7;
  s.parallel = "ny";
  s.rfactor = false;
  s.storeAt = "root";
  std::string text = scheduleToJson(s);
  EXPECT_EQ(scheduleFromJson(text), s);
  EXPECT_NE(text.find("\"tile_x\":7"), std::string::npos);
  EXPECT_EQ(scheduleFromJson("{}"), Schedule());
  EXPECT_THROW(scheduleFromJson("{\"tile_x\": \"wide\"}"),
               nlohmann::json::exception);
}

TEST(KernelCompiler, WrongShapeIsAnErrorNotACrash) {
  KernelSpec s = KernelSpec::pool2d("pool", KernelFamily::MaxPool2D, 6, 6, 4,
                                    poolAttrs(2, 2, Padding::Valid));
  JitKernel k(s, defaultSchedule(s));
  Halide::Buffer<float> in(5, 6, 6, 2), out(4, 3, 3, 2); // 5 channels, not 4
  in.fill(0.f);
  std::vector<Halide::Buffer<float>> bufs = {in, out};
  EXPECT_NE(k.run(bufs), 0);
  EXPECT_NE(k.lastError().find("pool_input"), std::string::npos) << k.lastError();
  // A host pointer off the 64-byte boundary is an error too.
  Halide::Buffer<float> big(4 * 6 * 6 * 2 + 1);
  Halide::Buffer<float> shaped(4, 6, 6, 2);
  halide_buffer_t raw = *shaped.raw_buffer();
  raw.host = reinterpret_cast<uint8_t *>(big.data() + 1);
  EXPECT_NE(k.run({&raw, out.raw_buffer()}), 0);
  EXPECT_NE(k.lastError().find("align"), std::string::npos) << k.lastError();
}

TEST(KernelCompiler, AotObjectsLibraryAndRuntime) {
  fs::path dir = fs::temp_directory_path() /
                 ("kiln_codegen_aot_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Halide::Target t = Halide::get_host_target();
  KernelSpec s = KernelSpec::conv2d(
      "conv1", 28, 28, 1, convAttrs(3, 32, 1, Padding::Valid, 1, true,
                                    Activation::Relu));
  std::string sym = kernelSymbol(s);
  fs::path obj = dir / (sym + ".o");
  EXPECT_EQ(compileKernelToObject(s, defaultScheduleFor(s, t), t, sym,
                                  obj.string()),
            "");
  EXPECT_GT(fs::file_size(obj), 0u);
  EXPECT_EQ(compileKernelToStaticLibrary(s, defaultScheduleFor(s, t), t, sym,
                                         (dir / sym).string()),
            "");
  std::ifstream header(dir / (sym + ".h"));
  std::stringstream text;
  text << header.rdbuf();
  // The boundary: inputs, weights, bias, then the output.
  EXPECT_NE(text.str().find("int " + sym + "(struct halide_buffer_t *_conv1_input_buffer, "
                                "struct halide_buffer_t *_conv1_kernel_buffer, "
                                "struct halide_buffer_t *_conv1_bias_buffer, "
                                "struct halide_buffer_t *_conv1"),
            std::string::npos)
      << text.str();
  fs::path rt = dir / "halide_runtime.o";
  EXPECT_EQ(compileRuntime(t, rt.string()), "");
  EXPECT_GT(fs::file_size(rt), fs::file_size(obj));
  fs::remove_all(dir);
}

/// The AOT path's boundary is the JIT path's: an object compiled with
/// NoRuntime plus the standalone runtime, linked into a shared library and
/// called through dlsym on the same buffers, gives the JIT kernel's result.
TEST(KernelCompiler, AotSharedLibraryMatchesJit) {
  fs::path dir = fs::temp_directory_path() /
                 ("kiln_codegen_so_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Halide::Target t = Halide::get_host_target();
  KernelSpec s = KernelSpec::conv2d("conv", 7, 9, 5,
                                    convAttrs(3, 19, 2, Padding::Same, 1, true,
                                              Activation::Relu));
  std::string sym = kernelSymbol(s);
  Schedule sc = defaultScheduleFor(s, t);
  ASSERT_EQ(compileKernelToObject(s, sc, t, sym, (dir / "k.o").string()), "");
  ASSERT_EQ(compileRuntime(t, (dir / "rt.o").string()), "");
  std::string link = "c++ -shared -Wl,-Bsymbolic -o " + (dir / "k.so").string() +
                     " " + (dir / "k.o").string() + " " +
                     (dir / "rt.o").string() + " -lpthread -ldl";
  ASSERT_EQ(std::system(link.c_str()), 0) << link;
  void *lib = dlopen((dir / "k.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  using KernelFn = int (*)(halide_buffer_t *, halide_buffer_t *,
                           halide_buffer_t *, halide_buffer_t *);
  auto fn = reinterpret_cast<KernelFn>(dlsym(lib, sym.c_str()));
  ASSERT_NE(fn, nullptr);

  const int batch = 3;
  std::vector<Tensor> in = randomInputs(s, batch);
  std::vector<TensorArg> args = kernelArguments(s);
  std::vector<Halide::Buffer<float>> bufs;
  for (size_t i = 0; i < args.size(); ++i)
    bufs.push_back(toBuffer(i < in.size() ? in[i]
                                          : Tensor(numElements(args[i].shape, batch)),
                            args[i].shape, batch));
  EXPECT_EQ(fn(bufs[0].raw_buffer(), bufs[1].raw_buffer(), bufs[2].raw_buffer(),
               bufs[3].raw_buffer()),
            0);
  Tensor aot(bufs[3].data(), bufs[3].data() + bufs[3].number_of_elements());
  Tensor jit = runKernel(s, batch, in, &sc)[0];
  EXPECT_EQ(aot, jit); // same schedule, same target features: bitwise equal
  dlclose(lib);
  fs::remove_all(dir);
}

} // namespace
} // namespace kiln::codegen::test
