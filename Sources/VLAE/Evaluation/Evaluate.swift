// Evaluation on a held-out split: the ELBO and its two parts, the KL of every latent
// dimension, active units, and the posterior means (for probes and plots).

import Foundation

public struct EvaluationResult: Codable, Sendable {
    public var count: Int
    /// Mean over images, nats.
    public var elbo: Double
    public var reconstruction: Double
    public var kl: Double
    /// Mean KL of each latent dimension, nats.
    public var klPerDim: [Double]
    /// Posterior means, count x D, row-major (empty without a latent).
    public var mu: [Float]
    public var labels: [Int]
    /// Per-image -ELBO, nats.
    public var negativeELBOPerImage: [Float]

    public var klBits: Double { kl / Foundation.log(2.0) }
    /// Dimensions whose mean KL is above `threshold` nats (0.1 by the usual rule of thumb).
    public func activeUnits(threshold: Double = 0.1) -> Int { klPerDim.filter { $0 > threshold }.count }
}

extension VAE {
    /// Evaluate the ELBO on every image of `set` (one reparameterisation sample per image,
    /// drawn from a fixed seed so two evaluations of the same model agree).
    public func evaluate(_ set: ImageSet, batchSize: Int = 100, seed: UInt64 = 12345) -> EvaluationResult {
        var rng = RNG(seed: seed)
        let d = latentDim
        var recon = 0.0, kl = 0.0
        var klPerDim = [Double](repeating: 0, count: d)
        var mu: [Float] = []; mu.reserveCapacity(set.count * d)
        var perImage: [Float] = []; perImage.reserveCapacity(set.count)
        let tape = Tape(recording: false)
        for batch in BatchIterator(set, batchSize: batchSize, order: Array(0..<set.count)) {
            let x = Tensor(batch.pixels, shape: [batch.count, 28, 28, 1])
            let r = elbo(tape, x, rng: &rng)
            recon += r.reconstruction.reduce(0) { $0 + Double($1) }
            for n in 0..<batch.count {
                for j in 0..<d { klPerDim[j] += Double(r.klPerDim[n * d + j]) }
            }
            kl += r.kl.reduce(0) { $0 + Double($1) }
            mu += r.mu
            perImage += r.negativeELBO
        }
        let n = Double(set.count)
        return EvaluationResult(count: set.count, elbo: -(recon + kl) / n, reconstruction: recon / n, kl: kl / n,
                                klPerDim: klPerDim.map { $0 / n }, mu: mu, labels: set.labels,
                                negativeELBOPerImage: perImage)
    }

    /// Logits-based reconstructions: p(x|z) means for z = posterior mean (factorized decoder),
    /// or the decoder's one-step-ahead probabilities given the true pixels (PixelCNN).
    public func reconstructionProbabilities(_ images: [Float], count: Int) -> [Float] {
        let t = Tape(recording: false)
        let x = Tensor(images, shape: [count, 28, 28, 1])
        let z = config.hasLatent ? encode(t, x).mu : nil
        return decode(t, x: x, z: z).values.map { stableSigmoid($0) }
    }
}

extension VAE {
    /// Pixel probabilities of a factorized decoder for codes z [N, D] (the decoder's mean image).
    /// Only defined without an autoregressive decoder (a PixelCNN has no per-pixel mean given z alone).
    public func decodeMeans(z: Tensor) -> [Float] {
        precondition(!decoder.isAutoregressive, "decodeMeans needs a factorized decoder; sample a PixelCNN instead")
        let t = Tape(recording: false)
        let x = Tensor(zeros: [z.shape[0], 28, 28, 1])
        return decode(t, x: x, z: z).values.map { stableSigmoid($0) }
    }
}
