// Table 4: every hot path against this machine's own sgemm, measured in the same run.
//
// For each hot path (training steps, the importance-weighted bound, sampling with the PixelCNN
// stepper, bits-back coding) one run is counted: the FLOP it executes (FLOPCounter) and every
// matrix product it makes with its shape and transposes (GEMMLog.calls; the stepper's loops are
// counted from its own geometry, PixelCNNStepper.productsPerImage). Then, interleaved round by
// round so that other load hits all three alike, the best of `rounds` of:
//   square   a 1024 x 1024 x 1024 sgemm through the same gemm() the code uses, with the thread
//            count the path uses (2 for the batched paths; 1 for the stepper and the coder,
//            which go one image and one pixel at a time on one thread);
//   path     the hot path itself;
//   shapes   the path's own products, replayed on their own through gemm() (same shapes,
//            transposes and thread split; random operands).
// path GFLOP/s / square GFLOP/s is the fraction of the machine's sgemm rate the path reaches;
// path GFLOP/s / shapes GFLOP/s = shapes time / path time is the share of the path's time its
// products would take at the speed sgemm gives them alone: what is left is the work around the
// products (gathering, elementwise, allocation, the coder's integer arithmetic).

import Foundation
import VLAE

struct MachineRow: Codable {
    var path: String, threads: Int, unit: String, items: Int
    var mflopPerItem: Double, productCalls: Int
    /// 2mnk / (4 bytes x (mk + kn + mn)) summed over the products: their arithmetic intensity
    /// if every operand went to memory once.
    var productFlopPerByte: Double
    var pathSeconds: Double, itemsPerSecond: Double, pathGflops: Double
    var squareGflops: Double, fractionOfSquare: Double
    /// The path's GFLOP/s over the best square sgemm of the whole run at its thread count (the
    /// machine's rate at its least disturbed moment; steadier than the same rounds' figure under load).
    var fractionOfRunBest: Double = 0
    var shapesSeconds: Double, shapesGflops: Double, fractionOfShapes: Double
    var topShapes: [ShapeRow]
}

struct ShapeRow: Codable {
    var m: Int, n: Int, k: Int, transA: Bool, transB: Bool, count: Int
    var shareOfFlop: Double
    var flopPerByte: Double
    var gflops: Double
}

struct MachineReport: Codable {
    var date: String, cpu: String, command: String, build: String
    var loadBefore: String, loadAfter: String
    var rounds: Int
    var squareSize: Int
    var square1ThreadGflops: Double
    var square2ThreadGflops: Double
    var rows: [MachineRow]
}

/// What one round of the interleaved measurement keeps: the best time of each timed thing.
struct BestOf {
    private(set) var best = Double.infinity
    mutating func add(_ t: Double) { best = min(best, t) }
}

/// The rates and fractions from the best times (all times for the same work, FLOP as counted).
func machineFractions(flop: Double, pathSeconds: Double, squareFlop: Double, squareSeconds: Double,
                      shapesSeconds: Double) -> (path: Double, square: Double, shapes: Double, ofSquare: Double, ofShapes: Double) {
    let path = flop / pathSeconds / 1e9, square = squareFlop / squareSeconds / 1e9, shapes = flop / shapesSeconds / 1e9
    return (path, square, shapes, path / square, path / shapes)
}

/// The products of `calls`, replayable on their own: one set of buffers big enough for every call.
final class ProductReplay {
    let distinct: [(call: GEMMCall, count: Int)]
    let a: Tensor, b: Tensor, c: Tensor
    init(_ calls: [GEMMCall], rng: inout RNG) {
        var counts: [GEMMCall: Int] = [:]
        for call in calls { counts[call, default: 0] += 1 }
        distinct = counts.map { ($0.key, $0.value) }.sorted { $0.call.flop * Double($0.count) > $1.call.flop * Double($1.count) }
        let maxA = calls.map { $0.m * $0.k }.max() ?? 1, maxB = calls.map { $0.k * $0.n }.max() ?? 1
        let maxC = calls.map { $0.m * $0.n }.max() ?? 1
        a = Tensor.randomNormal([max(1, maxA)], std: 1, rng: &rng)
        b = Tensor.randomNormal([max(1, maxB)], std: 1, rng: &rng)
        c = Tensor(zeros: [max(1, maxC)])
    }
    func run(_ one: GEMMCall, times: Int) {
        for _ in 0..<times {
            gemm(one.m, one.n, one.k, a.data, transA: one.transA, b.data, transB: one.transB, c.data)
        }
    }
    func runAll() { for (call, count) in distinct { run(call, times: count) } }
}

/// One hot path: how many items (images, codes, digits) one run does, with what threads, and a
/// closure that runs it (set up once; the first call is counted and warms up).
struct HotPath {
    let name: String
    let threads: Int
    let unit: String
    let items: Int
    let run: () -> Void
    /// Products run outside gemm() and counted from the code's geometry (the stepper's loops), per run.
    var extraProducts: [GEMMCall] = []
}

let trainingPaths: [(key: String, name: String)] = [("factorized", "train factorized"), ("pixelcnn", "train VLAE 6-layer"),
                                                     ("pixelcnn-full", "train 12-layer PixelCNN VLAE"),
                                                     ("pixelcnn-uncond", "train PixelCNN alone"), ("pixelcnn-af", "train VLAE + AF prior")]
let hotPathNames = trainingPaths.map { $0.name } + ["bound VLAE 6-layer", "sample, stepper", "BB-ANS encode"]

/// The hot paths whose name contains `--machine-path` (all without it); only those are built.
func hotPaths(_ f: Flags) -> [HotPath] {
    func wanted(_ name: String) -> Bool { f.machinePath == nil || name.localizedCaseInsensitiveContains(f.machinePath!) }
    var paths: [HotPath] = []
    for (key, name) in trainingPaths where wanted(name) {
        let config = allConfigs.first { $0.key == key }!.config
        let model = VAE(config, seed: 1)
        let opt = Optimizer(.adam, parameters: model.parameters, learningRate: 1e-3)
        var rng = RNG(seed: 2)
        let x = randomBatch(f.batch, seed: 3)
        paths.append(HotPath(name: name, threads: computeThreads, unit: "img", items: f.batch, run: {
            let tape = Tape()
            let r = model.elbo(tape, x, rng: &rng)
            tape.backward(from: r.loss)
            opt.step()
            tape.reset()
        }))
    }
    let vlae = VAE(.pixelCNN(layers: 6, kernel: 3), seed: 1)
    let x = randomBatch(f.iwaeImages, seed: 4)
    let set = ImageSet(pixels: x.values, labels: [Int](repeating: 0, count: f.iwaeImages))
    if wanted(hotPathNames[5]) { paths.append(HotPath(name: hotPathNames[5], threads: computeThreads, unit: "code", items: f.iwaeImages * f.iwaeK, run: {
        let r = vlae.importanceWeightedNLL(set, k: f.iwaeK, rowsPerPass: f.iwaeRows[0])
        precondition(r.nllPerImage.allSatisfy { $0.isFinite }, "bench: the bound is not finite")
    })) }
    let perImage = PixelCNNStepper.productsPerImage(vlae.decoder as! PixelCNNDecoder)
    var zrng = RNG(seed: 6)
    let z = Tensor.randomNormal([f.machineImages, vlae.latentDim], std: 1, rng: &zrng)
    var srng = RNG(seed: 7)
    if wanted(hotPathNames[6]) { paths.append(HotPath(name: hotPathNames[6], threads: 1, unit: "img", items: f.machineImages, run: {
        _ = vlae.sample(z: z, rng: &srng, method: .stepper)
    }, extraProducts: Array([[GEMMCall]](repeating: perImage, count: f.machineImages).joined()))) }
    let coder = BBANSCoder(model: vlae)
    let digits = (0..<f.machineImages).map { randomBatch(1, seed: 100 + UInt64($0)).values }
    if wanted(hotPathNames[7]) { paths.append(HotPath(name: hotPathNames[7], threads: 1, unit: "digit", items: f.machineImages, run: {
        do { _ = try coder.encode(digits) } catch { fail("BB-ANS encoding failed: \(error)") }
    }, extraProducts: Array([[GEMMCall]](repeating: perImage, count: f.machineImages).joined()))) }
    return paths
}

func cpuModel() -> String {
    guard let s = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
          let colon = line.firstIndex(of: ":") else { return "unknown" }
    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
}

func withThreads<T>(_ n: Int, _ body: () -> T) -> T {
    let saved = computeThreads
    setComputeThreads(n)
    defer { setComputeThreads(saved) }
    return body()
}

func machineTable(_ f: Flags, build: String) {
    let loadBefore = loadNote()
    let n = 1024
    var rng = RNG(seed: 9)
    let sa = Tensor.randomNormal([n, n], std: 1, rng: &rng), sb = Tensor.randomNormal([n, n], std: 1, rng: &rng)
    let sc = Tensor(zeros: [n, n])
    let squareFlop = 2 * Double(n) * Double(n) * Double(n)
    func square(_ threads: Int) -> Double {
        withThreads(threads) { bestTime(reps: 2) { gemm(n, n, n, sa.data, sb.data, sc.data) } }
    }
    print("\nTable 4: each hot path against this machine's sgemm, measured in the same run (\(cpuModel()); best of \(f.rounds) interleaved rounds)")
    print(pad("hot path", 29) + lpad("thr", 4) + lpad("items/s", 9) + lpad("MFLOP/item", 11) + lpad("GFLOP/s", 9)
          + lpad("sgemm sq", 9) + lpad("of sq", 7) + lpad("own shapes", 11) + lpad("of own", 7) + lpad("flop/B", 8))
    var rows: [MachineRow] = []
    var square1 = BestOf(), square2 = BestOf()
    for path in hotPaths(f) {
        if f.profile {
            path.run()
            let t0 = now()
            for _ in 0..<f.rounds { path.run() }
            print(pad(path.name, 29) + " \(f.rounds) runs after one warm-up, \(f1((now() - t0) * 1000)) ms (--profile: nothing else timed)")
            continue
        }
        // count one run (also the warm-up), then one more warm-up
        FLOPCounter.reset(); FLOPCounter.enabled = true
        GEMMLog.reset(); GEMMLog.enabled = true
        path.run()
        FLOPCounter.enabled = false; GEMMLog.enabled = false
        let calls = GEMMLog.calls + path.extraProducts
        let flop = FLOPCounter.executed + path.extraProducts.reduce(0) { $0 + $1.flop }
        GEMMLog.reset()
        path.run()
        let replay = ProductReplay(calls, rng: &rng)
        var sq = BestOf(), p = BestOf(), sh = BestOf()
        for _ in 0..<f.rounds {
            let s = square(path.threads)
            sq.add(s)
            if path.threads == 1 { square1.add(s) } else { square2.add(s) }
            let t0 = now(); path.run(); p.add(now() - t0)
            let t1 = now(); replay.runAll(); sh.add(now() - t1)
        }
        let r = machineFractions(flop: flop, pathSeconds: p.best, squareFlop: squareFlop, squareSeconds: sq.best, shapesSeconds: sh.best)
        let bytes = 4 * calls.reduce(0) { $0 + $1.compulsoryFloats }
        var top: [ShapeRow] = []
        if f.machineShapes {
            for (call, count) in replay.distinct.prefix(6) {
                let t = bestTime(reps: 3) { replay.run(call, times: count) }
                top.append(ShapeRow(m: call.m, n: call.n, k: call.k, transA: call.transA, transB: call.transB, count: count,
                                    shareOfFlop: call.flop * Double(count) / flop,
                                    flopPerByte: call.flop / (4 * call.compulsoryFloats),
                                    gflops: call.flop * Double(count) / t / 1e9))
            }
        }
        let row = MachineRow(path: path.name, threads: path.threads, unit: path.unit, items: path.items,
                             mflopPerItem: flop / Double(path.items) / 1e6, productCalls: calls.count,
                             productFlopPerByte: flop / bytes, pathSeconds: p.best,
                             itemsPerSecond: Double(path.items) / p.best, pathGflops: r.path,
                             squareGflops: r.square, fractionOfSquare: r.ofSquare,
                             shapesSeconds: sh.best, shapesGflops: r.shapes, fractionOfShapes: r.ofShapes, topShapes: top)
        rows.append(row)
        print(pad(row.path, 29) + lpad("\(row.threads)", 4) + lpad(f0(row.itemsPerSecond), 9) + lpad(f1(row.mflopPerItem), 11)
              + lpad(f1(row.pathGflops), 9) + lpad(f1(row.squareGflops), 9) + lpad(pct(row.fractionOfSquare), 7)
              + lpad(f1(row.shapesGflops), 11) + lpad(pct(row.fractionOfShapes), 7) + lpad(f1(row.productFlopPerByte), 8))
        for s in top {
            let shape = "\(s.m) x \(s.k)\(s.transA ? "ᵀ" : "") x \(s.n)\(s.transB ? "ᵀ" : "")"
            print("    " + pad("\(s.count)x " + shape, 36) + lpad(pct(s.shareOfFlop) + " of FLOP", 13)
                  + lpad(f1(s.flopPerByte) + " flop/B", 13) + lpad(f1(s.gflops) + " GFLOP/s", 14))
        }
    }
    if f.profile { return }
    // one more square pair at the end, so both thread counts have a figure even if no path used one
    square1.add(square(1)); square2.add(square(computeThreads))
    let sq1 = squareFlop / square1.best / 1e9, sq2 = squareFlop / square2.best / 1e9
    print("\nof the run's best sgemm square (\(f1(sq1)) GFLOP/s on 1 thread, \(f1(sq2)) on \(computeThreads)):")
    for i in rows.indices {
        rows[i].fractionOfRunBest = rows[i].pathGflops / (rows[i].threads == 1 ? sq1 : sq2)
        print("  " + pad(rows[i].path, 29) + lpad(f1(rows[i].pathGflops), 7) + " GFLOP/s  " + lpad(pct(rows[i].fractionOfRunBest), 5)
              + "   (same rounds: " + pct(rows[i].fractionOfSquare) + ")")
    }
    print("sgemm sq = \(n) x \(n) x \(n) through gemm() with the path's threads (best: \(f1(sq1)) GFLOP/s on 1 thread, "
          + "\(f1(sq2)) on \(computeThreads); ratio \(String(format: "%.2f", sq2 / sq1))).")
    print("own shapes = the path's own products replayed alone through gemm(); of own = path time share those products would take.")
    print("flop/B = FLOP per byte if each product's A, B and C went to memory once. thr = threads the path runs on.")
    let after = loadNote()
    print("before: \(loadBefore); after: \(after)")
    if let path = f.json {
        let stamp = ISO8601DateFormatter().string(from: Date())
        let report = MachineReport(date: stamp, cpu: cpuModel(), command: CommandLine.arguments.joined(separator: " "), build: build,
                                   loadBefore: loadBefore, loadAfter: after, rounds: f.rounds, squareSize: n,
                                   square1ThreadGflops: sq1, square2ThreadGflops: sq2, rows: rows)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try enc.encode(report).write(to: URL(fileURLWithPath: path)) } catch {
            fail("could not write \(path): \(error.localizedDescription) (check the folder exists and is writable)")
        }
        print("wrote \(path)")
    }
}

func pct(_ x: Double) -> String { String(format: "%.0f%%", 100 * x) }
