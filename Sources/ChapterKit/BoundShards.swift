// The importance-weighted bound in shards: `evaluate --shard I/N` scores slice I of the test
// digits the bound runs on and writes the per-digit bounds; `evaluate --merge DIR` puts the N
// shards back together into exactly the numbers one process computes, and the report follows.
//
// Why the merge is exact: the bound of a digit depends on the model, k, the digit, and the
// normals its k codes are drawn from. One process draws them from one seeded stream, image after
// image (k x latentDim each), in batches of `iwaeImagesPerPass` images. A shard starts at a batch
// boundary of that run and skips the stream ahead by the draws of the digits before it
// (`importanceWeightedNLL(after:)`), so every batch holds the same digits and the same normals
// as in one process, and each digit's bound is the same double. The merge concatenates them in
// digit order and averages them in that order, as one process does.

import ArgumentParser
import Foundation
import VLAE

/// `--shard I/N`, `--shard-dir DIR` and `--merge DIR` of `evaluate`.
public struct ShardOptions: ParsableArguments {
    @Option(name: .long, help: "Score only slice I of N (0 ≤ I < N) of the bound's test digits, write its per-digit bounds to --shard-dir and stop (no report).")
    public var shard: String?

    @Option(name: .long, help: "Folder the shard files go to (default: output/evaluate/<name>/shards).")
    public var shardDir: String?

    @Option(name: .long, help: "Build the report from the shard files in DIR (written by --shard runs with the same flags) instead of computing the bound.")
    public var merge: String?

    public init() {}

    /// (I, N) of `--shard I/N`.
    public var slice: (index: Int, count: Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, (0..<n).contains(i) else { return nil }
        return (i, n)
    }

    /// With --shard: score the slice, write its file and return true (the run stops there). With
    /// --merge: put the shards' bounds where the report reads them and return false (the run goes on).
    public func apply(_ s: ChapterSession, models: [(id: String, model: TrainedModel)], k: Int, images: Int,
                      reportDirectory: String) throws -> Bool {
        if let (index, count) = slice {
            let path = try s.boundShard(models, k: k, images: images, index: index, of: count,
                                        directory: shardDir ?? "\(reportDirectory)/shards")
            print("shard \(index) of \(count) written to \(path)")
            return true
        }
        if let merge {
            try s.mergeBoundShards(models, k: k, images: images, directory: merge) { rerun(arguments: Array(CommandLine.arguments.dropFirst()), shard: $0) }
        }
        return false
    }

    /// The command that runs one shard of this merge: the same flags, --merge DIR becoming
    /// --shard I/N --shard-dir DIR.
    public func rerun(arguments: [String], shard: String) -> String {
        var kept: [String] = []
        var skip = false
        for a in arguments {
            if skip { skip = false; continue }
            if a == "--merge" { skip = true; continue }
            if a.hasPrefix("--merge=") { continue }
            kept.append(a)
        }
        return (["swift run evaluate"] + kept + ["--shard", shard, "--shard-dir", merge ?? "DIR"]).joined(separator: " ")
    }

    public func validate() throws {
        if shard != nil && slice == nil { throw ValidationError("--shard must be I/N with 0 <= I < N, e.g. --shard 0/4 (got \(shard!))") }
        if shard != nil && merge != nil { throw ValidationError("--shard and --merge exclude each other: run the shards first, then one --merge") }
        if shardDir != nil && shard == nil { throw ValidationError("--shard-dir goes with --shard (the merge reads the folder given to --merge)") }
    }
}

/// One shard file: the per-digit bounds of every model for slice `index` of `count`, with what
/// they were computed from (a merge refuses a shard whose metadata differs from its own run's).
public struct BoundShard: Codable, Equatable, Sendable {
    public struct Model: Codable, Equatable, Sendable {
        public var id: String
        /// The model cache key of the model and of the data it is scored on (`TrainedModel.key`).
        public var key: String
        /// k as the result reports it (1 for a model without a latent code).
        public var k: Int
        /// Indices in the test split of this slice's digits, in the order of the bound's digits.
        public var digits: [Int]
        /// -L_k per digit, nats, and the same doubles' bit patterns (hex), which the merge reads.
        public var nll: [Double]
        public var nllBits: [String]
        public var seconds: Double
    }
    public var codeVersion: Int
    public var index: Int
    public var count: Int
    /// The bound's settings: samples per digit, digits in all, the scored data's fingerprint and name.
    public var k: Int
    public var images: Int
    public var fingerprint: String
    public var dataset: String
    /// Threads the numerical code used (the book's runs use min(2, cores)); a merge takes shards of one count.
    public var threads: Int
    public var models: [Model]

    public init(codeVersion: Int, index: Int, count: Int, k: Int, images: Int, fingerprint: String, dataset: String,
                threads: Int, models: [Model]) {
        self.codeVersion = codeVersion; self.index = index; self.count = count; self.k = k; self.images = images
        self.fingerprint = fingerprint; self.dataset = dataset; self.threads = threads; self.models = models
    }

    public static func fileName(_ index: Int, of count: Int) -> String { "shard-\(index)-of-\(count).json" }

    public func write(in directory: String) throws -> String {
        let path = "\(directory)/\(BoundShard.fileName(index, of: count))"
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        try writeAtomically(enc.encode(self), to: path)
        return path
    }
}

/// The slice of `total` digits that shard `index` of `count` scores: whole batches of `unit`
/// digits (the batches one process uses), split as evenly as whole batches allow.
public func shardRange(total: Int, unit: Int, index: Int, of count: Int) -> Range<Int> {
    let batches = (total + unit - 1) / unit
    let lo = index * batches / count, hi = (index + 1) * batches / count
    return min(lo * unit, total)..<min(hi * unit, total)
}

/// What a merge expects of each model's shards: the model's key, k and the bound's digits.
public struct ShardExpectation: Sendable {
    public var id: String
    public var key: String
    public var digits: [Int]
    public init(id: String, key: String, digits: [Int]) { self.id = id; self.key = key; self.digits = digits }
}

/// A merge that cannot go ahead, said in one line (which shard, what is wrong, what to do).
public struct ShardError: Error, CustomStringConvertible {
    public let description: String
}

/// Read the N shard files in `directory` and put every model's bound back together, in digit
/// order. Missing shards are named by index; a shard of another model, k, data or code version
/// is refused. `rerun` is the command that computes one shard, given "I/N".
public func mergeBoundShards(in directory: String, expecting models: [ShardExpectation], k: Int, images: Int,
                             fingerprint: String, rerun: (String) -> String) throws -> [String: IWAEResult] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasPrefix("shard-") && $0.hasSuffix(".json") }.sorted()
    let counts = Set(names.compactMap { name -> Int? in
        let parts = name.dropLast(5).split(separator: "-")
        return parts.count == 4 ? Int(parts[3]) : nil
    })
    guard let count = counts.first else {
        throw ShardError(description: "no shard files (shard-I-of-N.json) in \(directory): run '\(rerun("0/N"))' for I = 0 … N-1 first")
    }
    guard counts.count == 1 else {
        throw ShardError(description: "\(directory) holds shards of different splits (\(counts.sorted().map { "of \($0)" }.joined(separator: ", "))): keep the files of one split")
    }
    var shards: [BoundShard] = []
    var missing: [Int] = []
    for i in 0..<count {
        let path = "\(directory)/\(BoundShard.fileName(i, of: count))"
        guard let data = FileManager.default.contents(atPath: path) else { missing.append(i); continue }
        guard let shard = try? JSONDecoder().decode(BoundShard.self, from: data) else {
            throw ShardError(description: "shard \(i) of \(count) (\(path)) cannot be read: re-run it alone with '\(rerun("\(i)/\(count)"))'")
        }
        shards.append(shard)
    }
    guard missing.isEmpty else {
        let which = missing.map(String.init).joined(separator: ", ")
        throw ShardError(description: "shard\(missing.count == 1 ? "" : "s") \(which) of \(count) \(missing.count == 1 ? "is" : "are") missing from \(directory) (failed or not run): re-run \(missing.count == 1 ? "it" : "each") alone with '\(rerun("\(missing[0])/\(count)"))'\(missing.count > 1 ? " (and so on)" : ""); the other shards are kept")
    }
    for (i, shard) in shards.enumerated() {
        let path = "\(directory)/\(BoundShard.fileName(i, of: count))"
        func refuse(_ what: String) -> ShardError {
            ShardError(description: "shard \(i) of \(count) (\(path)) is refused: \(what); remove it and re-run it with '\(rerun("\(i)/\(count)"))'")
        }
        if shard.codeVersion != CodeVersion.current { throw refuse("computed by code version \(shard.codeVersion), this is \(CodeVersion.current)") }
        if shard.index != i || shard.count != count { throw refuse("its file says shard \(shard.index) of \(shard.count)") }
        if shard.fingerprint != fingerprint { throw refuse("scored data of fingerprint \(shard.fingerprint.prefix(12)), this run's is \(fingerprint.prefix(12))") }
        if shard.k != k { throw refuse("k = \(shard.k), this run's k = \(k)") }
        if shard.images != images { throw refuse("\(shard.images) digits in all, this run's bound has \(images)") }
        // the thread count can change the order of some sums: one merge, one thread count
        if shard.threads != shards[0].threads { throw refuse("computed with \(shard.threads) threads, shard 0 with \(shards[0].threads) (give every task the same CPUs)") }
        for m in models {
            guard let e = shard.models.first(where: { $0.id == m.id }) else { throw refuse("it has no bound of model \(m.id)") }
            if e.key != m.key { throw refuse("model \(m.id) has key \(e.key), this run's has \(m.key) (another model or data)") }
            if e.nll.count != e.digits.count || e.nllBits.count != e.digits.count { throw refuse("model \(m.id)'s bounds do not match its digits") }
        }
    }
    var merged: [String: IWAEResult] = [:]
    for m in models {
        let parts = shards.map { s in s.models.first { $0.id == m.id }! }
        let digits = parts.flatMap(\.digits)
        guard digits == m.digits else {
            throw ShardError(description: "the shards in \(directory) hold model \(m.id)'s bound on other digits than this run's \(m.digits.count): re-run all \(count) shards with this run's flags")
        }
        let nll = try parts.flatMap { part in
            try part.nllBits.map { hex in
                guard let bits = UInt64(hex, radix: 16) else { throw ShardError(description: "a shard of \(m.id) in \(directory) holds a bound that is not a number (\(hex)): re-run it") }
                return Double(bitPattern: bits)
            }
        }
        merged[m.id] = IWAEResult(nllPerImage: nll, k: parts.first?.k ?? k, seconds: parts.map(\.seconds).reduce(0, +))
    }
    return merged
}

/// A model's digits and result as one shard entry.
public func shardEntry(id: String, key: String, digits: [Int], result: IWAEResult) -> BoundShard.Model {
    BoundShard.Model(id: id, key: key, k: result.k, digits: digits, nll: result.nllPerImage,
                     nllBits: result.nllPerImage.map { String($0.bitPattern, radix: 16) }, seconds: result.seconds)
}

extension ChapterSession {
    /// Score slice `index` of `count` of the bound's digits (`iwaeDigits(images)`) for every model and
    /// write the shard file into `directory`; returns its path.
    public func boundShard(_ models: [(id: String, model: TrainedModel)], k: Int, images: Int,
                           index: Int, of count: Int, directory: String) throws -> String {
        let indices = iwaeDigitIndices(images)
        var entries: [BoundShard.Model] = []
        for (id, m) in models {
            let range = shardRange(total: indices.count, unit: m.model.iwaeImagesPerPass(k: k), index: index, of: count)
            let slice = Array(indices[range])
            let bar = ProgressBar("IWAE k=\(k) \(m.name), shard \(index)/\(count)")
            let result = m.model.importanceWeightedNLL(binary.test.subset(slice), k: k, after: range.lowerBound) { bar.update(done: $0, total: $1) }
            bar.finish("\(m.name): digits \(range.lowerBound)..<\(range.upperBound) of \(indices.count) scored in \(formatDuration(result.seconds))")
            entries.append(shardEntry(id: id, key: m.key, digits: slice, result: result))
        }
        let shard = BoundShard(codeVersion: CodeVersion.current, index: index, count: count, k: k, images: indices.count,
                               fingerprint: data.fingerprint, dataset: data.name, threads: computeThreads, models: entries)
        return try shard.write(in: directory)
    }

    /// Merge the shards in `directory` and keep each model's bound where `iwaeNLL` finds it (the
    /// memo beside the model cache), so the report is built exactly as in one process.
    public func mergeBoundShards(_ models: [(id: String, model: TrainedModel)], k: Int, images: Int,
                                 directory: String, rerun: (String) -> String) throws {
        let indices = iwaeDigitIndices(images)
        let merged = try ChapterKit.mergeBoundShards(in: directory, expecting: models.map { ShardExpectation(id: $0.id, key: $0.model.key, digits: indices) },
                                                     k: k, images: indices.count, fingerprint: data.fingerprint, rerun: rerun)
        for (id, m) in models {
            try memoize("iwae", key: iwaeMemoKey(m, k: k, images: images), in: "\(options.output)/models/memo", retrain: true) { merged[id]! }
            print(String(format: "%@: bound merged from the shards in %@, %d digits, IWAE NLL %.4f nats", id, directory, indices.count, merged[id]!.mean))
        }
    }
}
