/*===- Embedded.h - What `kiln compile` embeds in an executable ---*- C -*-===//
 *
 * The one data structure a generated model source defines: the plans (train,
 * eval, forward) as JSON, the weights manifest, the `kiln summary` text, the
 * compile/fit defaults and the table {kernel symbol -> its _argv entry}. The
 * runtime (runtime/exe/) reads it; nothing else of the compiler reaches the
 * executable. Plain C, so a generated source needs no C++ headers.
 *
 * weights_manifest: [{"name": "conv2d/kernel", "shape": [3, 3, 1, 32],
 *                     "initializer": {"class_name": ..., "config": {...}},
 *                     "trainable": true, "optimizer_state": false}, ...]
 * weights, weights_size: the model's own trained weights as a safetensors
 *   image (kiln compile of a .keras/.h5 model), or null and 0: then the
 *   initial weights come from the manifest's initializers.
 * defaults: {"model": "sequential", "batch_size": 128, "epochs": 15,
 *            "validation_split": 0.1, "dataset": "mnist", "seed": 0,
 *            "has_dropout": true,
 *            "target": "x86-64-linux-avx2-...", "kiln_version": "0.1.0"}
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_RUNTIME_EXE_EMBEDDED_H
#define KILN_RUNTIME_EXE_EMBEDDED_H

#ifdef __cplusplus
extern "C" {
#endif

/** Halide's argv-style entry of an AOT kernel. */
typedef int (*kiln_kernel_entry)(void **);

/** One compiled kernel: its symbol (without _argv) and its entry. */
struct kiln_kernel_row {
  const char *symbol;
  kiln_kernel_entry entry;
};

/** Bump when the layout below changes. */
#define KILN_EMBEDDED_ABI 2

struct kiln_embedded_model {
  int abi;                  /**< KILN_EMBEDDED_ABI */
  const char *train_plan;   /**< runtime::Plan JSON of @train_step */
  const char *eval_plan;    /**< runtime::Plan JSON of @eval_step */
  const char *forward_plan; /**< runtime::Plan JSON of @forward */
  const char *weights_manifest;
  const char *summary;      /**< `kiln summary` text ("" for nn IR input) */
  const char *defaults;
  const struct kiln_kernel_row *kernels;
  int num_kernels;
  const unsigned char *weights; /**< safetensors image, or null */
  unsigned long weights_size;
};

/** Defined by the generated source of `kiln compile`. */
extern const struct kiln_embedded_model kiln_embedded_model;

/** The executable's command line (runtime/exe/ExeMain.cpp). */
int kiln_exe_main(const struct kiln_embedded_model *model, int argc,
                  char **argv);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_EXE_EMBEDDED_H */
