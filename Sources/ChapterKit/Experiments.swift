// The book's models by name, where each is trained, and the importance-weighted bound measured
// the same way for every chapter that reports it (chapters 6 and 8, `swift run evaluate`):
// memoised beside the model cache, so a model scored once is not scored again.

import Foundation
import Notebook
import VLAE

/// One of the book's named models: its recipe under the given flags and the chapter that trains it.
public struct BookModel {
    /// Short name for `--models` (e.g. "vlae-af").
    public let id: String
    /// A label for tables.
    public let label: String
    /// The chapter whose default run trains it (what to run when it is missing from the cache).
    public let chapter: Int
    public let recipe: (CommonOptions) -> ModelRecipe

    /// The models chapter 8's table holds, in its order.
    public static let all: [BookModel] = [
        BookModel(id: "factorized", label: "VAE, factorized decoder", chapter: 1) { BookModels.factorized($0) },
        BookModel(id: "vlae", label: "VLAE, Gaussian prior", chapter: 6) { BookModels.vlae($0) },
        BookModel(id: "vlae-af", label: "VLAE, AF prior", chapter: 6) { BookModels.vlaeAF($0) },
        BookModel(id: "vlae-lossy", label: "VLAE, chapter 5's lossy code", chapter: 5) { BookModels.vlae($0, BookModels.vlaeLossy) },
        BookModel(id: "vlae-iaf", label: "VLAE, IAF posterior", chapter: 6) { BookModels.vlaeIAF($0) },
        BookModel(id: "pixelcnn-full", label: "PixelCNN with z, 12-layer 7×7", chapter: 4) { BookModels.pixelCNNFull($0) },
        BookModel(id: "pixelcnn-alone", label: "PixelCNN alone (no z)", chapter: 6) { BookModels.pixelCNNAlone($0) },
    ]

    public static func named(_ id: String) -> BookModel? { all.first { $0.id == id } }
}

extension ChapterSession {
    /// The test digits the NLL bound uses: count/10 of each class (the first `count` when the data
    /// is unlabelled or `count` < 10).
    public func iwaeDigits(_ count: Int, of test: ImageSet? = nil) -> ImageSet {
        let test = test ?? binary.test
        return test.subset(iwaeDigitIndices(count, of: test))
    }

    /// The indices in the test split of `iwaeDigits(count)`.
    public func iwaeDigitIndices(_ count: Int, of test: ImageSet? = nil) -> [Int] {
        let test = test ?? binary.test
        let n = min(count, test.count)
        // chapter 6's choice (count/10 of each class, in class order), so the two chapters' memos pair up digit by digit
        if test.labels.contains(where: { $0 < 0 || $0 > 9 }) || n < 10 { return Array(0..<n) }
        return test.examples(perClass: n / 10)
    }

    /// -L_k on `iwaeDigits(images)` (chapter 6's key: a chapter asking for the same model, k and
    /// digits reads the other's result). `dataKey` names other test data (evaluate).
    public func iwaeNLL(_ m: TrainedModel, k: Int, images: Int, on set: ImageSet? = nil, dataKey: String? = nil) throws -> IWAEResult {
        let digits = iwaeDigits(images, of: set)
        return try memo("iwae", key: iwaeMemoKey(m, k: k, images: images, dataKey: dataKey)) {
            let bar = ProgressBar("IWAE k=\(k) \(m.name)")
            let result = m.model.importanceWeightedNLL(digits, k: k) { bar.update(done: $0, total: $1) }
            bar.finish(String(format: "%@: IWAE NLL (k=%d, %d images) %.2f nats in %@", m.name, result.k, digits.count, result.mean,
                              formatDuration(result.seconds)))
            return result
        }
    }

    /// The memo key of `iwaeNLL` (a merge of bound shards writes its result there).
    public func iwaeMemoKey(_ m: TrainedModel, k: Int, images: Int, dataKey: String? = nil) -> [String] {
        [m.key, "\(k)", "\(images)"] + (dataKey.map { [$0] } ?? [])
    }

    /// The k log weights of every digit of `iwaeDigits(images)` at the largest k, from which the
    /// bound at every smaller k is computed (`boundByK`), with the seconds it took.
    public func iwaeLogWeights(_ m: TrainedModel, k: Int, images: Int) throws -> Timed<[[Double]]> {
        let digits = iwaeDigits(images)
        return try memo("iwae-weights", key: [m.key, "\(k)", "\(images)"]) {
            let bar = ProgressBar("log weights k=\(k) \(m.name)")
            let result = timed { m.model.importanceLogWeights(digits, k: k) { bar.update(done: $0, total: $1) } }
            bar.finish(String(format: "%@: %d log weights for each of %d digits in %@", m.name, k, digits.count, formatDuration(result.seconds)))
            return result
        }
    }
}

extension ChapterSession {
    /// One of the book's models from the cache only, trained on `trainedOn` (another dataset than
    /// this session's, for `evaluate`), evaluated on this session's test split; nil if absent.
    /// Its `key` names both datasets, so memoised evaluations of it on this data stay apart.
    public func cachedModel(_ recipe: ModelRecipe, trainedOn: Dataset, cache: ModelCache) -> TrainedModel? {
        guard let run = cache.cached(recipe.config, recipe.training, fingerprint: trainedOn.fingerprint) else { return nil }
        let test = run.model.evaluate(binary.test)
        return TrainedModel(name: recipe.name, run: run, origin: .cached, test: test,
                            key: ModelCache.key(recipe.config, recipe.training, fingerprint: trainedOn.fingerprint)
                                + "|scored on " + data.fingerprint + "|binarization \(options.dataSeed)")
    }
}
