// The model cache: every trained model is stored under output/models/, keyed by everything
// that determines it (model configuration, training configuration, dataset fingerprint).
// A chapter asking for a model that an earlier run (of any chapter) trained gets it back at
// once; a run that was interrupted resumes from its last finished epoch.

import Foundation

public struct ModelCache {
    public let root: String
    public init(root: String = "output/models") { self.root = root }

    /// A short hash of the model's whole recipe.
    public static func key(_ model: ModelConfig, _ training: TrainingConfig, fingerprint: String) -> String {
        let enc = JSONEncoder(); enc.outputFormatting = .sortedKeys
        let blob = (try? enc.encode(model)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let blob2 = (try? enc.encode(training)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return String(sha256Hex(blob + "|" + blob2 + "|" + fingerprint).prefix(12))
    }

    public func path(_ model: ModelConfig, _ training: TrainingConfig, fingerprint: String) -> String {
        "\(root)/\(model.name)\(training.nameSuffix)-\(ModelCache.key(model, training, fingerprint: fingerprint)).ckpt"
    }

    /// The finished model for this recipe if the cache has it (never trains).
    public func cached(_ model: ModelConfig, _ training: TrainingConfig, fingerprint: String) -> TrainingRun? {
        let file = path(model, training, fingerprint: fingerprint)
        guard FileManager.default.fileExists(atPath: file), let run = try? Checkpoint.load(file, as: training).run,
              run.epochsDone >= training.epochs else { return nil }
        return run
    }

    public enum Origin: Sendable { case cached, resumed(fromEpoch: Int), trained }

    /// The model for this recipe: from the cache if complete, resumed if a partial checkpoint
    /// exists, continued from the cached run of the same recipe with fewer epochs if there is
    /// one, trained from scratch otherwise. A checkpoint is written after every epoch.
    /// `retrain` ignores (and replaces) what the cache holds.
    ///
    /// Continuing a shorter run gives the same model, bit for bit, as training the longer run
    /// from scratch: nothing in training depends on the total epoch count (each epoch draws
    /// from RNG(seed).fork(epoch); annealing counts steps), and the checkpoint holds the
    /// optimiser's whole state. The shorter run's file stays in the cache.
    /// `warmStart`: for a fine-tune (`training.warmStart` set to its key), the trained model whose
    /// weights the run starts from.
    public func model(_ model: ModelConfig, _ training: TrainingConfig, data: Dataset, retrain: Bool = false,
                      warmStart: VAE? = nil,
                      onStep: (StepInfo) -> Void = { _ in },
                      onEpoch: (EpochRecord) -> Void = { _ in }) throws -> (run: TrainingRun, origin: Origin) {
        precondition((training.warmStart == nil) == (warmStart == nil), "a fine-tune needs both training.warmStart and the model it starts from")
        let file = path(model, training, fingerprint: data.fingerprint)
        var run: TrainingRun? = retrain ? nil : load(file, as: training)
        if let run, run.epochsDone >= training.epochs { return (run, .cached) }
        if run == nil && !retrain {
            // The same recipe trained for fewer epochs: continue it (the longest one found).
            for shorter in stride(from: training.epochs - 1, through: 1, by: -1) {
                var t = training; t.epochs = shorter
                let candidate = path(model, t, fingerprint: data.fingerprint)
                if let r = load(candidate, as: training) {              // load: nil when there is no file
                    run = r
                    break
                }
            }
        }
        let origin: Origin = run.map { .resumed(fromEpoch: $0.epochsDone) } ?? .trained
        let r = run ?? TrainingRun(model: warmStart.map { $0.copy() } ?? VAE(model, seed: training.seed), config: training)
        try r.train(on: data, onStep: onStep) { record in
            try Checkpoint.save(r, datasetFingerprint: data.fingerprint, to: file)
            onEpoch(record)
        }
        return (r, origin)
    }

    /// The run in `file`, as a run of `training` (which may ask for more epochs than it holds);
    /// nil if there is no such file. A file that cannot be used (another format version,
    /// truncated, another recipe) is reported in one line on stderr, and nil is returned so
    /// that the model is retrained.
    func load(_ file: String, as training: TrainingConfig) -> TrainingRun? {
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        do {
            return try Checkpoint.load(file, as: training).run
        } catch {
            FileHandle.standardError.write(Data("notice: \(ModelCache.notice(error)); retraining\n".utf8))
            return nil
        }
    }

    static func notice(_ error: Error) -> String {
        if let e = error as? CheckpointError { return DataError.oneLine("\(e.path) \(e.problem)") }
        return DataError.oneLine("\(error)")
    }
}
