#!/bin/bash
# Tests that kiln's outputs are never half-written (issue 13, item 5): every
# writer puts a temporary file beside its target and renames it into place.
#   outputs_test.sh STEP KILN SOURCE_DIR WORK_DIR
# Steps (one ctest test each):
#   full-disk    with `ulimit -f` (a full disk to the writer: write() fails
#                with EFBIG, as with ENOSPC), weights, .npy outputs,
#                checkpoints, the kernel cache and executables fail with a
#                clear error and exit 1, leaving no file and no temporary
#                file, and an older file at the target untouched;
#   read-only    an output folder the user cannot write: a clear error and
#                nothing written (run as nobody when we are root, for whom
#                permissions do not apply);
#   concurrent   two kiln processes filling the same empty kernel cache at
#                once both succeed, with equal outputs and no temporary file
#                left.
set -u
step=$1 kiln=$2 src=$3 work=$4/$1
model=$src/tests/outputs/Inputs/tiny_dense.py
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
export KILN_CACHE_DIR=$work/cache

die() { echo "FAIL: $*" >&2; exit 1; }
# expect_fail WHAT PATTERN CMD...: CMD exits 1 with PATTERN on stderr, which
# fits on a screen. With LIMIT=KB set, CMD runs under `ulimit -f KB`; its
# stderr goes through a pipe, which the limit does not cover (a tool that
# cannot print its error would prove nothing).
expect_fail() {
  local what=$1 pattern=$2; shift 2
  if [ -n "${LIMIT:-}" ]; then
    bash -c 'ulimit -f "$0" && exec "$@"' "$LIMIT" "$@" 2>&1 > /dev/null | cat > err.txt
  else
    "$@" 2>&1 > /dev/null | cat > err.txt
  fi
  local rc=${PIPESTATUS[0]}
  [ $rc -eq 1 ] || die "$what: exit status $rc, expected 1: $(tail -c 2000 err.txt)"
  grep -q -- "$pattern" err.txt || die "$what: stderr lacks '$pattern': $(tail -c 2000 err.txt)"
  [ "$(wc -c < err.txt)" -le 2000 ] || die "$what: the error is $(wc -c < err.txt) characters"
  echo "ok: $what: $(grep -m1 'error:' err.txt)"
}
# no_temporaries DIR...: no temporary file of an atomic write is left.
no_temporaries() {
  local left
  left=$(find "$@" -name '*.tmp*' 2>/dev/null)
  [ -z "$left" ] || die "temporary files left behind: $left"
}
# make_data: X.npy (8, 4) float32 and Y.npy (8,) int64 labels in 0..2
# (stdlib Python only).
make_data() {
  python3 - <<'PY'
import struct
def npy(path, descr, shape, fmt, values):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(values), fmt), *values))
npy("X.npy", "<f4", "(8, 4)", "f", [((i * 7) % 11) / 11.0 for i in range(32)])
npy("Y.npy", "<i8", "(8,)", "q", [i % 3 for i in range(8)])
PY
}

case $step in
full-disk)
  make_data
  mkdir out
  # Weights: 139 KB of the seed's weights against a 64 KB limit, so part of
  # the file is written before the error.
  echo old > out/w.safetensors
  LIMIT=64 expect_fail "weights on a full disk" "File too large" \
      "$kiln" init "$src/examples/mnist_convnet.py" -o out/w.safetensors
  [ "$(cat out/w.safetensors)" = old ] || die "the old weights file was changed"
  rm out/w.safetensors
  # The kernel cache, empty: the first kernel object fails.
  "$kiln" init "$model" -o w.safetensors 2> /dev/null || die "kiln init failed"
  LIMIT=8 expect_fail "kernel cache on a full disk" "File too large" \
      "$kiln" run "$model" --weights w.safetensors --input X.npy -o out/y.npy
  no_temporaries cache out
  [ -z "$(find cache -name '*.o' -size -1)" ] || die "an empty object in the cache"
  # Warm the cache (forward and training kernels), then each output alone.
  "$kiln" run "$model" --weights w.safetensors --input X.npy -o y.npy 2> run.txt \
    || die "kiln run failed: $(cat run.txt)"
  "$kiln" train "$model" --data X.npy,Y.npy --epochs 1 --batch-size 4 > /dev/null 2> train.txt \
    || die "kiln train failed: $(cat train.txt)"
  LIMIT=0 expect_fail ".npy output on a full disk" "File too large" \
      "$kiln" run "$model" --weights w.safetensors --input X.npy -o out/y.npy
  LIMIT=0 expect_fail "checkpoint on a full disk" "File too large" \
      "$kiln" train "$model" --data X.npy,Y.npy --epochs 1 --batch-size 4 \
      --checkpoint out/ckpt.safetensors
  LIMIT=0 expect_fail "trained weights on a full disk" "File too large" \
      "$kiln" train "$model" --data X.npy,Y.npy --epochs 1 --batch-size 4 \
      --save out/trained.safetensors
  LIMIT=64 expect_fail "executable on a full disk" "failed\|cannot write" \
      "$kiln" compile "$model" -o out/model.exe
  [ -z "$(ls out)" ] || die "files left in the output folder: $(ls out)"
  no_temporaries cache out
  ;;
read-only)
  make_data
  mkdir ro
  chmod 555 ro
  "$kiln" init "$model" -o w.safetensors 2> /dev/null || die "kiln init failed"
  as_user=()
  if [ "$(id -u)" = 0 ]; then
    command -v setpriv > /dev/null || { echo "SKIPPED: root without setpriv"; exit 77; }
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    # nobody must reach kiln and the model.
    "${as_user[@]}" test -x "$kiln" -a -r "$model" \
      || { echo "SKIPPED: nobody cannot run $kiln"; exit 77; }
    chmod 777 "$work"
  fi
  expect_fail "weights into a read-only folder" "Permission denied" \
    "${as_user[@]}" "$kiln" init "$model" -o ro/w.safetensors
  expect_fail "summary into a read-only folder" "Permission denied" \
    "${as_user[@]}" "$kiln" summary "$model" -o ro/summary.txt
  [ -z "$(ls -A ro)" ] || die "files written into the read-only folder: $(ls -A ro)"
  # A kernel cache that cannot be written is an error too, not a crash.
  mkdir -p rocache && chmod 555 rocache
  expect_fail "a read-only kernel cache" "kernel cache" \
    env KILN_CACHE_DIR="$work/rocache/kiln" "${as_user[@]}" "$kiln" run "$model" \
    --weights w.safetensors --input X.npy -o y.npy
  ;;
concurrent)
  make_data
  "$kiln" init "$model" -o w.safetensors 2> /dev/null || die "kiln init failed"
  for i in 1 2; do
    "$kiln" run "$model" --weights w.safetensors --input X.npy -o y$i.npy > run$i.txt 2>&1 &
  done
  wait %1; rc1=$?
  wait %2; rc2=$?
  [ $rc1 -eq 0 ] || die "the first kiln run failed ($rc1): $(cat run1.txt)"
  [ $rc2 -eq 0 ] || die "the second kiln run failed ($rc2): $(cat run2.txt)"
  cmp -s y1.npy y2.npy || die "the two runs wrote different outputs"
  no_temporaries cache
  objects=$(find cache -name '*.o' | wc -l)
  [ "$objects" -gt 0 ] || die "nothing in the kernel cache"
  echo "ok: two kiln run at once on an empty cache: both succeeded, $objects objects cached"
  ;;
*)
  die "unknown step '$step'"
  ;;
esac
