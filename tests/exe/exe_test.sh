#!/bin/bash
# Tests of `kiln compile` and the executables it makes, one step per ctest
# test (see CMakeLists.txt), sharing a work folder: compile the seed, run
# its summary, train, predict, kill-and-resume, a refused checkpoint, the
# static library and its embedding example, and the ldd check.
#   exe_test.sh STEP KILN SOURCE_DIR WORK_DIR
# Exit 77 (ctest: skipped) when MNIST is not fetched.
set -u
step=$1 kiln=$2 src=$3 work=$4
exe=$work/mnist_trainer
data=${KILN_DATA_DIR:-$HOME/.cache/kiln/data}/mnist
mkdir -p "$work"
cd "$work" || exit 1

die() { echo "FAIL: $*" >&2; exit 1; }
need_mnist() {
  if [ ! -f "$data/train-images-idx3-ubyte" ] && [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
    echo "SKIPPED (needs MNIST): MNIST not found in $data (run scripts/fetch-mnist)"
    exit 77
  fi
}
# expect_fail WHAT PATTERN CMD...: CMD exits 1 with PATTERN on stderr.
expect_fail() {
  local what=$1 pattern=$2; shift 2
  "$@" > out.txt 2> err.txt
  local rc=$?
  [ $rc -eq 1 ] || die "$what: exit status $rc, expected 1"
  grep -q -- "$pattern" err.txt || die "$what: stderr lacks '$pattern': $(cat err.txt)"
  echo "ok: $what: $(head -1 err.txt)"
}
# make_npy PATH N [C]: a float32 .npy of N random samples of 28x28xC (C = 1
# by default; stdlib Python only).
make_npy() {
  python3 - "$1" "$2" "${3:-1}" <<'PY'
import random, struct, sys
path, n, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(1)
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 28, 28, %d), }" % (n, c)
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<%df" % (n * 784 * c), *[random.random() for _ in range(n * 784 * c)]))
PY
}

case $step in
compile)
  rm -f "$exe"
  "$kiln" compile "$src/examples/mnist_convnet.py" -o "$exe" --stats --dump-ir ir > stats.txt 2> compile.txt \
    || die "kiln compile: $(cat compile.txt)"
  cat stats.txt
  [ -x "$exe" ] || die "no executable"
  for key in "kernels:" "arena bytes:" "weight bytes:" "FLOPs per train step:"; do
    grep -q "$key" stats.txt || die "--stats lacks '$key'"
  done
  [ -f ir/index.txt ] || die "no ir/index.txt"
  while read -r f; do
    case $f in '#'*) continue;; esac
    [ -s "ir/$f" ] || die "index lists $f, which is missing or empty"
  done < ir/index.txt
  grep -q 'nn-build-train-step' ir/index.txt || die "no IR after nn-build-train-step"
  grep -q '\.stmt$' ir/index.txt && grep -q '\.s$' ir/index.txt || die "no .stmt or .s"
  "$exe" --help | grep -q "train" || die "--help"
  expect_fail "unknown command" "unknown command" "$exe" frobnicate
  expect_fail "unknown option" "unknown option" "$exe" train --frobnicate 1
  expect_fail "missing --schedules file" "db-missing.json\|not available yet" "$kiln" compile "$src/examples/mnist_convnet.py" -o x --schedules db-missing.json
  ;;
ldd)
  ldd "$exe" > ldd.txt || die "ldd failed"
  cat ldd.txt
  if grep -Ei 'llvm|mlir|halide' ldd.txt; then die "the executable needs LLVM, MLIR or Halide"; fi
  ;;
summary)
  "$exe" summary > exe-summary.txt || die "EXE summary"
  COLUMNS=80 "$kiln" summary "$src/examples/mnist_convnet.py" > kiln-summary.txt
  cmp exe-summary.txt kiln-summary.txt || die "EXE summary differs from kiln summary"
  grep -q "Total params: 34,826" exe-summary.txt || die "summary"
  ;;
train)
  need_mnist
  "$exe" train --limit 600 --epochs 1 --save w.safetensors > train.txt 2>&1 || die "EXE train: $(cat train.txt)"
  cat train.txt
  grep -q "^Test accuracy: " train.txt || die "no Test accuracy line"
  grep -q "^Test loss: " train.txt || die "no Test loss line"
  "$exe" evaluate --weights w.safetensors --limit 600 > eval.txt || die "EXE evaluate"
  grep -q "^Test accuracy: " eval.txt || die "evaluate prints no Test accuracy"
  # The same run through kiln train: the same lines, bitwise the same weights.
  "$kiln" train "$src/examples/mnist_convnet.py" --limit 600 --epochs 1 --save kw.safetensors > ktrain.txt 2>&1 \
    || die "kiln train: $(cat ktrain.txt)"
  diff <(grep '^Test' train.txt) <(grep '^Test' ktrain.txt) \
    || die "EXE train and kiln train print different test scores"
  cmp w.safetensors kw.safetensors || die "EXE train and kiln train end with different weights"
  # --seed keys the dropout masks at run time in both: another seed gives
  # another run; the same seed, the same run in both. Weights from one file,
  # without shuffling, so that only the dropout masks differ between seeds.
  args=(--limit 600 --epochs 1 --weights w.safetensors --no-shuffle)
  "$exe" train "${args[@]}" --seed 5 --save s5.safetensors > s5.txt 2>&1 || die "EXE train --seed 5: $(cat s5.txt)"
  "$kiln" train "$src/examples/mnist_convnet.py" "${args[@]}" --seed 5 --save ks5.safetensors > ks5.txt 2>&1 \
    || die "kiln train --seed 5: $(cat ks5.txt)"
  "$exe" train "${args[@]}" --seed 6 --save s6.safetensors > s6.txt 2>&1 || die "EXE train --seed 6: $(cat s6.txt)"
  cmp s5.safetensors ks5.safetensors || die "EXE train --seed 5 and kiln train --seed 5 end with different weights"
  diff <(grep '^Test' s5.txt) <(grep '^Test' ks5.txt) || die "EXE train and kiln train --seed 5 print different test scores"
  ! grep -q "note: dropout" s5.txt || die "EXE train still prints the dropout note"
  ! cmp -s s5.safetensors s6.safetensors || die "--seed 5 and --seed 6 end with the same weights"
  [ "$(grep '^Test loss' s5.txt)" != "$(grep '^Test loss' s6.txt)" ] || die "--seed 5 and --seed 6 give the same test loss"
  echo "ok: --seed keys the dropout masks: $(grep '^Test loss' s5.txt) (5), $(grep '^Test loss' s6.txt) (6)"
  ;;
predict)
  need_mnist
  make_npy x.npy 37
  "$exe" predict --weights w.safetensors --input x.npy -o y.npy || die "EXE predict"
  "$kiln" run "$src/examples/mnist_convnet.py" --weights w.safetensors --input x.npy -o ky.npy || die "kiln run"
  cmp y.npy ky.npy || die "EXE predict and kiln run differ"
  make_npy bad.npy 2 3
  expect_fail "wrong input shape" "does not match the model's input (N, 28, 28, 1)" \
    "$exe" predict --weights w.safetensors --input bad.npy -o z.npy
  printf 'not a npy' > garbage.npy
  expect_fail "garbage input" "garbage.npy" "$exe" predict --weights w.safetensors --input garbage.npy -o z.npy
  expect_fail "missing weights" "nope.safetensors" "$exe" predict --weights nope.safetensors --input x.npy -o z.npy
  expect_fail "predict without -o" "needs -o" "$exe" predict --weights w.safetensors --input x.npy
  ;;
resume)
  need_mnist
  # --seed 0 (the compile's default) given explicitly, as kiln train's.
  args=(train --limit 3000 --epochs 3 --batch-size 64 --seed 0)
  rm -f full.ckpt cut.ckpt full.safetensors cut.safetensors
  "$exe" "${args[@]}" --checkpoint full.ckpt --save full.safetensors > full.txt 2>&1 || die "uninterrupted run: $(cat full.txt)"
  # Kill the second run with SIGKILL in epoch 2: as soon as epoch 1's
  # checkpoint is in place.
  "$exe" "${args[@]}" --checkpoint cut.ckpt --save cut.safetensors > cut1.txt 2>&1 &
  pid=$!
  for _ in $(seq 1 3000); do [ -f cut.ckpt ] && break; sleep 0.01; done
  sleep 0.05
  kill -KILL $pid 2>/dev/null || die "the run ended before it could be killed"
  wait $pid 2>/dev/null
  [ -f cut.ckpt ] || die "no checkpoint after epoch 1"
  [ ! -f cut.safetensors ] || die "the killed run finished"
  head -c 4096 cut.ckpt | grep -q '"epochs_done":"1"' || die "the kill did not land in epoch 2"
  "$exe" "${args[@]}" --checkpoint cut.ckpt --resume --save cut.safetensors > cut2.txt 2>&1 || die "resumed run: $(cat cut2.txt)"
  cat cut2.txt
  grep -q "resuming from cut.ckpt after epoch 1" cut2.txt || die "did not resume"
  cmp full.safetensors cut.safetensors || die "the resumed run's weights differ from the uninterrupted run's"
  # The final checkpoints: the same tensors (optimizer state included); their
  # metadata differs only in the history's timings.
  python3 - <<'PY' || die "the final checkpoints' tensors differ"
import json, struct, sys
def tensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    h = json.loads(raw[8:8 + n])
    meta = h.pop("__metadata__")
    return h, raw[8 + n:], {k: v for k, v in meta.items() if k != "history"}
a, b = tensors("full.ckpt"), tensors("cut.ckpt")
sys.exit(0 if a == b else 1)
PY
  # kiln train's checkpoints are the executable's: one epoch there, the rest
  # here, the same weights again.
  rm -f k.ckpt k.safetensors
  "$kiln" train "$src/examples/mnist_convnet.py" "${args[@]:1}" --epochs 1 --checkpoint k.ckpt > k1.txt 2>&1 \
    || die "kiln train --checkpoint: $(cat k1.txt)"
  "$exe" "${args[@]}" --checkpoint k.ckpt --resume --save k.safetensors > k2.txt 2>&1 || die "resume of kiln train's checkpoint: $(cat k2.txt)"
  cmp full.safetensors k.safetensors || die "resuming kiln train's checkpoint gave other weights"
  # The same with --seed 3, which keys the dropout masks at run time: kiln
  # train's epoch 1 then the executable's epochs 2-3 end where the
  # executable's uninterrupted run does.
  rm -f k3.ckpt k3.safetensors full3.safetensors
  "$kiln" train "$src/examples/mnist_convnet.py" --limit 3000 --epochs 1 --batch-size 64 --seed 3 --checkpoint k3.ckpt > /dev/null 2>&1 \
    || die "kiln train --seed 3"
  "$exe" train --limit 3000 --epochs 3 --batch-size 64 --seed 3 --checkpoint k3.ckpt --resume --save k3.safetensors > k3.txt 2>&1 \
    || die "resume of kiln train --seed 3's checkpoint: $(cat k3.txt)"
  "$exe" train --limit 3000 --epochs 3 --batch-size 64 --seed 3 --save full3.safetensors > full3.txt 2>&1 || die "EXE train --seed 3"
  cmp full3.safetensors k3.safetensors || die "resuming kiln train --seed 3's checkpoint gave other weights"
  ! cmp -s full3.safetensors full.safetensors || die "--seed 3 and --seed 0 end with the same weights"
  expect_fail "resume under another seed" "seed 3 but this run has" \
    "$exe" train --limit 3000 --epochs 3 --batch-size 64 --seed 0 --checkpoint k3.ckpt --resume
  expect_fail "resume with another batch size" "batch_size" "$exe" train --limit 3000 --epochs 3 --batch-size 32 --seed 0 --checkpoint cut.ckpt --resume
  expect_fail "--resume without --checkpoint" "needs --checkpoint" "$exe" train --resume
  ;;
bad-checkpoint)
  need_mnist
  [ -f full.ckpt ] || die "no full.ckpt (the resume step makes it)"
  # Checkpoints that do not match the model: one tensor's shape changed, one
  # tensor missing (rewritten from a real checkpoint, stdlib Python only).
  python3 - <<'PY'
import json, struct
raw = open("full.ckpt", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
def write(path, change):
    h, body = {"__metadata__": header["__metadata__"]}, b""
    for name in sorted(k for k in header if k != "__metadata__"):
        t = dict(header[name])
        b = data[t["data_offsets"][0]:t["data_offsets"][1]]
        t, b = change(name, t, b)
        if t is None:
            continue
        t["data_offsets"] = [len(body), len(body) + len(b)]
        h[name], body = t, body + b
    text = json.dumps(h).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + body)
def shape(name, t, b):
    if name == "conv2d/bias":
        t["shape"], b = [16], b[:64]
    return t, b
write("shape.ckpt", shape)
write("missing.ckpt", lambda name, t, b: (None, b) if name == "dense/bias" else (t, b))
PY
  expect_fail "checkpoint with a wrong shape" "shape.ckpt: tensor 'conv2d/bias' is F32 \[16\] but the model needs F32 \[32\]" \
    "$exe" train --limit 3000 --epochs 3 --batch-size 64 --seed 0 --checkpoint shape.ckpt --resume
  expect_fail "checkpoint lacking a tensor" "missing.ckpt: has no tensor 'dense/bias'" \
    "$exe" train --limit 3000 --epochs 3 --batch-size 64 --seed 0 --checkpoint missing.ckpt --resume
  "$kiln" init "$src/examples/mnist_convnet.py" -o init.safetensors 2>/dev/null
  expect_fail "weights file as checkpoint" "not a kiln checkpoint" \
    "$exe" train --limit 600 --epochs 2 --checkpoint init.safetensors --resume
  ;;
static-lib)
  need_mnist
  "$kiln" compile "$src/examples/mnist_convnet.py" --emit static-lib -o libmnist.a 2> lib.txt || die "static-lib: $(cat lib.txt)"
  [ -f libmnist.a ] && [ -f mnist.h ] || die "no libmnist.a or mnist.h"
  cc -std=c99 -Wall -Werror -I. -c "$src/examples/embed/embed_mnist.c" -o embed.o || die "cc"
  # KILN_EXE_LINK_FLAGS: the sanitizers' runtimes in a sanitizer build.
  # shellcheck disable=SC2086
  c++ embed.o libmnist.a -lz -lpthread -ldl ${KILN_EXE_LINK_FLAGS:-} -o embed || die "link"
  ./embed "$data" emb.safetensors > embed.txt 2>&1 || die "embed: $(cat embed.txt)"
  cat embed.txt
  grep -q "^accuracy after training" embed.txt || die "embed printed no accuracy"
  "$exe" evaluate --weights emb.safetensors --limit 1000 > embeval.txt || die "EXE evaluate of the embedded model's weights"
  cat embeval.txt
  ;;
*)
  die "unknown step $step";;
esac
echo "PASS: $step"
