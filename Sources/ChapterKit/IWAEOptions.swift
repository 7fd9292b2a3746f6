import ArgumentParser
import Foundation
import Notebook
import VLAE

/// `--iwae-k` and `--iwae-images` of chapters 6 and 8, which report the same NLL bounds: one set of
/// defaults, so that either chapter reads the other's bounds back from the memo (`iwaeNLL`).
public struct IWAEOptions: ParsableArguments {
    @Option(name: .long, help: "Importance samples per test image for the NLL bound (the paper: 4096; default 500, --quick 100).")
    public var iwaeK: Int?

    @Option(name: .long, help: "Test images the NLL bound is computed on, a tenth of them from each class, the same for every model (default 30, --quick 20, --full all; 500 = all of MNIST-5k's).")
    public var iwaeImages: Int?

    public init() {}

    public func validate() throws {
        if let k = iwaeK, k < 1 { throw ValidationError("--iwae-k must be at least 1") }
        if let n = iwaeImages, n < 10 { throw ValidationError("--iwae-images must be at least 10 (one per class)") }
    }

    /// Samples per image: --iwae-k, or the default for this run length.
    public func k(_ options: CommonOptions) -> Int { iwaeK ?? (options.quick ? 100 : 500) }

    /// Test images the bound runs on, at most `testCount`.
    public func images(_ options: CommonOptions, testCount: Int) -> Int {
        min(iwaeImages ?? (options.quick ? 20 : options.full ? testCount : 30), testCount)
    }
}

extension ChapterSession {
    /// -L_k on every digit of the test split, memoised under one key, so chapters 4 and 5 read
    /// each other's bound (`iwaeNLL` is the bound on a class-balanced subset, chapters 6 and 8).
    public func iwaeNLLOnTestSplit(_ m: TrainedModel, k: Int) throws -> IWAEResult {
        try memo("iwae", key: [m.key, "\(k)"]) {
            let bar = ProgressBar("IWAE k=\(k) \(m.name)")
            let result = m.model.importanceWeightedNLL(binary.test, k: k) { bar.update(done: $0, total: $1) }
            bar.finish(String(format: "%@: IWAE NLL (k=%d) %.2f nats in %@", m.name, k, result.mean, formatDuration(result.seconds)))
            return result
        }
    }
}
