#!/usr/bin/env python3
"""Checks of the Slurm path (scripts/slurm/ci.sh), standard library only.

  compare.py metrics A.json B.json   every number of two metrics.json equal, bit for bit, except
                                     run times (keys ending in _seconds)
  compare.py bounds DIR_A DIR_B      the per-digit bounds memoised in two model caches' memo
                                     folders (iwae-*.json of the same key) equal, bit for bit
  compare.py weights A.ckpt B.ckpt   two checkpoints hold the same tensors, byte for byte (their
                                     headers may differ in the times they record)
Prints what it compared; exits 1 with one line naming the first difference.
"""
import glob, json, os, struct, sys


def fail(msg):
    print(f"compare.py: {msg}", file=sys.stderr)
    sys.exit(1)


def walk(a, b, path, skipped):
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            fail(f"{path}: keys differ: {sorted(set(a) ^ set(b))}")
        n = 0
        for k in a:
            if k.endswith("_seconds"):
                skipped.append(f"{path}.{k}")
                continue
            n += walk(a[k], b[k], f"{path}.{k}", skipped)
        return n
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            fail(f"{path}: {len(a)} against {len(b)} entries")
        return sum(walk(x, y, f"{path}[{i}]", skipped) for i, (x, y) in enumerate(zip(a, b)))
    if isinstance(a, float) or isinstance(b, float):
        if float(a).hex() != float(b).hex():
            fail(f"{path}: {a!r} against {b!r}")
        return 1
    if a != b:
        fail(f"{path}: {a!r} against {b!r}")
    return 1


def metrics(a, b):
    skipped = []
    n = walk(json.load(open(a)), json.load(open(b)), "metrics", skipped)
    print(f"metrics: {n} values equal bit for bit in {a} and {b} (run times not compared: {', '.join(skipped) or 'none'})")


def bounds(a, b):
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(a, "iwae-*.json")))
    both = [n for n in names if os.path.exists(os.path.join(b, n))]
    if not both:
        fail(f"no bound memo (iwae-*.json) in both {a} and {b}")
    digits = 0
    for n in both:
        x, y = (json.load(open(os.path.join(d, n)))["value"] for d in (a, b))
        if x["k"] != y["k"]:
            fail(f"{n}: k {x['k']} against {y['k']}")
        walk(x["nllPerImage"], y["nllPerImage"], n, [])
        digits += len(x["nllPerImage"])
    print(f"bounds: {len(both)} models, {digits} per-digit bounds equal bit for bit")


def tensors(path):
    data = open(path, "rb").read()
    if data[:8] != b"VLAECKP1":
        fail(f"{path} is not a checkpoint")
    (n,) = struct.unpack("<Q", data[8:16])
    return data[16 + n:]


def weights(a, b):
    x, y = tensors(a), tensors(b)
    if x != y:
        fail(f"{a} and {b} hold different tensors")
    print(f"weights: {len(x)} bytes of tensors equal in {a} and {b}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("metrics", "bounds", "weights"):
        fail("usage: compare.py metrics|bounds|weights A B")
    {"metrics": metrics, "bounds": bounds, "weights": weights}[sys.argv[1]](sys.argv[2], sys.argv[3])
