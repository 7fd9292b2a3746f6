// The paper's MNIST protocol, row by row (chapter 8 --paper): the models of the paper's MNIST
// table and ablation trained on the training split with the run length chosen on the validation
// split, then each model's test bounds computed once: −ELBO on every test digit, the
// importance-weighted bound at a large k on class-balanced test digits and at a small k on all of
// them, each with its standard error. Every finished row is written as soon as it is done (one
// JSON file per row), so the protocol resumes row by row and splits into independent jobs, each
// one command line (`PaperRow.command`). Rows measured at the protocol's own settings go to
// records/chapter8-paper/ (committed, shown by a fresh clone marked *recorded*, as chapter 5
// shows records/chapter5-search.json); rows of any other run (--quick, other k) go to the run's
// output folder only, so a small run is never mistaken for the protocol's.

import ArgumentParser
import Foundation
import Notebook
import VLAE

/// Chapter 8's flags for the protocol.
public struct PaperOptions: ParsableArguments {
    @Flag(name: .customLong("paper"), help: "Run the paper's MNIST protocol (use with --dataset mnist): its models trained on the training split, epochs chosen on validation, the test bounds at k = 4096 and a small k with standard errors; each row written to records/chapter8-paper/ (other settings: to OUTPUT/chapter8/paper-rows/).")
    public var paper = false

    @Option(name: .customLong("paper-row"), help: "With --paper: the rows to measure (again), a comma list of \(PaperProtocol.rowIDs.joined(separator: ", ")) (default: those not yet measured).")
    public var rows: String?

    @Option(name: .customLong("paper-max-epochs"), help: "With --paper: cap on training epochs (default 30, --quick 2).")
    var maxEpochs: Int?

    @Option(name: .customLong("paper-k"), help: "With --paper: the large k (default 4096, --quick 16).")
    var k: Int?

    @Option(name: .customLong("paper-k-images"), help: "With --paper: class-balanced test digits of the large k (default 1000, --quick 100).")
    var kImages: Int?

    @Option(name: .customLong("paper-small-k"), help: "With --paper: the small k (default 64, --quick 2).")
    var smallK: Int?

    @Option(name: .customLong("paper-small-k-images"), help: "With --paper: test digits of the small k (default 10000: all; --quick 1000).")
    var smallKImages: Int?

    public init() {}

    /// The rows to measure: --paper-row's, else all of them (those already measured are kept).
    public var rowIDs: [String] { rows.map { $0.split(separator: ",").map(String.init) } ?? PaperProtocol.rowIDs }

    public func validate() throws {
        for (name, v, least) in [("--paper-max-epochs", maxEpochs, 1), ("--paper-k", k, 1), ("--paper-k-images", kImages, 10),
                                 ("--paper-small-k", smallK, 1), ("--paper-small-k-images", smallKImages, 10)] {
            if let v, v < least { throw ValidationError("\(name) must be at least \(least)") }
        }
        for id in rowIDs where !PaperProtocol.rowIDs.contains(id) {
            throw ValidationError("--paper-row \(id): not a row of the protocol; the rows are \(PaperProtocol.rowIDs.joined(separator: ", "))")
        }
    }

    /// The protocol's settings (or --quick's), changed by the flags given.
    public func settings(_ o: CommonOptions) -> PaperSettings {
        var p = o.quick ? PaperSettings.quick : .protocolDefault
        if let maxEpochs { p.maxEpochs = maxEpochs }
        if let k { p.k = k }
        if let kImages { p.kImages = kImages }
        if let smallK { p.smallK = smallK }
        if let smallKImages { p.smallKImages = smallKImages }
        return p
    }
}

/// The protocol's settings: what a row's numbers depend on besides its recipe and data.
public struct PaperSettings: Equatable, Sendable {
    /// Cap on training epochs; training stops earlier at the first epoch whose validation −ELBO
    /// is no better than the epoch before's, and the model kept is that previous epoch's.
    public var maxEpochs: Int
    /// The large k and the class-balanced test digits it runs on.
    public var k: Int
    public var kImages: Int
    /// The small k, run on `smallKImages` test digits (all of them in the protocol).
    public var smallK: Int
    public var smallKImages: Int

    /// The protocol as the paper measures it: k = 4096 on 1,000 class-balanced test digits, k = 64
    /// on all 10,000; at most 30 epochs (chosen on validation).
    public static let protocolDefault = PaperSettings(maxEpochs: 30, k: 4096, kImages: 1000, smallK: 64, smallKImages: 10_000)
    /// A small real run of the same path (--quick): minutes, not the protocol's numbers.
    public static let quick = PaperSettings(maxEpochs: 2, k: 16, kImages: 100, smallK: 2, smallKImages: 1000)
}

/// One measured row of the protocol.
public struct PaperRow: Codable, Sendable {
    /// The model's id in `BookModel.all` (e.g. "vlae-af") and its table label.
    public var id: String
    public var label: String
    /// Model-cache key of the recipe at the chosen epoch count (recipe, training and data fingerprint).
    public var recipeKey: String
    public var dataset: String
    public var fingerprint: String
    public var binarization: String
    /// Epochs kept (chosen on validation), the cap, and the validation −ELBO of every epoch trained.
    public var epochs: Int
    public var maxEpochs: Int
    public var validationNegElbo: [Double]
    /// Training images the model saw per epoch, and the training rate of its last epoch (images/s).
    public var trainImages: Int
    public var trainImagesPerSecond: Double
    /// −ELBO on `elboImages` test digits (one posterior sample each), and its standard error.
    public var negElbo: Double
    public var negElboSe: Double
    public var elboImages: Int
    /// The bound at the large k on `iwaeImages` class-balanced test digits.
    public var nllIwaeNats: Double
    public var nllIwaeSe: Double
    public var iwaeK: Int
    public var iwaeImages: Int
    /// −L_k of each of those digits (the same digits in every row of the same data and digit count),
    /// so two rows' difference is measured digit by digit.
    public var nllIwaePerDigit: [Double]
    /// The bound at the small k on `smallKImages` test digits.
    public var nllSmallKNats: Double
    public var nllSmallKSe: Double
    public var smallK: Int
    public var smallKImages: Int
    /// Seconds: training (all epochs trained, as measured when trained) and the two bounds.
    public var trainSeconds: Double
    public var boundSeconds: Double
    public var codeVersion: Int
    public var commit: String
    public var date: String
    /// The command line that measures this row again.
    public var command: String
}

/// Mean and standard error of the mean of per-image values.
public func meanAndSE(_ v: [Double]) -> (mean: Double, se: Double) {
    let n = Double(max(v.count, 1))
    let mean = v.reduce(0, +) / n
    let variance = v.count > 1 ? v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
    return (mean, (variance / n).squareRoot())
}

public enum PaperProtocol {
    /// The rows, in the order of the paper's ablation: PixelCNN alone, + z with N(0, I) prior, + AF
    /// prior (the paper's VLAE), the IAF posterior instead, and the factorized VAE.
    public static let rowIDs = ["pixelcnn-alone", "vlae", "vlae-af", "vlae-iaf", "factorized"]

    /// The committed rows' folder, and one row's file in a folder.
    public static var recordsFolder: String { SearchRecord.recordsPath("chapter8-paper") }
    public static func file(_ folder: String, id: String, binarization: String) -> String {
        "\(folder)/\(id)-\(binarization).json"
    }

    /// Rows measured at the protocol's settings go to records/; other runs' to their output folder.
    public static func folder(_ o: CommonOptions, _ settings: PaperSettings) -> String {
        settings == .protocolDefault && o.maxTrainImages == 0 ? recordsFolder : "\(o.output)/chapter8/paper-rows"
    }

    public static func read(_ path: String) -> PaperRow? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let dec = JSONDecoder()
        dec.keyDecodingStrategy = .convertFromSnakeCase
        return try? dec.decode(PaperRow.self, from: data)
    }

    /// The command that measures one row again with these flags.
    public static func command(id: String, _ o: CommonOptions, _ settings: PaperSettings) -> String {
        var c = "swift run chapter8 --dataset \(o.dataset) --paper --paper-row \(id)"
        if o.quick { c += " --quick" }
        if o.dynamic { c += " --dynamic" }
        if o.seed != 1 { c += " --seed \(o.seed)" }
        let base = o.quick ? PaperSettings.quick : .protocolDefault
        if settings.maxEpochs != base.maxEpochs { c += " --paper-max-epochs \(settings.maxEpochs)" }
        if settings.k != base.k { c += " --paper-k \(settings.k)" }
        if settings.kImages != base.kImages { c += " --paper-k-images \(settings.kImages)" }
        if settings.smallK != base.smallK { c += " --paper-small-k \(settings.smallK)" }
        if settings.smallKImages != base.smallKImages { c += " --paper-small-k-images \(settings.smallKImages)" }
        return c
    }
}

extension ChapterSession {
    /// Measure one row of the protocol (training resumes from the model cache and the bounds
    /// from the memo, so an interrupted row continues where it stopped) and write it to `folder`.
    public func measurePaperRow(_ entry: BookModel, settings: PaperSettings, folder: String) throws -> PaperRow {
        let recipe = entry.recipe(options)
        let binarization = options.dynamic ? "dynamic" : "static"
        // The run length, chosen on the validation split: one more epoch while validation −ELBO improves.
        var validation: [Double] = []
        var chosen = settings.maxEpochs
        for e in 1...settings.maxEpochs {
            var t = recipe.training
            t.epochs = e
            let bar = ProgressBar("\(entry.id) epoch \(e)/\(settings.maxEpochs)")
            let (run, _) = try options.cache.model(recipe.config, t, data: data, retrain: false,
                                                   onStep: { bar.update($0) })
            let v = -(run.history.last?.validationELBO ?? .nan)
            bar.finish(String(format: "%@: epoch %d, validation -ELBO %.2f nats", entry.id, e, v))
            guard v.isFinite else { throw PaperError("\(entry.id): validation −ELBO is \(v) after epoch \(e): training diverged; try --lr 5e-4") }
            if let last = validation.last, v >= last { chosen = e - 1; validation.append(v); break }
            validation.append(v)
        }
        var training = recipe.training
        training.epochs = chosen
        let m = try train(recipe.config, training)   // from the cache: the chosen epoch's checkpoint; −ELBO on the test split

        let elbo = meanAndSE(m.test.negativeELBOPerImage.map(Double.init))
        let big = try iwaeNLL(m, k: settings.k, images: settings.kImages)
        let bigStats = meanAndSE(big.nllPerImage)
        // the small k on the whole test split (in its own order) when asked for all of it
        let small = settings.smallKImages >= binary.test.count ? try iwaeNLLOnTestSplit(m, k: settings.smallK)
                                                               : try iwaeNLL(m, k: settings.smallK, images: settings.smallKImages)
        let smallStats = meanAndSE(small.nllPerImage)
        let trainSeconds = (1...max(1, validation.count)).compactMap { e -> Double? in
            var t = recipe.training; t.epochs = e
            return options.cache.cached(recipe.config, t, fingerprint: data.fingerprint)?.history.last?.seconds
        }.reduce(0, +)
        let row = PaperRow(
            id: entry.id, label: entry.label, recipeKey: m.key, dataset: data.name, fingerprint: data.fingerprint,
            binarization: binarization, epochs: chosen, maxEpochs: settings.maxEpochs, validationNegElbo: validation,
            trainImages: options.maxTrainImages > 0 ? min(options.maxTrainImages, data.train.count) : data.train.count,
            trainImagesPerSecond: m.history.last?.imagesPerSecond ?? 0,
            negElbo: elbo.mean, negElboSe: elbo.se, elboImages: m.test.negativeELBOPerImage.count,
            nllIwaeNats: bigStats.mean, nllIwaeSe: bigStats.se, iwaeK: big.k, iwaeImages: big.nllPerImage.count,
            nllIwaePerDigit: big.nllPerImage,
            nllSmallKNats: smallStats.mean, nllSmallKSe: smallStats.se, smallK: small.k, smallKImages: small.nllPerImage.count,
            trainSeconds: trainSeconds, boundSeconds: big.seconds + small.seconds,
            codeVersion: CodeVersion.current, commit: SearchRecord.currentCommit(),
            date: ISO8601DateFormatter().string(from: Date()),
            command: PaperProtocol.command(id: entry.id, options, settings))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try SearchRecord.writeJSON(row, to: PaperProtocol.file(folder, id: entry.id, binarization: binarization), snakeCase: true)
        return row
    }
}

/// A one-line failure of the protocol.
public struct PaperError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
