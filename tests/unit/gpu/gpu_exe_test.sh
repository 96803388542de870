#!/bin/bash
# GPU targets without a GPU, through kiln compile's executables (never in
# the kiln process: PoCL's LLVM 15 and Halide's LLVM 14 cannot share one).
#   gpu_exe_test.sh STEP KILN SOURCE_DIR WORK_DIR
# cuda:   the seed compiled for host-cuda links without LLVM/Halide and, with
#         no GPU or driver, exits 1 with a message (no core dump).
# opencl: the seed compiled for host-opencl trains on PoCL (600 images, one
#         epoch) to the CPU executable's test loss within 1e-4.
# train_opencl: kiln train --target host-opencl (compiles a cached
#         executable and runs it) reaches kiln train's (CPU) test loss within
#         1e-4, also for a strided "same"-padded variant of the seed; kiln
#         run and kiln evaluate --target host-opencl give what they give on
#         the CPU.
# tune_opencl: kiln tune --target host-opencl times candidates (default,
#         convolution tiles, Li2018) in compiled executables on PoCL.
# run_cuda: kiln run / train / tune --target host-cuda without a GPU exit 1
#         with a message (no core dump); a junk target too.
# Exit 77 (ctest: skipped) without MNIST, PoCL, or (cuda) when a GPU answers.
set -u
step=$1 kiln=$2 src=$3 work=$4
data=${KILN_DATA_DIR:-$HOME/.cache/kiln/data}/mnist
mkdir -p "$work" && cd "$work" || exit 1
die() { echo "FAIL: $*" >&2; exit 1; }
# Skips say what they need in one form, which scripts/test counts:
# "SKIPPED (needs X): why". Only a GPU's presence or absence is a real
# absence; the rest is scripts/setup's job.
need_mnist() {
  if [ ! -f "$data/train-images-idx3-ubyte" ] && [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
    echo "SKIPPED (needs MNIST): MNIST not found in $data (run scripts/fetch-mnist)"; exit 77; fi
}
need_opencl() {
  if ! ls /etc/OpenCL/vendors/*.icd > /dev/null 2>&1; then
    echo "SKIPPED (needs PoCL): no OpenCL platform (scripts/setup installs pocl-opencl-icd)"; exit 77; fi
}
seed=$src/examples/mnist_convnet.py
case $step in
cuda)
  need_mnist
  "$kiln" compile "$seed" -o mnist_cuda --target host-cuda 2> compile.txt || die "compile: $(cat compile.txt)"
  if ldd mnist_cuda | grep -Ei 'llvm|mlir|halide|libcuda'; then die "links LLVM, Halide or libcuda"; fi
  ulimit -c 0
  ./mnist_cuda train --limit 64 --epochs 1 > out.txt 2> err.txt
  rc=$?
  if [ $rc -eq 0 ]; then echo "SKIPPED (needs no GPU): a CUDA device answered"; exit 77; fi
  [ $rc -eq 1 ] || die "exit status $rc, expected 1: $(cat err.txt)"
  grep -q "^error: no CUDA device or driver was found" err.txt || die "message: $(cat err.txt)"
  echo "ok: $(cat err.txt)"
  ;;
opencl)
  need_mnist
  need_opencl
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
train_opencl)
  need_mnist
  need_opencl
  args=(train "$seed" --limit 600 --epochs 1)
  "$kiln" "${args[@]}" --target host-opencl > ocl.txt 2> ocl-err.txt || die "opencl train: $(cat ocl.txt ocl-err.txt)"
  grep -q '^running: .*/exe/.* train ' ocl-err.txt || die "no 'running:' line: $(cat ocl-err.txt)"
  "$kiln" "${args[@]}" > cpu.txt 2>&1 || die "cpu train: $(cat cpu.txt)"
  grep '^Test' ocl.txt
  a=$(sed -n 's/^Test loss: //p' ocl.txt) b=$(sed -n 's/^Test loss: //p' cpu.txt)
  [ -n "$a" ] && [ -n "$b" ] || die "no Test loss line"
  python3 -c "import sys; a, b = $a, $b; sys.exit(0 if abs(a - b) <= 1e-4 * max(1, abs(b)) else 1)" \
    || die "kiln train --target host-opencl test loss $a differs from kiln train's $b"
  # Strided and "same" convolutions (padding in the shared window, dilated
  # gradients, register tiles of 16 and 24 channels, 14-pixel rows).
  sed -e 's/layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),/layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),/' \
      -e 's/layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),/layers.Conv2D(24, 3, padding="same", activation="relu"),/' \
      -e 's/layers.MaxPooling2D(pool_size=(2, 2)),//' "$seed" > strided.py
  grep -q 'strides=2, padding="same"' strided.py || die "could not derive strided.py"
  sargs=(train strided.py --limit 300 --epochs 1)
  "$kiln" "${sargs[@]}" --target host-opencl > socl.txt 2>&1 || die "opencl train (strided): $(cat socl.txt)"
  "$kiln" "${sargs[@]}" > scpu.txt 2>&1 || die "cpu train (strided): $(cat scpu.txt)"
  sa=$(sed -n 's/^Test loss: //p' socl.txt) sb=$(sed -n 's/^Test loss: //p' scpu.txt)
  [ -n "$sa" ] && [ -n "$sb" ] || die "no Test loss line (strided)"
  python3 -c "import sys; a, b = $sa, $sb; sys.exit(0 if abs(a - b) <= 1e-4 * max(1, abs(b)) else 1)" \
    || die "strided model: OpenCL test loss $sa differs from the CPU's $sb"
  echo "strided model: OpenCL test loss $sa, CPU $sb"
  # A second run finds the executable in the cache.
  "$kiln" train "$seed" --limit 64 --epochs 1 --target host-opencl > /dev/null 2> again.txt
  grep -q '(cached)' again.txt || die "the executable was not cached: $(cat again.txt)"
  # Inference: kiln run on both targets, same outputs.
  "$kiln" init "$seed" -o w.safetensors --seed 3 2> /dev/null || die "init"
  python3 - <<'PY' || die "writing x.npy"
import random, struct
random.seed(1)
n = 37
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 28, 28, 1), }" % n
hdr += ' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + '\n'
vals = [random.random() for _ in range(n * 28 * 28)]
open('x.npy', 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode()
                          + struct.pack('<%df' % len(vals), *vals))
PY
  "$kiln" run "$seed" --weights w.safetensors --input x.npy -o y_ocl.npy --target host-opencl 2> run.txt \
    || die "opencl run: $(cat run.txt)"
  "$kiln" run "$seed" --weights w.safetensors --input x.npy -o y_cpu.npy 2> run.txt || die "cpu run: $(cat run.txt)"
  python3 - <<'PY' || die "kiln run --target host-opencl differs from kiln run"
import struct
def load(p):
    b = open(p, 'rb').read()
    h = struct.unpack('<H', b[8:10])[0]
    d = b[10 + h:]
    return struct.unpack('<%df' % (len(d) // 4), d)
a, b = load('y_ocl.npy'), load('y_cpu.npy')
assert len(a) == len(b) == 370, (len(a), len(b))
m = max(abs(x - y) for x, y in zip(a, b))
print("predict: max |opencl - cpu| = %.3g" % m)
raise SystemExit(0 if m <= 1e-4 else 1)
PY
  # kiln evaluate: the same score on both targets.
  "$kiln" evaluate "$seed" --weights w.safetensors --limit 300 --target host-opencl > e_ocl.txt 2> e.txt \
    || die "opencl evaluate: $(cat e.txt)"
  "$kiln" evaluate "$seed" --weights w.safetensors --limit 300 > e_cpu.txt 2> e.txt || die "cpu evaluate: $(cat e.txt)"
  ea=$(sed -n 's/^Test loss: //p' e_ocl.txt) eb=$(sed -n 's/^Test loss: //p' e_cpu.txt)
  python3 -c "import sys; a, b = $ea, $eb; sys.exit(0 if abs(a - b) <= 1e-4 * max(1, abs(b)) else 1)" \
    || die "kiln evaluate --target host-opencl loss $ea differs from the CPU's $eb"
  echo "evaluate: OpenCL $ea, CPU $eb"
  echo "ok: kiln train --target host-opencl test loss $a, CPU $b"
  ;;
run_cuda)
  ulimit -c 0
  "$kiln" init "$seed" -o w.safetensors 2> /dev/null || die "init"
  python3 -c "
import struct
hdr = \"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 28, 28, 1), }\"
hdr += ' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + '\n'
open('x.npy', 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode() + bytes(4 * 2 * 28 * 28))
" || die "writing x.npy"
  check() { # check NAME COMMAND...: exit 1 with an error line mentioning CUDA
    local name=$1; shift
    "$@" > out.txt 2> err.txt
    local rc=$?
    if [ $rc -eq 0 ]; then echo "SKIPPED (needs no GPU): a CUDA device answered ($name)"; exit 77; fi
    [ $rc -eq 1 ] || die "$name: exit status $rc, expected 1: $(cat err.txt)"
    grep -q "^error: .*CUDA device or driver was found" err.txt || die "$name: message: $(cat err.txt)"
    echo "ok ($name): $(grep '^error' err.txt)"
  }
  check run "$kiln" run "$seed" --weights w.safetensors --input x.npy -o y.npy --target host-cuda
  check train "$kiln" train "$seed" --limit 64 --epochs 1 --target host-cuda
  check tune "$kiln" tune "$seed" --budget 1s --target host-cuda
  "$kiln" train "$seed" --target no-such-target > out.txt 2> err.txt
  [ $? -eq 1 ] && grep -q '^error: .*no-such-target' err.txt || die "junk target: $(cat err.txt)"
  echo "ok (junk target): $(cat err.txt)"
  ;;
tune_opencl)
  need_mnist
  need_opencl
  # Two candidates at least (the default, then one tile), timed in child
  # executables; the database gets the winner only if it beat the default.
  "$kiln" tune "$seed" --target host-opencl --budget 30s --batch-size 32 --db db.json > out.txt 2> err.txt \
    || die "kiln tune --target host-opencl: $(cat out.txt err.txt)"
  cat out.txt
  grep -Eq '^  default +[0-9.]+ ms/step' out.txt || die "no timed default: $(cat out.txt)"
  [ "$(grep -Ec '^  .* ms/step' out.txt)" -ge 2 ] || die "fewer than two candidates timed"
  if grep -q '^wrote' out.txt; then
    "$kiln" compile "$seed" --target host-opencl --schedules db.json -o tuned 2> c.txt \
      || die "compile with the tuned database: $(cat c.txt)"
  fi
  echo "ok: kiln tune --target host-opencl"
  ;;
*) die "unknown step $step" ;;
esac
