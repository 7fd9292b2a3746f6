// Getting a trained model for a chapter: from the cache, resumed, or trained with a progress
// bar; then evaluated on the test split. And the standard metrics of a model, by name.

import Foundation
import Notebook
import VLAE

public struct TrainedModel {
    public let name: String
    public let run: TrainingRun
    public let origin: ModelCache.Origin
    public let test: EvaluationResult
    /// The model cache's key for this model's recipe (identifies its weights).
    public let key: String
    public var model: VAE { run.model }
    public var history: [EpochRecord] { run.history }

    /// The shared metrics of docs/metrics.md for this model.
    public var metrics: [String: MetricValue] {
        var m: [String: MetricValue] = [
            "test_elbo_nats": .number(test.elbo),
            "recon_nats": .number(test.reconstruction),
            "kl_nats": .number(test.kl),
            "kl_bits": .number(test.klBits),
            "active_units": .number(Double(test.activeUnits())),
            "latent_dims": .number(Double(model.latentDim)),
            "epochs": .number(Double(run.epochsDone)),
            "train_seconds": .number(run.trainSeconds),
            "parameters": .number(Double(model.parameterCount)),
        ]
        if let last = history.last { m["images_per_second"] = .number(last.imagesPerSecond) }
        return m
    }

    public var originText: String {
        switch origin {
        case .cached: return "loaded from the model cache (trained \(run.epochsDone) epochs earlier, \(formatDuration(run.trainSeconds)))"
        case .resumed(let e): return "resumed from epoch \(e), trained to \(run.epochsDone) epochs"
        case .trained: return "trained for \(run.epochsDone) epochs in \(formatDuration(run.trainSeconds))"
        }
    }
}

/// Train (or fetch) a model and evaluate it on the test split.
public func obtainModel(_ config: ModelConfig, _ training: TrainingConfig, data: Dataset, options: CommonOptions,
                        warmStart: VAE? = nil,
                        onStep: (StepInfo) -> Void = { _ in }, onEpoch: (EpochRecord) -> Void = { _ in }) throws -> TrainedModel {
    let name = config.name + training.nameSuffix
    let bar = ProgressBar(name)
    let (run, origin) = try options.cache.model(config, training, data: data, retrain: options.retrain, warmStart: warmStart,
                                                onStep: { bar.update($0); onStep($0) }, onEpoch: onEpoch)
    let test = run.model.evaluate(data.binarized(.staticSeeded(training.dataSeed)).test)
    let t = TrainedModel(name: name, run: run, origin: origin, test: test,
                         key: ModelCache.key(config, training, fingerprint: data.fingerprint))
    bar.finish(String(format: "%@: %@; test ELBO %.2f nats (recon %.2f, KL %.2f nats = %.1f bits, %d/%d dims active)",
                      name, t.originText, test.elbo, test.reconstruction, test.kl, test.klBits,
                      test.activeUnits(), run.model.latentDim))
    return t
}

