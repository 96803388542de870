/* embed_mnist.c - a C program that trains and runs a model compiled by kiln.
 *
 *   kiln compile examples/mnist_convnet.py --emit static-lib -o libmnist.a
 *   cc -I. -c examples/embed/embed_mnist.c -o embed.o
 *   c++ embed.o libmnist.a -lz -lpthread -ldl -o embed
 *   ./embed ~/.cache/kiln/data/mnist weights.safetensors
 *
 * It reads 2,000 MNIST training images and 1,000 test images (the raw IDX
 * files scripts/fetch-mnist writes), trains two passes in batches of 64
 * through the C API (mnist.h), prints the test accuracy before and after,
 * and saves the weights, which `mnist_trainer evaluate --weights` reads. */
#include "mnist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kTrain = 2000, kTest = 1000, kBatch = 64, kPixels = 28 * 28 };

/* Reads `count` items of `size` bytes after a `skip`-byte IDX header. */
static unsigned char *readIdx(const char *dir, const char *name, long skip,
                              long count, long size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  unsigned char *data = malloc((size_t)(count * size));
  if (!f || !data || fseek(f, skip, SEEK_SET) != 0 ||
      fread(data, (size_t)size, (size_t)count, f) != (size_t)count) {
    fprintf(stderr, "error: cannot read %s\n", path);
    exit(1);
  }
  fclose(f);
  return data;
}

static float *toFloats(const unsigned char *pixels, long n) {
  float *x = malloc(sizeof(float) * (size_t)n);
  for (long i = 0; i < n; ++i)
    x[i] = pixels[i] / 255.0f;
  return x;
}

static int32_t *toLabels(const unsigned char *bytes, long n) {
  int32_t *y = malloc(sizeof(int32_t) * (size_t)n);
  for (long i = 0; i < n; ++i)
    y[i] = bytes[i];
  return y;
}

static double accuracy(kiln_model *m, const float *x, const int32_t *y, long n) {
  int64_t classes = kiln_model_output_size(m);
  float *p = malloc(sizeof(float) * (size_t)(n * classes));
  if (kiln_model_predict(m, x, n, p) != 0) {
    fprintf(stderr, "error: %s\n", kiln_model_last_error(m));
    exit(1);
  }
  long correct = 0;
  for (long i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t c = 1; c < classes; ++c)
      if (p[i * classes + c] > p[i * classes + best])
        best = c;
    correct += best == y[i];
  }
  free(p);
  return (double)correct / (double)n;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MNIST_DIR OUT.safetensors\n", argv[0]);
    return 1;
  }
  unsigned char *trainPixels = readIdx(argv[1], "train-images-idx3-ubyte", 16, kTrain, kPixels);
  unsigned char *trainBytes = readIdx(argv[1], "train-labels-idx1-ubyte", 8, kTrain, 1);
  unsigned char *testPixels = readIdx(argv[1], "t10k-images-idx3-ubyte", 16, kTest, kPixels);
  unsigned char *testBytes = readIdx(argv[1], "t10k-labels-idx1-ubyte", 8, kTest, 1);
  float *xTrain = toFloats(trainPixels, (long)kTrain * kPixels);
  float *xTest = toFloats(testPixels, (long)kTest * kPixels);
  int32_t *yTrain = toLabels(trainBytes, kTrain), *yTest = toLabels(testBytes, kTest);

  kiln_model *m = kiln_model_create(0);
  if (!m) {
    fprintf(stderr, "error: %s\n", kiln_model_last_error(NULL));
    return 1;
  }
  if (kiln_model_input_size(m) != kPixels) {
    fprintf(stderr, "error: the model takes %lld floats per sample, not %d\n",
            (long long)kiln_model_input_size(m), kPixels);
    return 1;
  }
  printf("accuracy before training: %.4f\n", accuracy(m, xTest, yTest, kTest));
  for (int pass = 0; pass < 2; ++pass) {
    double lossSum = 0;
    int steps = 0;
    for (long first = 0; first < kTrain; first += kBatch, ++steps) {
      long n = kTrain - first < kBatch ? kTrain - first : kBatch;
      float loss = 0, acc = 0;
      if (kiln_model_train_step(m, xTrain + first * kPixels, yTrain + first, n,
                                &loss, &acc) != 0) {
        fprintf(stderr, "error: %s\n", kiln_model_last_error(m));
        return 1;
      }
      lossSum += loss;
    }
    printf("pass %d: mean loss %.4f over %d steps\n", pass + 1, lossSum / steps, steps);
  }
  printf("accuracy after training: %.4f\n", accuracy(m, xTest, yTest, kTest));
  if (kiln_model_save(m, argv[2]) != 0) {
    fprintf(stderr, "error: %s\n", kiln_model_last_error(m));
    return 1;
  }
  kiln_model_destroy(m);
  free(trainPixels); free(trainBytes); free(testPixels); free(testBytes);
  free(xTrain); free(xTest); free(yTrain); free(yTest);
  return 0;
}
