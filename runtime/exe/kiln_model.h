/*===- kiln_model.h - The C API of a model compiled by kiln -------*- C -*-===//
 *
 * `kiln compile MODEL --emit static-lib -o libNAME.a` writes libNAME.a and
 * this header as NAME.h. The library holds the model's kernels, its plans
 * and the kiln runtime; link it with a C++ driver and zlib:
 *
 *     cc -c app.c && c++ app.o libNAME.a -lz -lpthread -ldl -o app
 *
 * Typical use:
 *
 *     kiln_model *m = kiln_model_create(0);          // initial weights, seed 0
 *     if (!m) { fprintf(stderr, "%s\n", kiln_model_last_error(NULL)); ... }
 *     kiln_model_train_step(m, x, labels, n, &loss, &accuracy);  // one update
 *     kiln_model_predict(m, x, n, probabilities);   // n * output_size floats
 *     kiln_model_save(m, "w.safetensors");          // kiln's weights format
 *     kiln_model_destroy(m);
 *
 * Inputs are float32, C order, n samples of kiln_model_input_size() floats
 * (images already scaled as the model expects, e.g. to [0, 1]). Functions
 * returning int give 0 on success and 1 on failure, with the reason in
 * kiln_model_last_error(m). A model is not thread-safe; one process holds
 * one compiled model (the library defines one kiln_embedded_model).
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_MODEL_H
#define KILN_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_model kiln_model;

/** A model with initial weights drawn by its Keras initializers under
 *  `seed` (the values `kiln init --seed` writes), a fresh optimizer and step
 *  0; `seed` also keys the dropout masks of its training steps (as
 *  `kiln train --seed`). NULL on failure: see kiln_model_last_error(NULL). */
kiln_model *kiln_model_create(uint64_t seed);

/** Replaces the weights with a safetensors file (as `kiln train --save`
 *  writes); the optimizer restarts from zero state and step 0. */
int kiln_model_load_weights(kiln_model *m, const char *path);

/** One optimizer update on n samples with integer class labels (dropout on).
 *  `loss` and `accuracy` (either may be NULL) get the batch's mean loss and
 *  accuracy before the update, as Keras reports them. */
int kiln_model_train_step(kiln_model *m, const float *x, const int32_t *labels,
                          int64_t n, float *loss, float *accuracy);

/** The model's outputs (dropout off) for n samples: n * output_size floats. */
int kiln_model_predict(kiln_model *m, const float *x, int64_t n, float *y);

/** Writes the model's weights (no optimizer state) to a safetensors file,
 *  atomically. */
int kiln_model_save(kiln_model *m, const char *path);

/** Frees the model. NULL is allowed. */
void kiln_model_destroy(kiln_model *m);

/** Floats per input sample (28*28*1 for MNIST), per output sample, and the
 *  number of classes. */
int64_t kiln_model_input_size(const kiln_model *m);
int64_t kiln_model_output_size(const kiln_model *m);
int64_t kiln_model_num_classes(const kiln_model *m);

/** The last failure's message for `m`, or of kiln_model_create for NULL;
 *  "" if none. Valid until the next call on `m`. */
const char *kiln_model_last_error(const kiln_model *m);

#ifdef __cplusplus
}
#endif

#endif /* KILN_MODEL_H */
