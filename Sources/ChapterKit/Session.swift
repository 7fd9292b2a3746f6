// One chapter run: its options, data, report, and (with --serve) its live page.
// A chapter creates a session, trains through it, adds cells to `report`, and calls finish().

import Foundation
import Notebook
import VLAE

/// The book's ten chapters, numbered as the explainer it follows: the index lists them all (with
/// the status of each: report written or not run yet) and previous/next links run through all ten.
public enum Book {
    public static let chapters: [(number: Int, title: String)] = [
        (0, "The paradox"),
        (1, "The VAE, a refresher"),
        (2, "Posterior collapse"),
        (3, "Bits-back coding"),
        (4, "Information preference"),
        (5, "The lossy code"),
        (6, "The autoregressive-flow prior"),
        (7, "Showcase: information flow"),
        (8, "The experiments"),
        (9, "Connections"),
    ]
    public static func title(_ n: Int) -> String { chapters.first { $0.number == n }?.title ?? "Chapter \(n)" }
}

public final class ChapterSession {
    public let chapter: Int
    public let options: CommonOptions
    public let data: Dataset
    public let report: Report
    public let started = Date()
    public let live: LiveUpdates

    public init(chapter: Int, subtitle: String, options: CommonOptions, data: Dataset? = nil, announce: Bool = true, title: String? = nil) {
        self.chapter = chapter
        self.options = options
        self.data = data ?? options.loadData()
        report = Report(chapter: chapter, title: title ?? Book.title(chapter), subtitle: subtitle,
                        outputRoot: options.pagesRoot, dataset: self.data.name, seed: options.seed)
        report.edition = options.edition
        let numbers = Book.chapters.map { $0.number }
        report.lastChapter = numbers.last
        report.previousChapter = numbers.last { $0 < chapter }
        report.nextChapter = numbers.first { $0 > chapter }
        live = LiveUpdates(chapter: chapter, title: Book.title(chapter), options: options)
        if announce { print("Chapter \(chapter) · \(Book.title(chapter)) · dataset \(self.data.name): \(self.data.train.count) train / "
              + "\(self.data.validation.count) validation / \(self.data.test.count) test images, binarization \(options.binarizationName)") }
    }

    /// The statically binarized data every model is evaluated on.
    public lazy var binary: Dataset = data.binarized(.staticSeeded(options.dataSeed))

    /// Train (or fetch from the cache) a model, with a progress bar and live curves.
    public func train(_ config: ModelConfig, _ training: TrainingConfig, warmStart: VAE? = nil) throws -> TrainedModel {
        let name = config.name + training.nameSuffix
        live.log("training \(name)")
        let m = try obtainModel(config, training, data: data, options: options, warmStart: warmStart,
                                onStep: { [live] s in live.step(name, s) },
                                onEpoch: { [live] e in live.epoch(name, e) })
        live.log(String(format: "%@: test ELBO %.2f nats, KL %.2f nats", name, m.test.elbo, m.test.kl))
        return m
    }

    /// Record a model's standard metrics (plus extras) in metrics.json.
    public func record(_ m: TrainedModel, as name: String? = nil, extra: [String: MetricValue] = [:]) {
        var values = m.metrics
        for (k, v) in extra { values[k] = v }
        report.metrics.record(name ?? m.name, values)
    }

    /// Write the report, metrics and book index; with --serve, switch the live page to the
    /// report and keep serving until Ctrl-C.
    public func finish() throws {
        let path = try report.write()
        try BookIndex.write(outputRoot: options.pagesRoot, chapters: Book.chapters)
        print("report written to \(path) (\(formatDuration(Date().timeIntervalSince(started))))")
        live.done(reportPath: (options.student ? "/student" : "") + "/chapter\(chapter)/index.html")
    }
}

extension ChapterSession {
    /// A model from the cache only (trained by another chapter), evaluated on this dataset's test split; nil if absent.
    public func cachedModel(_ config: ModelConfig, _ training: TrainingConfig, on data: Dataset) -> TrainedModel? {
        guard let run = options.cache.cached(config, training, fingerprint: data.fingerprint) else { return nil }
        let test = run.model.evaluate(data.binarized(.staticSeeded(training.dataSeed)).test)
        return TrainedModel(name: config.name + training.nameSuffix, run: run, origin: .cached, test: test,
                            key: ModelCache.key(config, training, fingerprint: data.fingerprint))
    }
}

/// The run length every MNIST model of chapters 1, 4 and 5 shares, so they reuse each other's
/// cached models: default, --quick, --full (or --epochs).
public extension CommonOptions {
    var standardEpochs: Int { epochs(default: 12, quick: 3, full: 40) }
}

/// The decoders of the receptive-field sweep (chapter 4; chapter 2 reads three of them back).
public enum ReceptiveFieldSweep {
    /// The sweep's PixelCNN depths (masked 3×3 layers), written once: chapters 4 and 7 default to them.
    public static let depths = [1, 2, 3, 4, 6]

    public static func models(latentDim: Int, layers: [Int] = depths) -> [ModelConfig] {
        var configs: [ModelConfig] = [.factorized]
        configs += layers.map { ModelConfig.pixelCNN(layers: $0) }
        configs.append(.pixelCNNFull)
        return configs.map { var c = $0; c.latentDim = latentDim; return c }
    }
}

extension ChapterSession {
    /// Compute a value once and keep it beside the model cache (output/models/memo/), keyed by
    /// `name` and `key` (which should name the models' cache keys and every setting that matters).
    /// Slow evaluations (importance-weighted bounds, decompressions scored by a classifier) use it,
    /// so re-running a chapter whose models are cached takes seconds. --retrain recomputes.
    /// The file records the `CodeVersion` that computed it: a memo of another version is
    /// recomputed, with a one-line notice.
    public func memo<T: Codable>(_ name: String, key: [String], _ compute: () throws -> T) throws -> T {
        try memoize(name, key: key, in: "\(options.output)/models/memo", retrain: options.retrain, compute)
    }
}
