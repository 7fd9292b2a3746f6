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
        for start in stride(from: 0, to: images.count, by: batchSize) {
            let n = min(batchSize, images.count - start)
            let x = Tensor(images[start..<(start + n)].flatMap { $0 }, shape: [n, 28, 28, 1])
            func nll(_ z: Tensor?) -> Double {
                t.bernoulliLogLikelihood(logits: decode(t, x: x, z: z), targets: x).values.reduce(0) { $0 - Double($1) }
            }
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
            for _ in 0..<samples {
                let z = Tensor(uninitialized: [n, d]), zd = Tensor(uninitialized: [n, d])
                for i in 0..<(n * d) {
                    let v = Double(mu.data[i]) + Foundation.exp(0.5 * Double(logvar.data[i])) * Double(rng.normal())
                    z.data[i] = Float(v)
                    zd.data[i] = buckets.centres[buckets.bucket(of: v)]
                }
                rc += nll(z) / Double(samples)
                rd += nll(zd) / Double(samples)
            }
        }
        let c = Double(images.count)
        return CodeLengthBounds(reconstructionContinuous: rc / c, klContinuous: kc / c,
                                reconstructionDiscrete: rd / c, klDiscrete: kd / c, samples: samples)
    }
}
