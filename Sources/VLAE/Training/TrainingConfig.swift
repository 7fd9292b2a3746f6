// How a model is trained, as data (part of the model cache key).

import Foundation

public struct TrainingConfig: Codable, Hashable, Sendable {
    public var epochs: Int = 10
    public var batchSize: Int = 64
    public var learningRate: Float = 1e-3
    public var optimizer: Optimizer.Kind = .adam
    /// Free-bits floor per latent dimension, nats (0: off).
    public var freeBits: Float = 0
    /// KL annealing: beta ramps 0 -> 1 over this many optimiser steps (0: off).
    public var klAnnealSteps: Int = 0
    /// Static binarization (drawn once with `dataSeed`) or dynamic (redrawn every epoch).
    public var dynamicBinarization: Bool = false
    /// Seed of the static binarization: shared by every model so their test sets are the same digits.
    public var dataSeed: UInt64 = 0
    /// Seed of the initial weights, the data order and the reparameterisation noise.
    public var seed: UInt64 = 1
    /// Cap on training images per epoch (0: all). For quick classroom runs.
    public var maxTrainImages: Int = 0
    /// The beta-VAE KL weight (Higgins et al. 2017), stored only when it is not 1: nil encodes
    /// to nothing, so every model trained before this field existed keeps its cache key.
    public var klWeight: Float? = nil
    /// A fine-tune: the cache key (ModelCache.key) of the trained run whose weights this run starts
    /// from, instead of fresh weights drawn from `seed` (the optimiser starts afresh). nil encodes
    /// to nothing, so every model trained from scratch keeps its cache key.
    public var warmStart: String? = nil

    /// The KL weight beta of the loss -E[log p(x|z)] + beta * KL (1: the true ELBO).
    public var beta: Float {
        get { klWeight ?? 1 }
        set { klWeight = newValue == 1 ? nil : newValue }
    }

    public init(epochs: Int = 10, batchSize: Int = 64, learningRate: Float = 1e-3, optimizer: Optimizer.Kind = .adam,
                freeBits: Float = 0, klAnnealSteps: Int = 0, dynamicBinarization: Bool = false,
                dataSeed: UInt64 = 0, seed: UInt64 = 1, maxTrainImages: Int = 0) {
        self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
        self.optimizer = optimizer; self.freeBits = freeBits; self.klAnnealSteps = klAnnealSteps
        self.dynamicBinarization = dynamicBinarization; self.dataSeed = dataSeed; self.seed = seed
        self.maxTrainImages = maxTrainImages
    }

    /// The model-name suffix of docs/metrics.md: _freebits, _anneal, and _beta0.25 when beta != 1.
    public var nameSuffix: String {
        (freeBits > 0 ? "_freebits" : "") + (klAnnealSteps > 0 ? "_anneal" : "")
            + (beta != 1 ? "_beta\(betaText)" : "")
    }

    /// beta as a short decimal: 0.1, 0.25, 2.
    public var betaText: String {
        let b = Double(beta)
        return b == b.rounded() ? String(Int(b)) : String(format: "%g", b)
    }

    /// Everything but the epoch count: two runs that differ only in epochs continue each other.
    public var resumeKey: TrainingConfig { var c = self; c.epochs = 0; return c }
}
