// The importance-weighted bound against the exact log-likelihood, and the optimisers against
// hand-computed steps.
//
// With a one-dimensional latent, log p(x) = log ∫ N(z; 0, 1) p(x|z) dz is a one-dimensional
// integral: quadrature on a fine grid gives it to far better than the 0.05 nats asked of the
// bound.

import Foundation
import Testing
@testable import VLAE

/// Binary 28x28 images of a bar two pixels wide at a random column, with a little noise.
private func barImages(_ count: Int, seed: UInt64) -> ImageSet {
    var rng = RNG(seed: seed)
    var pixels = [Float](repeating: 0, count: count * 784)
    for i in 0..<count {
        let c = 4 + 20 * Double(rng.uniform())
        for r in 0..<28 {
            for col in 0..<28 {
                let p: Float = abs(Double(col) + 0.5 - c) < 1.5 ? 0.9 : 0.03
                pixels[i * 784 + r * 28 + col] = rng.uniform() < p ? 1 : 0
            }
        }
    }
    return ImageSet(pixels: pixels, labels: [Int](repeating: 0, count: count))
}

/// A VAE with one latent dimension and a factorized decoder, at its random initialisation, and
/// six bar images to score. (A trained model was tried first: after a few epochs its decoder
/// folds z onto the bar position, so that two values of z draw the same bar; the posterior is
/// then bimodal and narrow, a Gaussian q misses a mode, and neither L_k nor a uniform-grid
/// quadrature converges at test scale. At initialisation the posterior is one smooth bump
/// narrower than the prior, which both can resolve, and L_1 is still well below log p(x).)
private let barModel: (model: VAE, test: ImageSet) = {
    let config = ModelConfig(latentDim: 1, decoder: .factorized, encoderChannels: [4, 4, 4], conditioningChannels: [4, 4, 4])
    return (VAE(config, seed: 7), barImages(6, seed: 3))
}()

/// log p(x|z) for every image of `set` (columns) at every z of `grid` (rows).
private func logLikelihoods(_ model: VAE, _ set: ImageSet, _ grid: [Double]) -> [[Double]] {
    let tape = Tape(recording: false)
    var out = [[Double]](repeating: [], count: grid.count)
    let chunk = 256
    for start in stride(from: 0, to: grid.count, by: chunk) {
        let zs = Array(grid[start..<min(start + chunk, grid.count)])
        let z = Tensor(zs.map { Float($0) }, shape: [zs.count, 1])
        // The factorized decoder's logits depend on z only: decode once, score every image.
        let logits = model.decode(tape, x: Tensor(zeros: [zs.count, 28, 28, 1]), z: z)
        for (r, _) in zs.enumerated() {
            for i in 0..<set.count {
                let x = set.image(i)
                var lp = 0.0
                for k in 0..<784 {
                    let l = Double(logits.data[r * 784 + k])
                    // log sigmoid(l) for x = 1, log sigmoid(-l) for x = 0, computed stably
                    let s = x[k] == 1 ? l : -l
                    lp += min(s, 0) - Foundation.log1p(Foundation.exp(-abs(s)))
                }
                out[start + r].append(lp)
            }
        }
    }
    return out
}

/// Exact log p(x) per image by quadrature: Simpson's rule over z in [-10, 10] with step 0.0025
/// (the prior beyond holds less than e^-50 of the mass).
private func exactLogLikelihood(_ model: VAE, _ set: ImageSet) -> [Double] {
    func logPrior(_ z: Double) -> Double { -0.5 * z * z - 0.5 * Foundation.log(2 * Double.pi) }
    let n = 8000   // even: Simpson
    let h = 20.0 / Double(n)
    let grid = (0...n).map { -10 + Double($0) * h }
    let ll = logLikelihoods(model, set, grid)
    return (0..<set.count).map { i in
        let f = grid.indices.map { ll[$0][i] + logPrior(grid[$0]) }
        let m = f.max()!
        var s = 0.0
        for (j, v) in f.enumerated() { s += (j == 0 || j == n ? 1 : (j % 2 == 1 ? 4 : 2)) * Foundation.exp(v - m) }
        return m + Foundation.log(s * h / 3)
    }
}

@Suite("Importance-weighted bound and optimisers")
struct BoundTests {
    @Test func importanceWeightedBoundMatchesQuadrature() {
        let (model, test) = barModel
        let exact = exactLogLikelihood(model, test)
        // E[L_k] for each k from one budget of 4096 samples per image: the image repeated
        // 4096/k times, each copy scored with its own k samples, and -L_k averaged over the
        // copies (with one pass of 4096 rows, every k sees the same 4096 draws, in blocks of k).
        let budget = 4096
        let ks = [1, 4, 16, 64, 256, budget]
        var means = [Double](repeating: 0, count: ks.count)
        for i in 0..<test.count {
            for (j, k) in ks.enumerated() {
                let copies = test.subset([Int](repeating: i, count: budget / k))
                let r = model.importanceWeightedNLL(copies, k: k, rowsPerPass: budget, seed: 11)
                let meanBound = -r.mean
                means[j] += meanBound / Double(test.count)
                // At k = 4096 the bound is log p(x), image by image, within 0.05 nats.
                if k == budget {
                    #expect(abs(meanBound - exact[i]) < 0.05, "image \(i): L_\(k) \(meanBound), exact \(exact[i])")
                }
            }
        }
        // It tightens as k grows (averaged over the blocks and the images), and stays below
        // log p(x) up to the tolerance.
        let exactMean = exact.reduce(0, +) / Double(exact.count)
        for j in 1..<ks.count {
            #expect(means[j] > means[j - 1], "mean L_\(ks[j]) \(means[j]) is not above mean L_\(ks[j - 1]) \(means[j - 1])")
        }
        #expect(means.allSatisfy { $0 < exactMean + 0.05 }, "\(means) vs exact \(exactMean)")
        // The bound at k = 1 is visibly looser: the test can tell a bound from log p(x).
        #expect(exactMean - means[0] > 0.05, "gap at k = 1 only \(exactMean - means[0])")
    }

    /// Two steps of each optimiser on w = (0.5, -1) with gradients (0.1, -2) then (0.3, 0.5),
    /// lr 0.01, beta1 0.9, beta2 0.999, eps 1e-8. The expected weights are worked out by hand
    /// from the update rules in Optimizers.swift (in doubles); e.g. Adam's second step for w0:
    /// m = 0.9*0.01 + 0.1*0.3 = 0.039, m^ = 0.039/0.19; v = 0.999e-5 + 0.09e-3 = 9.999e-5,
    /// v^ = 9.999e-5/0.001999; w0 = 0.49 - 0.01 * m^ / sqrt(v^) = 0.48082219.
    @Test(arguments: [(Optimizer.Kind.adam, [0.49, -0.99], [0.480822190, -0.985305318]),
                      (Optimizer.Kind.adamax, [0.49, -0.99], [0.483157896, -0.986575523])])
    func optimiserStepsMatchHandComputedValues(_ kind: Optimizer.Kind, _ afterOne: [Double], _ afterTwo: [Double]) {
        let w = Tensor([0.5, -1.0], shape: [2], requiresGrad: true)
        let opt = Optimizer(kind, parameters: [w], learningRate: 0.01)
        for (step, (g, expected)) in zip([[Float(0.1), -2.0], [0.3, 0.5]], [afterOne, afterTwo]).enumerated() {
            let grad = w.gradBuffer()
            grad[0] = g[0]; grad[1] = g[1]
            opt.step()
            for i in 0..<2 {
                #expect(abs(Double(w.values[i]) - expected[i]) < 2e-6, "\(kind) step \(step + 1) w\(i): \(w.values[i]) vs \(expected[i])")
            }
            #expect(w.gradValues == [0, 0], "the step zeroes the gradient")
        }
        #expect(opt.t == 2)
    }
}
