// The training loop: epochs of shuffled mini-batches, one optimiser step each, a validation
// pass and a checkpoint after every epoch.
//
// Each epoch draws its shuffling and noise from RNG(seed).fork(epoch), so a run interrupted
// after epoch e and resumed from its checkpoint continues exactly as if it had never stopped.

import Foundation

/// What one epoch did (kept in the checkpoint, plotted by the chapters).
public struct EpochRecord: Codable, Sendable {
    public var epoch: Int
    public var seconds: Double
    public var imagesPerSecond: Double
    /// Training averages over the epoch, nats per image: the loss actually minimised (with
    /// free bits / annealing), and the true reconstruction and KL terms.
    public var trainLoss: Double
    public var trainReconstruction: Double
    public var trainKL: Double
    public var beta: Double
    /// Validation split, one sample per image.
    public var validationELBO: Double
    public var validationReconstruction: Double
    public var validationKL: Double
    public var validationKLPerDim: [Double]
    /// The training batch's KL and reconstruction at every step of the epoch (nats per image).
    public var stepKL: [Double]? = nil
    public var stepReconstruction: [Double]? = nil
}

/// Progress of one optimiser step, for progress bars and live plots.
public struct StepInfo: Sendable {
    public var epoch: Int, epochs: Int
    public var step: Int, stepsPerEpoch: Int
    public var globalStep: Int
    public var loss: Double, reconstruction: Double, kl: Double
    public var imagesPerSecond: Double
    public var elapsed: Double
    /// Seconds left for the whole run, from the speed so far.
    public var eta: Double
}

public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
}

public final class TrainingRun {
    public let model: VAE
    public let config: TrainingConfig
    public let optimizer: Optimizer
    public internal(set) var history: [EpochRecord] = []
    public var epochsDone: Int { history.count }

    public init(model: VAE, config: TrainingConfig) {
        self.model = model
        self.config = config
        optimizer = Optimizer(config.optimizer, parameters: model.parameters, learningRate: config.learningRate)
    }

    /// Train from `epochsDone` up to `config.epochs`. `afterEpoch` runs after each epoch
    /// (the model cache writes its checkpoint there).
    public func train(on data: Dataset,
                      onStep: (StepInfo) -> Void = { _ in },
                      afterEpoch: (EpochRecord) throws -> Void = { _ in }) throws {
        configureAllocatorForTraining()
        let staticData = data.binarized(.staticSeeded(config.dataSeed))
        let trainSet = config.dynamicBinarization ? data.train : staticData.train
        let validation = staticData.validation
        let trainCount = config.maxTrainImages > 0 ? min(config.maxTrainImages, trainSet.count) : trainSet.count
        let stepsPerEpoch = (trainCount + config.batchSize - 1) / config.batchSize
        let runStart = Date()
        let firstEpoch = epochsDone
        if firstEpoch == 0 { model.initializeOutputBias(meanPixel: trainSet.meanIntensity) }
        var imagesThisRun = 0

        for epoch in firstEpoch..<config.epochs {
            var rng = RNG(seed: config.seed).fork(UInt64(epoch + 1))
            let order = Array(rng.permutation(trainSet.count).prefix(trainCount))
            let batches = BatchIterator(trainSet, batchSize: config.batchSize, order: order,
                                        dynamicBinarization: config.dynamicBinarization ? rng.fork(99) : nil)
            let epochStart = Date()
            var sumLoss = 0.0, sumRecon = 0.0, sumKL = 0.0, seen = 0
            var beta: Float = 1
            var stepKL: [Double] = [], stepRecon: [Double] = []
            for (step, batch) in batches.enumerated() {
                let globalStep = epoch * stepsPerEpoch + step
                beta = klAnnealingWeight(step: globalStep, rampSteps: config.klAnnealSteps)
                let x = Tensor(batch.pixels, shape: [batch.count, 28, 28, 1])
                let tape = Tape()
                let r = model.elbo(tape, x, rng: &rng, options: ELBOOptions(beta: beta * config.beta, freeBits: config.freeBits))
                let loss = Double(r.loss.item)
                guard loss.isFinite else {
                    throw TrainingError(description:
                        "the loss became \(loss) at epoch \(epoch + 1), step \(step + 1): training diverged; "
                        + "the last good epoch is kept; try a smaller --lr (now \(config.learningRate))")
                }
                tape.backward(from: r.loss)
                optimizer.step()
                tape.reset()

                let b = Double(batch.count)
                sumLoss += loss * b
                let batchRecon = r.reconstruction.reduce(0) { $0 + Double($1) }
                let batchKL = r.kl.reduce(0) { $0 + Double($1) }
                sumRecon += batchRecon
                sumKL += batchKL
                seen += batch.count
                imagesThisRun += batch.count
                stepKL.append(batchKL / b)
                stepRecon.append(batchRecon / b)
                let elapsed = Date().timeIntervalSince(runStart)
                let speed = Double(imagesThisRun) / max(elapsed, 1e-9)
                let remainingImages = Double((config.epochs - epoch) * trainCount - seen)
                onStep(StepInfo(epoch: epoch + 1, epochs: config.epochs, step: step + 1, stepsPerEpoch: stepsPerEpoch,
                                globalStep: globalStep + 1, loss: loss,
                                reconstruction: stepRecon[step], kl: stepKL[step],
                                imagesPerSecond: speed, elapsed: elapsed, eta: remainingImages / max(speed, 1e-9)))
            }
            let trainSeconds = Date().timeIntervalSince(epochStart)
            let v = model.evaluate(validation)
            let record = EpochRecord(epoch: epoch + 1, seconds: Date().timeIntervalSince(epochStart),
                                     imagesPerSecond: Double(seen) / trainSeconds,
                                     trainLoss: sumLoss / Double(seen), trainReconstruction: sumRecon / Double(seen),
                                     trainKL: sumKL / Double(seen), beta: Double(beta),
                                     validationELBO: v.elbo, validationReconstruction: v.reconstruction,
                                     validationKL: v.kl, validationKLPerDim: v.klPerDim,
                                     stepKL: stepKL, stepReconstruction: stepRecon)
            history.append(record)
            try afterEpoch(record)
        }
    }

    /// Total training time recorded so far (all sessions of a resumed run).
    public var trainSeconds: Double { history.reduce(0) { $0 + $1.seconds } }
}
