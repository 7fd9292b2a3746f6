// What the coder should achieve: the negative ELBO, with the continuous latent (what the model
// was trained on) and with the discretised one (what the coder actually sends).
//
//   continuous:   E_q(z|x)[-log p(x|z)] + KL(q(z|x) || N(0, I))
//   discretised:  E_Q(k|x)[-log p(x|c_k)] + sum_j KL(Q_j || uniform over K buckets)
// where Q_j is q's mass in the buckets of LatentBuckets and c_k the buckets' centres. Both
// expectations use the same `samples` draws z ~ q (the discretised one takes the bucket z falls
// in, which is a draw from Q), so their difference is measured with little noise.

import Foundation

public struct CodeLengthBounds: Codable, Sendable {
    /// Means over the digits, nats.
    public var reconstructionContinuous: Double
    public var klContinuous: Double
    public var reconstructionDiscrete: Double
    public var klDiscrete: Double
    public var samples: Int
    /// Standard error (nats) of a mean over the digits of *one* draw of z per digit, the way the
    /// coder draws it, around the discretised negative ELBO: sqrt(sum_i var_i) / count, with var_i
    /// the variance over draws of digit i's one-draw code length
    /// -log p(x_i|c_k) - log P(k) + log Q(k|x_i). (0 without a latent.)
    public var oneDrawStandardError: Double = 0
    public var negativeELBOContinuous: Double { reconstructionContinuous + klContinuous }
    public var negativeELBODiscrete: Double { reconstructionDiscrete + klDiscrete }
}

extension VAE {
    /// The two negative ELBOs of `images` (784 binary pixels each), averaged over the digits.
    /// Without a latent both are the exact -log p(x).
    public func codeLengthBounds(_ images: [[Float]], buckets: LatentBuckets, samples: Int, seed: UInt64 = 77,
                                 batchSize: Int = 100) -> CodeLengthBounds {
        var rng = RNG(seed: seed)
        let t = Tape(recording: false)
        let d = latentDim
        var rc = 0.0, rd = 0.0, kc = 0.0, kd = 0.0
        var varianceSum = 0.0
        let logK = Double(buckets.bits) * Foundation.log(2.0)
        for start in stride(from: 0, to: images.count, by: batchSize) {
            let n = min(batchSize, images.count - start)
            let x = Tensor(images[start..<(start + n)].flatMap { $0 }, shape: [n, 28, 28, 1])
            func perImageNLL(_ z: Tensor?) -> [Double] {
                t.bernoulliLogLikelihood(logits: decode(t, x: x, z: z), targets: x).values.map { -Double($0) }
            }
            func nll(_ z: Tensor?) -> Double { perImageNLL(z).reduce(0, +) }
            guard config.hasLatent else {
                let v = nll(nil); rc += v; rd += v
                continue
            }
            let (mu, logvar) = encode(t, x)
            for i in 0..<(n * d) {
                let m = Double(mu.data[i]), lv = Double(logvar.data[i])
                kc += 0.5 * (m * m + Foundation.exp(lv) - 1 - lv)
                kd += buckets.discreteKL(mu: m, sigma: Foundation.exp(0.5 * lv))
            }
            var oneDraw = [[Double]](repeating: [], count: n)     // per digit, per draw
            for _ in 0..<samples {
                let z = Tensor(uninitialized: [n, d]), zd = Tensor(uninitialized: [n, d])
                var logRatio = [Double](repeating: 0, count: n)    // log Q(k|x) - log P(k), summed over dims
                for i in 0..<(n * d) {
                    let m = Double(mu.data[i]), sd = Foundation.exp(0.5 * Double(logvar.data[i]))
                    let v = m + sd * Double(rng.normal())
                    let k = buckets.bucket(of: v)
                    z.data[i] = Float(v)
                    zd.data[i] = buckets.centres[k]
                    logRatio[i / d] += Foundation.log(buckets.mass(k, mu: m, sigma: sd)) + logK
                }
                rc += nll(z) / Double(samples)
                let nd = perImageNLL(zd)
                rd += nd.reduce(0, +) / Double(samples)
                for b in 0..<n { oneDraw[b].append(nd[b] + logRatio[b]) }
            }
            if samples > 1 {
                for v in oneDraw {
                    let mean = v.reduce(0, +) / Double(v.count)
                    varianceSum += v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)
                }
            }
        }
        let c = Double(images.count)
        return CodeLengthBounds(reconstructionContinuous: rc / c, klContinuous: kc / c,
                                reconstructionDiscrete: rd / c, klDiscrete: kd / c, samples: samples,
                                oneDrawStandardError: varianceSum.squareRoot() / c)
    }
}
