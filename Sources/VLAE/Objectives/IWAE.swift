// The importance-weighted bound on log p(x) (Burda et al. 2016), used to report test NLL.
//
//   log p(x) >= L_k(x) = log (1/k) sum_i p(x, z_i) / q(z_i | x),     z_1..z_k ~ q(z|x)
//
// L_1 is the ELBO; L_k grows with k towards log p(x). The paper reports -L_4096. Each log
// weight is log p(x|z_i) + log p(z_i) - log q(z_i|x), and the average is taken with logsumexp
// (the weights themselves are around e^-90 and would underflow).
//
// Work is done in chunks of (images x samples) rows: the encoder runs once per image, the
// conditioning net and decoder once per sample, on all the chunk's samples in one batched pass.
// The part of the decoder that reads x but not z (for the PixelCNN: the type-A layer's
// convolution of x, Decoders.swift) runs once per image too (`.sharedX`, the default); the
// straightforward path (`.perSample`) runs the whole decoder on each sample's copy of x. Both
// draw the same codes in the same order, so they give the same bound (a test checks it).

import Foundation

public struct IWAEResult: Codable, Sendable {
    /// -L_k per image, nats.
    public var nllPerImage: [Double]
    public var k: Int
    public var seconds: Double
    public var mean: Double { nllPerImage.reduce(0, +) / Double(max(nllPerImage.count, 1)) }

    public init(nllPerImage: [Double], k: Int, seconds: Double) {
        self.nllPerImage = nllPerImage; self.k = k; self.seconds = seconds
    }
}

/// How the decoder is run on the k samples of an image.
public enum IWAEPath: Sendable {
    /// The whole decoder once per sample, on a copy of the image (the plain definition).
    case perSample
    /// What reads x alone once per image, the rest once per sample (the same numbers, faster).
    case sharedX
}

extension VAE {
    /// -L_k(x) for every image of `set`. `rowsPerPass` bounds the decoder batch (images x samples).
    /// `after` images came before `set` in the run it is a slice of (see `importanceLogWeights`).
    public func importanceWeightedNLL(_ set: ImageSet, k: Int, rowsPerPass: Int = 128, seed: UInt64 = 4096,
                                      path: IWAEPath = .sharedX, after: Int = 0,
                                      progress: (Int, Int) -> Void = { _, _ in }) -> IWAEResult {
        let start = Date()
        let w = importanceLogWeights(set, k: k, rowsPerPass: rowsPerPass, seed: seed, path: path, after: after, progress: progress)
        // @cell iwae-bound
        // @exercise 9
        // -L_k(x) = -(log sum_i exp w_i - log k): the log-sum-exp shifts by the largest weight
        return IWAEResult(nllPerImage: w.map { -(logSumExp($0) - Foundation.log(Double($0.count))) },
                          k: config.hasLatent ? k : 1, seconds: Date().timeIntervalSince(start))
        // @exercise-end
        // @end
    }

    /// The k log weights log p(x, z_i) - log q(z_i | x) of every image of `set` (one weight,
    /// the exact log p(x), for a model without a latent code).
    ///
    /// Every image takes its k x latentDim normals from one seeded stream, image after image, so
    /// `after` = n scores `set` as the images n, n+1, ... of a longer run: the stream first skips
    /// the n x k x latentDim draws of the images before (a shard of the bound, `evaluate --shard`,
    /// gives the numbers of the whole run when it also starts at a batch boundary of it).
    public func importanceLogWeights(_ set: ImageSet, k: Int, rowsPerPass: Int = 128, seed: UInt64 = 4096,
                                     path: IWAEPath = .sharedX, after: Int = 0,
                                     progress: (Int, Int) -> Void = { _, _ in }) -> [[Double]] {
        precondition(k >= 1 && rowsPerPass >= 1 && after >= 0, "importanceLogWeights: k and rowsPerPass must be at least 1, after at least 0")
        let tape = Tape(recording: false)
        var rng = RNG(seed: seed)
        if config.hasLatent { for _ in 0..<(after * k * latentDim) { _ = rng.normal() } }
        var out: [[Double]] = []
        out.reserveCapacity(set.count)
        let d = latentDim

        guard config.hasLatent else {
            // No latent: the decoder's likelihood is exact, log p(x).
            for batch in BatchIterator(set, batchSize: iwaeImagesPerPass(k: k), order: Array(0..<set.count)) {
                let x = Tensor(batch.pixels, shape: [batch.count, 28, 28, 1])
                let lp = tape.bernoulliLogLikelihood(logits: decode(tape, x: x, z: nil), targets: x)
                out += lp.values.map { [Double($0)] }
                progress(out.count, set.count)
            }
            return out
        }

        let imagesPerPass = iwaeImagesPerPass(k: k, rowsPerPass: rowsPerPass)
        let samplesPerPass = min(k, rowsPerPass)
        for batch in BatchIterator(set, batchSize: imagesPerPass, order: Array(0..<set.count)) {
            let b = batch.count
            let x = Tensor(batch.pixels, shape: [b, 28, 28, 1])
            let (mu, logvar) = encode(tape, x)
            let xTerm = path == .sharedX ? decoder.xTerm(tape, x: x) : nil    // once per image
            var logW = [[Double]](repeating: [], count: b)
            var done = 0
            while done < k {
                let s = min(samplesPerPass, k - done)
                let rows = b * s
                // z for (image n, sample j) at row n*s + j
                let muR = mu.repeatingExamples(s), lvR = logvar.repeatingExamples(s)
                let xR = x.repeatingExamples(s)
                let eps = Tensor(uninitialized: [rows, d])
                rng.fillNormal(eps.buffer)
                // @cell iwae-weights
                // z ~ q(z|x) with log q(z|x) (Gaussian, or after the IAF), and log p(z) (N(0, I) or the AF prior)
                let (z, logqPerDim) = posteriorSample(tape, mu: muR, logvar: lvR, eps: eps)
                let logq = tape.sumLastAxis(logqPerDim)
                let logpz = tape.sumLastAxis(priorLogDensity(tape, z))
                let logits = path == .sharedX
                    ? decoder.logits(tape, xTerm: xTerm, samplesPerImage: s, h: conditioning!(tape, z))
                    : decode(tape, x: xR, z: z)
                let logpx = tape.bernoulliLogLikelihood(logits: logits, targets: xR)
                // @end
                // @cell iwae-log-weights
                for n in 0..<b {
                    for j in 0..<s {
                        let r = n * s + j
                        logW[n].append(Double(logpx.data[r]) + Double(logpz.data[r]) - Double(logq.data[r]))
                    }
                }
                // @end
                done += s
            }
            out += logW
            progress(out.count, set.count)
        }
        return out
    }
}

extension VAE {
    /// Images per batch of `importanceLogWeights` (samples per image per pass: min(k, rowsPerPass));
    /// a model without a latent code takes batches of 100.
    public func iwaeImagesPerPass(k: Int, rowsPerPass: Int = 128) -> Int {
        config.hasLatent ? max(1, rowsPerPass / min(k, rowsPerPass)) : 100
    }
}

/// How the bound tightens with k, from one set of log weights per image: -L_k for each k that
/// divides the number of weights, the weights split into disjoint groups of k and -L_k averaged
/// over the groups (an unbiased estimate of E[-L_k] that reuses the same samples for every k).
// @cell iwae-by-k
public func boundByK(_ logWeights: [Double], ks: [Int]) -> [Double] {
    // @exercise 9
    ks.map { k in
        precondition(k >= 1 && logWeights.count % k == 0, "boundByK: \(logWeights.count) weights do not split into groups of \(k)")
        let groups = logWeights.count / k
        var sum = 0.0
        for g in 0..<groups { sum += -(logSumExp(Array(logWeights[(g * k)..<((g + 1) * k)])) - Foundation.log(Double(k))) }
        return sum / Double(groups)
    }
    // @exercise-end
}
// @end
