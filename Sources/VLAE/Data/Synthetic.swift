// A controlled dataset for posterior collapse: noisy "rule 90" textures.
//
// Each image is drawn by a local, causal process in raster order:
//   row 0:      x[0, c] ~ Bernoulli(rowZeroDensity), independently
//   row r > 0:  x[r, c] = x[r-1, c-1] XOR x[r-1, c+1], flipped with probability `noise`
//               (pixels outside the image count as 0)
// Every pixel depends only on two pixels of the row above, both inside a 3x3 type-A mask. A
// PixelCNN decoder can therefore represent this distribution exactly, with no latent code at
// all: whatever z might say about an image, the decoder already knows it from the pixels it has
// seen. This is the situation of the paper's argument, made certain rather than likely.
//
// The exact negative log-likelihood of an image is known in closed form (`exactNLL`), so the
// chapter can show how close a model gets to the truth.

import Foundation

public struct Rule90Textures: Sendable {
    public var rowZeroDensity: Double = 0.3
    public var noise: Double = 0.05
    public init(rowZeroDensity: Double = 0.3, noise: Double = 0.05) {
        self.rowZeroDensity = rowZeroDensity; self.noise = noise
    }

    /// `count` images, 784 binary pixels each.
    public func generate(count: Int, seed: UInt64) -> [Float] {
        var rng = RNG(seed: seed)
        var out = [Float](repeating: 0, count: count * 784)
        for n in 0..<count {
            let base = n * 784
            for c in 0..<28 { out[base + c] = rng.uniformDouble() < rowZeroDensity ? 1 : 0 }
            for r in 1..<28 {
                for c in 0..<28 {
                    let left: Float = c > 0 ? out[base + (r - 1) * 28 + c - 1] : 0
                    let right: Float = c < 27 ? out[base + (r - 1) * 28 + c + 1] : 0
                    var v: Float = left != right ? 1 : 0
                    if rng.uniformDouble() < noise { v = 1 - v }
                    out[base + r * 28 + c] = v
                }
            }
        }
        return out
    }

    /// -log p(x) under the true process, nats.
    public func exactNLL(_ image: ArraySlice<Float>) -> Double {
        let x = Array(image)
        var nll = 0.0
        for c in 0..<28 { nll -= Foundation.log(x[c] == 1 ? rowZeroDensity : 1 - rowZeroDensity) }
        for r in 1..<28 {
            for c in 0..<28 {
                let left: Float = c > 0 ? x[(r - 1) * 28 + c - 1] : 0
                let right: Float = c < 27 ? x[(r - 1) * 28 + c + 1] : 0
                let rule: Float = left != right ? 1 : 0
                nll -= Foundation.log(x[r * 28 + c] == rule ? 1 - noise : noise)
            }
        }
        return nll
    }

    /// A dataset of 4000 / 500 / 500 textures (sizes as MNIST-5k's), labels -1.
    public func dataset(train: Int = 4000, validation: Int = 500, test: Int = 500, seed: UInt64 = 90) -> Dataset {
        func set(_ n: Int, _ s: UInt64) -> ImageSet {
            ImageSet(pixels: generate(count: n, seed: s), labels: [Int](repeating: -1, count: n))
        }
        let fp = String(sha256Hex("rule90|\(rowZeroDensity)|\(noise)|\(train)|\(validation)|\(test)|\(seed)").prefix(16))
        return Dataset(name: "rule90", train: set(train, seed), validation: set(validation, seed + 1),
                       test: set(test, seed + 2), fingerprint: fp, classNames: [], isBinary: true)
    }
}
