#!/usr/bin/env python3
"""Render bench's Table 4 JSON (`bench --machine-only --json FILE`) as the markdown of docs/roofline.md.

    python3 scripts/roofline_table.py FILE.json [FILE2.json ...]

One table per file, headed by its date, CPU, load before and after, and command.
"""
import json
import sys


def pct(x):
    return f"{100 * x:.0f}%"


def render(path):
    try:
        with open(path) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"roofline_table: cannot read {path}: {e} (write it with: swift run bench --machine-only --json {path})")
    out = [f"Measured {r['date']} on {r['cpu']} ({r['build']}); {r['loadBefore']} before, {r['loadAfter'].replace('load average ', '')} after "
           f"(1, 5, 15 min); best of {r['rounds']} interleaved rounds; sgemm {r['squareSize']}³ through gemm(): "
           f"{r['square1ThreadGflops']:.1f} GFLOP/s on 1 thread, {r['square2ThreadGflops']:.1f} on 2.",
           "", f"    {r['command']}", "",
           "| hot path | threads | items/s | MFLOP/item | GFLOP/s | sgemm square, same rounds | of it | of the run's best square | own shapes | of own shapes | flop/B |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        if "fractionOfRunBest" not in row:   # files written before bench reported it
            row["fractionOfRunBest"] = row["pathGflops"] / r["square1ThreadGflops" if row["threads"] == 1 else "square2ThreadGflops"]
        out.append(f"| {row['path']} | {row['threads']} | {row['itemsPerSecond']:.0f} {row['unit']} | {row['mflopPerItem']:.1f} | "
                   f"{row['pathGflops']:.1f} | {row['squareGflops']:.1f} | {pct(row['fractionOfSquare'])} | **{pct(row['fractionOfRunBest'])}** | "
                   f"{row['shapesGflops']:.1f} | {pct(row['fractionOfShapes'])} | {row['productFlopPerByte']:.1f} |")
    shapes = [row for row in r["rows"] if row["topShapes"]]
    if shapes:
        out += ["", "Heaviest product shapes of each path, each timed alone (m × k × n; ᵀ: transposed operand):", "",
                "| hot path | calls × shape | share of FLOP | flop/B | GFLOP/s alone |", "|---|---|---|---|---|"]
        for row in shapes:
            for s in row["topShapes"]:
                shape = f"{s['m']} × {s['k']}{'ᵀ' if s['transA'] else ''} × {s['n']}{'ᵀ' if s['transB'] else ''}"
                out.append(f"| {row['path']} | {s['count']} × {shape} | {pct(s['shareOfFlop'])} | {s['flopPerByte']:.1f} | {s['gflops']:.1f} |")
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("\n\n".join(render(p) for p in sys.argv[1:]))
