// The importance-weighted bound against the exact log-likelihood, and the optimisers against
// hand-computed steps.
//
// With a one-dimensional latent, log p(x) = log ∫ N(z; 0, 1) p(x|z) dz is a one-dimensional
// integral: quadrature on a fine grid gives it to far better than the 0.05 nats asked of the
// bound. The model is trained first (on images of a vertical bar whose position is the one
// thing to encode), so that q(z|x) is the kind of proposal the bound is used with.

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

/// A VAE with one latent dimension and a factorized decoder, trained briefly on bars.
private let barModel: (model: VAE, test: ImageSet) = {
    let config = ModelConfig(latentDim: 1, decoder: .factorized, encoderChannels: [4, 4, 4], conditioningChannels: [4, 4, 4])
    let data = Dataset(name: "bars", train: barImages(512, seed: 1), validation: barImages(32, seed: 2),
                       test: barImages(6, seed: 3), fingerprint: "bars", classNames: [], isBinary: true)
    let run = TrainingRun(model: VAE(config, seed: 7), config: TrainingConfig(epochs: 6, batchSize: 32, learningRate: 3e-3))
    try! run.train(on: data)
    return (run.model, data.test)
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

/// Exact log p(x) per image by quadrature: a coarse grid finds where the posterior lives,
/// then Simpson's rule on a fine grid over ±12 posterior standard deviations.
private func exactLogLikelihood(_ model: VAE, _ set: ImageSet) -> [Double] {
    func logPrior(_ z: Double) -> Double { -0.5 * z * z - 0.5 * Foundation.log(2 * Double.pi) }
    let coarse = (0...1200).map { -6 + Double($0) * 0.01 }
    let coarseLL = logLikelihoods(model, set, coarse)
    var result: [Double] = []
    for i in 0..<set.count {
        let joint = coarse.indices.map { coarseLL[$0][i] + logPrior(coarse[$0]) }
        let top = joint.max()!
        let w = joint.map { Foundation.exp($0 - top) }
        let total = w.reduce(0, +)
        let mean = zip(coarse, w).reduce(0) { $0 + $1.0 * $1.1 } / total
        let sd = max((zip(coarse, w).reduce(0) { $0 + ($1.0 - mean) * ($1.0 - mean) * $1.1 } / total).squareRoot(), 0.002)
        let lo = max(mean - 12 * sd, -8.0), hi = min(mean + 12 * sd, 8.0)
        let n = 1200   // even: Simpson
        let h = (hi - lo) / Double(n)
        let fine = (0...n).map { lo + Double($0) * h }
        let ll = logLikelihoods(model, set.subset([i]), fine)
        let f = fine.indices.map { ll[$0][0] + logPrior(fine[$0]) }
        let m = f.max()!
        var s = 0.0
        for (j, v) in f.enumerated() { s += (j == 0 || j == n ? 1 : (j % 2 == 1 ? 4 : 2)) * Foundation.exp(v - m) }
        result.append(m + Foundation.log(s * h / 3))
    }
    return result
}

@Suite("Importance-weighted bound and optimisers")
struct BoundTests {
    @Test func importanceWeightedBoundMatchesQuadrature() {
        let (model, test) = barModel
        let exact = exactLogLikelihood(model, test)
        // -L_k for each image alone, so that every k draws its samples from the same stream:
        // L_k then uses the first k of the samples L_4096 uses.
        let ks = [1, 4, 16, 64, 256, 4096]
        var bound = [[Double]](repeating: [], count: ks.count)
        for i in 0..<test.count {
            for (j, k) in ks.enumerated() {
                bound[j].append(-model.importanceWeightedNLL(test.subset([i]), k: k, rowsPerPass: 512, seed: 11).nllPerImage[0])
            }
        }
        // At k = 4096 the bound is log p(x), image by image, within 0.05 nats.
        for i in 0..<test.count {
            #expect(abs(bound[ks.count - 1][i] - exact[i]) < 0.05, "image \(i): L_4096 \(bound[ks.count - 1][i]), exact \(exact[i])")
        }
        // It tightens as k grows (on average over the images), and never passes log p(x) by
        // more than the tolerance.
        let means = bound.map { $0.reduce(0, +) / Double($0.count) }
        let exactMean = exact.reduce(0, +) / Double(exact.count)
        for j in 1..<ks.count {
            #expect(means[j] > means[j - 1], "mean L_\(ks[j]) \(means[j]) is not above mean L_\(ks[j - 1]) \(means[j - 1])")
        }
        #expect(means.allSatisfy { $0 < exactMean + 0.05 }, "\(means) vs exact \(exactMean)")
        // The bound at k = 1 is visibly looser than at 4096: the test can tell them apart.
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
