// The end-to-end runs: after its checks, an exercise's piece is used for real, in the cheapest
// run that exercises it (a small model trained for a few seconds on MNIST-5k, then measured), and
// the run's key numbers are compared with bands measured over seeds 1, 2 and 3 (Bands.swift,
// records/exercise-bands.json). A run trains its own model, in its own process, so a stub in
// another exercise's piece stops only the runs that need it.

import Foundation
import VLAE

public enum EndToEndRun: String, CaseIterable, Codable, Sendable {
    /// A factorized VAE (8-dimensional code): test -ELBO and KL. Exercises 1, 2.
    case vae
    /// The same with free bits (lambda = 0.5 nats per dimension): test -ELBO and KL. Exercise 3.
    case freeBits = "free-bits"
    /// The VAE's test digits coded with BB-ANS and decoded back: bits per digit. Exercises 4-6.
    case bitsBack = "bits-back"
    /// A 2-layer PixelCNN alone (no code): test NLL. Exercise 7.
    case pixelCNN = "pixelcnn"
    /// The VAE's importance-weighted bound (k = 32): test NLL. Exercises 8, 9.
    case iwae
    /// The factorized VAE with an AF prior (2 MADE steps): test -ELBO and KL. Exercises 10, 11.
    case afPrior = "af-prior"

    /// What the run does, for the report.
    public var summary: String {
        switch self {
        case .vae: return "factorized VAE, D = 8, 2 epochs of 1,000 digits; -ELBO and KL on 200 test digits"
        case .freeBits: return "the same VAE trained with free bits (lambda = 0.5 nats per dimension); -ELBO and KL on 200 test digits"
        case .bitsBack: return "the VAE of `vae`, then BB-ANS on 20 test digits, decoded back; bits per digit"
        case .pixelCNN: return "PixelCNN alone, 2 layers of 16 channels, 1 epoch of 1,000 digits; NLL on 200 test digits"
        case .iwae: return "the VAE of `vae`, then the importance-weighted bound, k = 32, on 50 test digits"
        case .afPrior: return "factorized VAE, D = 8, with an AF prior (2 MADE steps of 32 units), 2 epochs of 1,000 digits; -ELBO and KL on 200 test digits"
        }
    }
}

/// A run's key numbers by name (nats or bits, as the name says).
public typealias KeyNumbers = [String: Double]

public struct RunError: Error, CustomStringConvertible {
    public let description: String
}

public enum Runs {
    /// MNIST-5k, statically binarized as the chapters do (seed 0), cut to 1,000 training, 100
    /// validation and 200 test digits.
    static func data() throws -> Dataset {
        let full = try loadDataset(.mnist5k()).binarized(.staticSeeded(0))
        var d = full
        d.train = full.train.subset(Array(0..<1000))
        d.validation = full.validation.subset(Array(0..<100))
        d.test = full.test.subset(Array(0..<200))
        d.fingerprint = full.fingerprint + "-exercises"
        return d
    }

    static func train(_ config: ModelConfig, epochs: Int, freeBits: Float = 0, seed: UInt64, data: Dataset) throws -> VAE {
        let model = VAE(config, seed: seed)
        let run = TrainingRun(model: model, config: TrainingConfig(epochs: epochs, freeBits: freeBits, seed: seed))
        try run.train(on: data)
        return model
    }

    static let vaeConfig = ModelConfig(latentDim: 8, decoder: .factorized)

    /// Run `run` with training seed `seed`: its key numbers.
    public static func run(_ run: EndToEndRun, seed: UInt64) throws -> KeyNumbers {
        let data = try data()
        func elbo(_ m: VAE) -> KeyNumbers {
            let e = m.evaluate(data.test)
            return ["neg_elbo_nats": -e.elbo, "kl_nats": e.kl]
        }
        switch run {
        case .vae:
            return elbo(try train(vaeConfig, epochs: 2, seed: seed, data: data))
        case .freeBits:
            return elbo(try train(vaeConfig, epochs: 2, freeBits: 0.5, seed: seed, data: data))
        case .afPrior:
            var c = vaeConfig
            c.prior = .autoregressiveFlow(FlowConfig(steps: 2, hidden: [32]))
            return elbo(try train(c, epochs: 2, seed: seed, data: data))
        case .pixelCNN:
            let c = ModelConfig(decoder: .pixelCNN(PixelCNNConfig(layers: 2, channels: 16, conditioned: false)))
            return ["nll_nats": -(try train(c, epochs: 1, seed: seed, data: data)).evaluate(data.test).elbo]
        case .iwae:
            let m = try train(vaeConfig, epochs: 2, seed: seed, data: data)
            return ["iwae_nll_nats": m.importanceWeightedNLL(data.test.subset(Array(0..<50)), k: 32).mean]
        case .bitsBack:
            let m = try train(vaeConfig, epochs: 2, seed: seed, data: data)
            let images = (0..<20).map { data.test.image($0) }
            let coder = BBANSCoder(model: m)
            let e = try coder.encode(images)
            guard try coder.decode(e.bytes) == images else {
                throw RunError(description: "the 20 coded digits did not decode back to themselves")
            }
            return ["bits_per_digit": e.bitsPerDigit]
        }
    }
}
