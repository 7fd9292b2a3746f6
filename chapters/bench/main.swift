// bench: how fast one training step is, and where the arithmetic runs at what speed.
//
//   swift run -c release bench [--steps N] [--threads T] [--configs a,b,...] [--no-shapes] [--dataset NAME]
//   swift run bench --export-reference FILE      (no timing: weights and one batch for the PyTorch check)
//
// Table 1: images/s of one optimiser step (batch 64, steady state: warm-up steps first, then
// the best of N), for each model config, beside the PyTorch figure of docs/anchors.md. The
// FLOP per image are counted while one step runs (FLOPCounter): "reference" counts full k x k
// kernels and a separate upsample, as PyTorch computes them (the anchors' convention), and
// "executed" counts the sgemm calls this code makes (masked taps skipped, upsample fused).
// Table 2: every convolution of the pixelcnn model, forward only, in GFLOP/s beside a plain
// sgemm of the same M x K times K x N: how much the gathering and the bias cost around the BLAS.
// Table 4 (Machine.swift): every hot path's executed GFLOP/s as a fraction of this machine's sgemm
// rate measured in the same run, interleaved (`--machine-only --json FILE` for docs/roofline.md).

import Foundation
import VLAE

// MARK: flags

struct Flags {
    var steps = 10
    var threads = 2
    var configs = ["factorized", "factorized-af", "factorized-iaf", "pixelcnn", "pixelcnn-af", "pixelcnn-iaf",
                   "pixelcnn-full", "pixelcnn-uncond"]
    var configsGiven = false
    var shapes = true
    var batch = 64
    /// IWAE table: samples per image and images timed, and the rows per pass to try.
    var iwae = true
    var iwaeK = 512
    var iwaeImages = 4
    var iwaeRows = [128]
    var iwaePaths = false
    /// Write one batch through each config, with every weight, for the PyTorch check (ReferenceExport.swift).
    var exportReference: String? = nil
    var exportImages = 8
    /// Time on real digits (the first training images of this dataset, statically binarized)
    /// instead of random ones; nil: random binary images, no data needed.
    var dataset: String?
    /// Table 4 (Machine.swift): rounds, images for the stepper and the coder, per-shape rates, JSON file.
    var machine = true
    var machineOnly = false
    var rounds = 3
    var machineImages = 2
    var machineShapes = false
    var json: String? = nil
    /// Only the Table 4 paths whose name contains this (e.g. "bound", "12-layer"; for a profiler).
    var machinePath: String? = nil
    /// Run the chosen paths `rounds` times and nothing else (no sgemm, no replay): for `perf record`.
    var profile = false
    /// Print a hash of the stepper's logits (bit patterns) for the book's three PixelCNNs, and stop.
    var stepperChecksum = false
}

func parseFlags() -> Flags {
    var f = Flags()
    var args = CommandLine.arguments.dropFirst().makeIterator()
    func value(_ name: String) -> String {
        guard let v = args.next() else { fail("\(name) needs a value") }
        return v
    }
    while let a = args.next() {
        switch a {
        case "--steps": f.steps = Int(value(a)) ?? 0
        case "--threads": f.threads = Int(value(a)) ?? 0
        case "--batch": f.batch = Int(value(a)) ?? 0
        case "--configs": f.configs = value(a).split(separator: ",").map(String.init); f.configsGiven = true
        case "--no-shapes": f.shapes = false
        case "--no-iwae": f.iwae = false
        case "--iwae-k": f.iwaeK = Int(value(a)) ?? 0
        case "--iwae-images": f.iwaeImages = Int(value(a)) ?? 0
        case "--iwae-rows": f.iwaeRows = value(a).split(separator: ",").compactMap { Int($0) }
        case "--iwae-paths": f.iwaePaths = true
        case "--export-reference": f.exportReference = value(a)
        case "--export-images": f.exportImages = Int(value(a)) ?? 0
        case "--dataset": f.dataset = value(a)
        case "--no-machine": f.machine = false
        case "--machine-only": f.machineOnly = true
        case "--rounds": f.rounds = Int(value(a)) ?? 0
        case "--machine-images": f.machineImages = Int(value(a)) ?? 0
        case "--machine-shapes": f.machineShapes = true
        case "--json": f.json = value(a)
        case "--machine-path": f.machinePath = value(a)
        case "--profile": f.profile = true; f.machineOnly = true
        case "--stepper-checksum": f.stepperChecksum = true
        case "-h", "--help":
            print("""
            usage: bench [--steps N] [--threads T] [--configs LIST] [--batch B] [--no-shapes]
              --steps N     timed steps per config, best taken (default 10, after 2 warm-up steps)
              --threads T   compute threads (default 2)
              --configs     comma list of: \(allConfigs.map { $0.key }.joined(separator: ", "))
              --no-shapes   skip the per-layer table
              --no-iwae     skip the importance-weighted-bound table
              --iwae-k K    samples per image timed for the IWAE table (default 512)
              --iwae-images N   images timed (default 4)
              --iwae-rows R,R   decoder rows (images x samples) per pass to try (default 128)
              --iwae-paths  also time the per-sample path (the whole decoder on every sample)
              --export-reference FILE   time nothing: write one batch through each of --configs
                            (default: the four without flows) with every weight, as JSON, for
                            bench/check_torch_reference.py
              --export-images N   images in that batch (default 8)
              --dataset D   time on the first training digits of D (\(DataSource.flagHelp)), statically
                            binarized, instead of random binary images (the time hardly depends on them)
              --no-machine  skip Table 4 (each hot path as a fraction of this machine's sgemm)
              --machine-only    only Table 4 (training steps at --batch, the bound at --iwae-images x
                            --iwae-k with the first --iwae-rows, stepper sampling and BB-ANS coding)
              --rounds N    interleaved rounds of Table 4, best kept (default 3)
              --machine-images N   images sampled and digits coded per run in Table 4 (default 2)
              --machine-shapes  Table 4 also times each path's six heaviest product shapes alone
              --machine-path TEXT   Table 4 only for the paths whose name contains TEXT (e.g. bound)
              --profile     only run the Table 4 paths (--machine-path) --rounds times, for a profiler
              --stepper-checksum   time nothing: a hash of the PixelCNN stepper's logits (their bit
                            patterns) for the book's three PixelCNNs, to show a speed change keeps them
              --json FILE   write Table 4 (with date, CPU, load, command) as JSON to FILE
            """)
            exit(0)
        default: fail("unknown flag \(a) (try --help)")
        }
    }
    guard f.steps >= 1, f.threads >= 1, f.batch >= 1, f.exportImages >= 1, f.rounds >= 1, f.machineImages >= 1 else {
        fail("--steps, --threads, --batch, --export-images, --rounds and --machine-images must be at least 1")
    }
    if let p = f.machinePath, !hotPathNames.contains(where: { $0.localizedCaseInsensitiveContains(p) }) {
        fail("--machine-path \(p): no such hot path; known: \(hotPathNames.joined(separator: ", "))")
    }
    if let json = f.json {
        let dir = (json as NSString).deletingLastPathComponent
        guard FileManager.default.isWritableFile(atPath: dir.isEmpty ? "." : dir) else {
            fail("--json \(json): the folder \(dir.isEmpty ? "." : dir) does not exist or is not writable")
        }
    }
    guard f.iwaeK >= 1, f.iwaeImages >= 1, !f.iwaeRows.isEmpty, f.iwaeRows.allSatisfy({ $0 >= 1 }) else {
        fail("--iwae-k and --iwae-images must be at least 1, --iwae-rows a comma list of positive numbers")
    }
    for c in f.configs where allConfigs.first(where: { $0.key == c }) == nil {
        fail("unknown config \(c); known: \(allConfigs.map { $0.key }.joined(separator: ", "))")
    }
    return f
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(("bench: " + message + "\n").data(using: .utf8)!)
    exit(2)
}

/// The AF prior and the IAF posterior of chapter 6 (2 MADE steps of 256, 256 hidden units) on a config.
func withFlow(_ c: ModelConfig, prior: Bool) -> ModelConfig {
    var c = c
    if prior { c.prior = .autoregressiveFlow(FlowConfig()) } else { c.posterior = .inverseAutoregressiveFlow(FlowConfig()) }
    return c
}

/// (flag name, config, PyTorch anchor images/s from docs/anchors.md)
let allConfigs: [(key: String, config: ModelConfig, anchor: String)] = [
    ("factorized", .factorized, "~1045"),
    ("factorized-af", withFlow(.factorized, prior: true), "~1020"),
    ("factorized-iaf", withFlow(.factorized, prior: false), "-"),
    ("pixelcnn", .pixelCNN(layers: 6, kernel: 3), "~270-305"),
    ("pixelcnn-af", withFlow(.pixelCNN(layers: 6, kernel: 3), prior: true), "-"),
    ("pixelcnn-iaf", withFlow(.pixelCNN(layers: 6, kernel: 3), prior: false), "-"),
    ("pixelcnn-full", .pixelCNNFull, "~139-148"),
    ("pixelcnn-uncond", .pixelCNNUnconditional, "~480-565"),
]

// MARK: timing

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
/// CPU seconds used by the whole process (all threads): the cost of a step even when other
/// programs share the cores and stretch its wall-clock time.
func cpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// A fixed batch of binary images: the first `batch` training digits of --dataset (cycled), else
/// random ones of about the density of MNIST's ink.
func randomBatch(_ batch: Int, seed: UInt64) -> Tensor {
    let x = Tensor(uninitialized: [batch, 28, 28, 1])
    if let digits = benchDigits, digits.count > 0 {
        let set = digits.subset((0..<batch).map { $0 % digits.count })
        for i in 0..<x.count { x.data[i] = set.pixels[i] }
        return x
    }
    var rng = RNG(seed: seed)
    for i in 0..<x.count { x.data[i] = rng.uniform() < 0.13 ? 1 : 0 }
    return x
}

struct StepResult { var best: Double; var median: Double; var cpu: Double; var referenceFLOP: Double; var executedFLOP: Double; var parameters: Int }

func benchStep(_ config: ModelConfig, batch: Int, steps: Int) -> StepResult {
    let model = VAE(config, seed: 1)
    let opt = Optimizer(.adam, parameters: model.parameters, learningRate: 1e-3)
    var rng = RNG(seed: 2)
    let x = randomBatch(batch, seed: 3)
    func step() {
        let tape = Tape()
        let r = model.elbo(tape, x, rng: &rng)
        tape.backward(from: r.loss)
        opt.step()
        tape.reset()
    }
    // one counted step (also a warm-up), then one more warm-up
    FLOPCounter.reset(); FLOPCounter.enabled = true
    step()
    FLOPCounter.enabled = false
    let reference = 3 * FLOPCounter.referenceForward / Double(batch)
    let executed = FLOPCounter.executed / Double(batch)
    step()
    var times: [Double] = [], cpu: [Double] = []
    for _ in 0..<steps {
        let t0 = now(), c0 = cpuNow()
        step()
        times.append(now() - t0); cpu.append(cpuNow() - c0)
    }
    times.sort()
    return StepResult(best: times[0], median: times[times.count / 2], cpu: cpu.min()!,
                      referenceFLOP: reference, executedFLOP: executed, parameters: model.parameterCount)
}

// MARK: per-layer shapes

/// Best time of `reps` runs of `body`.
func bestTime(reps: Int, _ body: () -> Void) -> Double { bestTimes(reps: reps, body).wall }

/// Best wall-clock and best process CPU time of `reps` runs of `body` (CPU time is the steadier
/// figure when other programs share the cores).
func bestTimes(reps: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
    body()
    var best = Double.infinity, bestCPU = Double.infinity
    for _ in 0..<reps {
        let t0 = now(), c0 = cpuNow()
        body()
        best = min(best, now() - t0); bestCPU = min(bestCPU, cpuNow() - c0)
    }
    return (best, bestCPU)
}

struct LayerCase { let name: String; let input: [Int]; let run: (Tape, Tensor) -> Tensor }

/// Every convolution of the conditional pixelcnn model, with the input shape it sees in training.
func pixelCNNLayers(batch n: Int) -> [LayerCase] {
    let model = VAE(.pixelCNN(layers: 6, kernel: 3), seed: 1)
    let enc = model.encoder!, cond = model.conditioning!
    let dec = model.decoder as! PixelCNNDecoder
    let ch = model.config.conditioningChannels, ec = model.config.encoderChannels
    var cases = [
        LayerCase(name: "enc conv3x3 1->\(ec[0]) 28x28", input: [n, 28, 28, 1], run: { t, x in enc.c1(t, x) }),
        LayerCase(name: "enc conv3x3/2 \(ec[0])->\(ec[1]) 14x14", input: [n, 28, 28, ec[0]], run: { t, x in enc.c2(t, x) }),
        LayerCase(name: "enc conv3x3/2 \(ec[1])->\(ec[2]) 7x7", input: [n, 14, 14, ec[1]], run: { t, x in enc.c3(t, x) }),
        LayerCase(name: "cond up2+conv3x3 \(ch[0])->\(ch[1]) 14x14", input: [n, 7, 7, ch[0]],
                  run: { t, x in cond.upsampleConv(t, cond.c1, x) }),
        LayerCase(name: "cond up2+conv3x3 \(ch[1])->\(ch[2]) 28x28", input: [n, 14, 14, ch[1]],
                  run: { t, x in cond.upsampleConv(t, cond.c2, x) }),
        LayerCase(name: "dec maskA 3x3 1->\(dec.config.channels)", input: [n, 28, 28, 1], run: { t, x in dec.first(t, x) }),
        LayerCase(name: "dec maskB 3x3 \(dec.config.channels)->\(dec.config.channels)", input: [n, 28, 28, dec.config.channels],
                  run: { t, x in dec.blocks[0](t, x) }),
    ]
    if let c = dec.cond {
        cases.append(LayerCase(name: "dec cond 1x1 \(c.cin)->\(c.cout)", input: [n, 28, 28, c.cin], run: { t, x in c(t, x) }))
    }
    cases.append(LayerCase(name: "dec out 1x1 \(dec.out.cin)->1", input: [n, 28, 28, dec.out.cin], run: { t, x in dec.out(t, x) }))
    return cases
}

/// The sgemm calls (m, n, k) one forward run of `body` makes, found with the FLOP counter's log.
func gemmShapes(_ body: () -> Void) -> [(Int, Int, Int)] {
    GEMMLog.reset(); GEMMLog.enabled = true
    body()
    GEMMLog.enabled = false
    return GEMMLog.shapes
}

func layerTable(batch: Int) {
    print("\nTable 2: pixelcnn convolutions, forward only, batch \(batch) (best of 10; CPU ms = process CPU time, all threads); sgemm = the same products")
    print("through the same gemm() (same threads), on their own: what the gathering and the bias cost around BLAS")
    print(pad("layer", 34) + lpad("sgemm M x K x N", 24) + lpad("ms", 8) + lpad("GFLOP/s", 9) + lpad("sgemm ms", 10) + lpad("sgemm GFLOP/s", 15)
          + lpad("CPU ms", 8) + lpad("sgemm CPU ms", 14))
    var rng = RNG(seed: 5)
    for c in pixelCNNLayers(batch: batch) {
        let x = Tensor.randomNormal(c.input, std: 1, rng: &rng)
        let tape = Tape(recording: false)
        let shapes = gemmShapes { _ = c.run(tape, x) }
        let flop = shapes.reduce(0.0) { $0 + 2 * Double($1.0) * Double($1.1) * Double($1.2) }
        let (t, tc) = bestTimes(reps: 10) { _ = c.run(tape, x) }
        // the same matrix products on their own
        let bufs = shapes.map { s in (Tensor.randomNormal([s.0, s.2], std: 1, rng: &rng),
                                       Tensor.randomNormal([s.2, s.1], std: 1, rng: &rng),
                                       Tensor(uninitialized: [s.0, s.1])) }
        let (tg, tgc) = bestTimes(reps: 10) {
            for (s, b) in zip(shapes, bufs) { gemm(s.0, s.1, s.2, b.0.data, b.1.data, b.2.data) }
        }
        let shapeText = shapes.count == 1 ? "\(shapes[0].0) x \(shapes[0].2) x \(shapes[0].1)"
                                          : "\(shapes.count)x \(shapes[0].0) x \(shapes[0].2) x \(shapes[0].1)"
        print(pad(c.name, 34) + lpad(shapeText, 24) + lpad(f1(t * 1000), 8) + lpad(f1(flop / t / 1e9), 9)
              + lpad(f1(tg * 1000), 10) + lpad(f1(flop / tg / 1e9), 15)
              + lpad(f1(tc * 1000), 8) + lpad(f1(tgc * 1000), 14))
    }
}

// MARK: importance-weighted bound

/// The bound's cost: the 6-layer VLAE (random weights: the arithmetic does not depend on them)
/// scores `iwaeK` codes of each of `iwaeImages` images; samples/s, and what that rate means for
/// the 500 MNIST-5k test digits at k = 500 (PyTorch: 268 s, docs/anchors.md) and k = 4096.
func iwaeTable(_ f: Flags) {
    print("\nTable 3: importance-weighted bound, 6-layer VLAE (pixelcnn), \(f.iwaeImages) images x k = \(f.iwaeK), forward only")
    print(pad("path", 12) + lpad("rows/pass", 10) + lpad("samples/s", 11) + lpad("per CPU-s", 11) + lpad("MFLOP/sample", 14)
          + lpad("GFLOP/s", 9) + lpad("500 x k=500", 13) + lpad("PyTorch", 9) + lpad("500 x k=4096", 14))
    let model = VAE(.pixelCNN(layers: 6, kernel: 3), seed: 1)
    let x = randomBatch(f.iwaeImages, seed: 4)
    let set = ImageSet(pixels: x.values, labels: [Int](repeating: 0, count: f.iwaeImages))
    // executed FLOP of one sample: count one pass of 1 image x 64 samples
    FLOPCounter.reset(); FLOPCounter.enabled = true
    _ = model.importanceWeightedNLL(set.subset([0]), k: 64)
    FLOPCounter.enabled = false
    let flopPerSample = FLOPCounter.executed / 64
    let paths: [(String, IWAEPath)] = f.iwaePaths ? [("per-sample", .perSample), ("shared-x", .sharedX)] : [("shared-x", .sharedX)]
    for rows in f.iwaeRows {
        for (name, path) in paths {
            _ = model.importanceWeightedNLL(set.subset([0]), k: min(f.iwaeK, rows), rowsPerPass: rows, path: path)   // warm-up
            let t0 = now(), c0 = cpuNow()
            let r = model.importanceWeightedNLL(set, k: f.iwaeK, rowsPerPass: rows, path: path)
            let wall = now() - t0, cpu = cpuNow() - c0
            precondition(r.nllPerImage.allSatisfy { $0.isFinite })
            let rate = Double(f.iwaeImages * f.iwaeK) / wall
            print(pad(name, 12) + lpad("\(rows)", 10) + lpad(f0(rate), 11) + lpad(f0(Double(f.iwaeImages * f.iwaeK) / cpu), 11)
                  + lpad(f1(flopPerSample / 1e6), 14) + lpad(f1(flopPerSample * rate / 1e9), 9)
                  + lpad(f0(500 * 500 / rate) + " s", 13) + lpad("268 s", 9) + lpad(f0(500 * 4096 / rate) + " s", 14))
        }
    }
    print("500 x k = the projected time for the 500 test digits at that k (samples / rate); PyTorch: docs/anchors.md,")
    print("its best batching, measured on a loaded machine. per CPU-s: samples per CPU-second of the whole process.")
}

// MARK: output

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
func f1(_ x: Double) -> String { String(format: "%.1f", x) }
func f0(_ x: Double) -> String { String(format: "%.0f", x) }

func loadNote() -> String {
    guard let s = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "" }
    return "load average " + s.split(separator: " ").prefix(3).joined(separator: " ")
}

// MARK: main

let flags = parseFlags()
/// The training digits of --dataset, binarized (nil without the flag); a data problem is one line.
let benchDigits: ImageSet? = flags.dataset.map { name in
    do { return try loadDataset(DataSource.parse(name)).binarized(.staticSeeded(0)).train }
    catch { fail("--dataset \(name): \(error)") }
}

configureAllocatorForTraining()
setComputeThreads(flags.threads)
if let path = flags.exportReference {
    exportReference(keys: flags.configsGiven ? flags.configs : allConfigs.filter { exportableToTorch($0.config) }.map { $0.key },
                    images: flags.exportImages, to: path)
    exit(0)
}
#if DEBUG
let buildKind = "debug build (VLAE itself is -Ounchecked)"
#else
let buildKind = "release build"
#endif
if flags.stepperChecksum {
    for (key, config) in [("pixelcnn", ModelConfig.pixelCNN(layers: 6, kernel: 3)), ("pixelcnn-full", .pixelCNNFull),
                          ("pixelcnn-uncond", .pixelCNNUnconditional)] {
        let model = VAE(config, seed: 1)
        var rng = RNG(seed: 8)
        var hash: UInt64 = 0xcbf29ce484222325
        for image in 0..<3 {
            let x = randomBatch(1, seed: 200 + UInt64(image)).values
            let z = config.hasLatent ? Tensor.randomNormal([1, model.latentDim], std: 1, rng: &rng) : nil
            let stepper = PixelCNNStepper(decoder: model.decoder as! PixelCNNDecoder, h: z.map { model.conditioning!(Tape(recording: false), $0) })
            for i in 0..<784 {
                hash = (hash ^ UInt64(stepper.logit().bitPattern)) &* 0x100000001b3
                stepper.set(x[i])
            }
        }
        print("stepper logits \(key): \(String(hash, radix: 16))")
    }
    exit(0)
}
if flags.machineOnly {
    print("bench: \(buildKind), \(flags.threads) thread(s), \(ProcessInfo.processInfo.activeProcessorCount) cores")
    machineTable(flags, build: buildKind)
    exit(0)
}
print("bench: \(buildKind), \(flags.threads) thread(s), batch \(flags.batch), best of \(flags.steps) steps, "
      + "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(loadNote())")
print("\nTable 1: one training step (forward, backward, Adam), images/s")
print(pad("config", 17) + lpad("img/s", 8) + lpad("median", 8) + lpad("PyTorch", 10) + lpad("img/CPU-s", 11)
      + lpad("ref MFLOP/img", 15) + lpad("ref GFLOP/s", 12) + lpad("exec MFLOP/img", 16) + lpad("exec GFLOP/s", 13)
      + lpad("parameters", 12))
for key in flags.configs {
    let c = allConfigs.first { $0.key == key }!
    let r = benchStep(c.config, batch: flags.batch, steps: flags.steps)
    let ips = Double(flags.batch) / r.best
    print(pad(key, 17) + lpad(f0(ips), 8) + lpad(f0(Double(flags.batch) / r.median), 8) + lpad(c.anchor, 10)
          + lpad(f0(Double(flags.batch) / r.cpu), 11)
          + lpad(f0(r.referenceFLOP / 1e6), 15) + lpad(f1(r.referenceFLOP * ips / 1e9), 12)
          + lpad(f0(r.executedFLOP / 1e6), 16) + lpad(f1(r.executedFLOP * ips / 1e9), 13)
          + lpad("\(r.parameters)", 12))
}
print("PyTorch: docs/anchors.md, 2 threads, best of 3, measured on a shared machine.")
print("ref = FLOP counted with full k x k kernels and a separate upsample (the anchors' count);")
print("img/CPU-s = images per CPU-second of the whole process (robust to other load; includes spinning).")
print("exec = the sgemm FLOP this code runs (masked taps skipped, upsample fused into the conv).")
print("-af: AF prior, -iaf: IAF posterior (2 MADE steps, 256, 256 hidden units; Models/Flows.swift).")
if flags.iwae { iwaeTable(flags) }
if flags.shapes { layerTable(batch: flags.batch) }
if flags.machine { machineTable(flags, build: buildKind) }
print("\n\(loadNote())")
