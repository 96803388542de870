#!/bin/bash
# GPU targets without a GPU, through kiln compile's executables (never in
# the kiln process: PoCL's LLVM 15 and Halide's LLVM 14 cannot share one).
#   gpu_exe_test.sh STEP KILN SOURCE_DIR WORK_DIR
# cuda:   the seed compiled for host-cuda links without LLVM/Halide and, with
#         no GPU or driver, exits 1 with a message (no core dump).
# opencl: the seed compiled for host-opencl trains on PoCL (600 images, one
#         epoch) to the CPU executable's test loss within 1e-4.
# Exit 77 (ctest: skipped) without MNIST, PoCL, or (cuda) when a GPU answers.
set -u
step=$1 kiln=$2 src=$3 work=$4
data=${KILN_DATA_DIR:-$HOME/.cache/kiln/data}/mnist
mkdir -p "$work" && cd "$work" || exit 1
die() { echo "FAIL: $*" >&2; exit 1; }
seed=$src/examples/mnist_convnet.py
case $step in
cuda)
  "$kiln" compile "$seed" -o mnist_cuda --target host-cuda 2> compile.txt || die "compile: $(cat compile.txt)"
  if ldd mnist_cuda | grep -Ei 'llvm|mlir|halide|libcuda'; then die "links LLVM, Halide or libcuda"; fi
  ulimit -c 0
  ./mnist_cuda train --limit 64 --epochs 1 > out.txt 2> err.txt
  rc=$?
  if [ $rc -eq 0 ]; then echo "SKIPPED: a CUDA device answered"; exit 77; fi
  [ $rc -eq 1 ] || die "exit status $rc, expected 1: $(cat err.txt)"
  grep -q "^error: no CUDA device or driver was found" err.txt || die "message: $(cat err.txt)"
  echo "ok: $(cat err.txt)"
  ;;
opencl)
  if [ ! -f "$data/train-images-idx3-ubyte" ] && [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
    echo "SKIPPED: MNIST not found in $data"; exit 77; fi
  if ! ls /etc/OpenCL/vendors/*.icd > /dev/null 2>&1; then
    echo "SKIPPED: no OpenCL platform (scripts/setup installs PoCL)"; exit 77; fi
  "$kiln" compile "$seed" -o mnist_ocl --target host-opencl 2> c1.txt || die "compile opencl: $(cat c1.txt)"
  "$kiln" compile "$seed" -o mnist_cpu 2> c2.txt || die "compile host: $(cat c2.txt)"
  args=(train --limit 600 --epochs 1)
  ./mnist_ocl "${args[@]}" > ocl.txt 2>&1 || die "opencl train: $(cat ocl.txt)"
  ./mnist_cpu "${args[@]}" > cpu.txt 2>&1 || die "cpu train: $(cat cpu.txt)"
  grep '^Test' ocl.txt
  a=$(sed -n 's/^Test loss: //p' ocl.txt) b=$(sed -n 's/^Test loss: //p' cpu.txt)
  [ -n "$a" ] && [ -n "$b" ] || die "no Test loss line"
  python3 -c "import sys; a, b = $a, $b; sys.exit(0 if abs(a - b) <= 1e-4 * max(1, abs(b)) else 1)" \
    || die "OpenCL test loss $a differs from the CPU's $b"
  echo "ok: OpenCL test loss $a, CPU $b"
  ;;
*) die "unknown step $step" ;;
esac
