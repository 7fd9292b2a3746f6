// Two measures of what the latent code holds about the digit.
//
// 1. A linear probe: multinomial logistic regression from the posterior mean mu(x) to the
//    class, trained on the training split, scored on the test split. High accuracy: the class
//    can be read off z linearly.
// 2. Class agreement of decompressions: a small convolutional classifier, trained on the
//    training images, labels samples x' ~ p(x|z), z ~ q(z|x); agreement is the fraction whose
//    predicted class is the class of the original x. High agreement: z kept the digit's
//    identity even if the decoder redrew its strokes.

import Foundation

/// Multinomial logistic regression on fixed features (standardised with training statistics).
public struct LinearProbe {
    public let weights: Tensor, bias: Tensor
    public let mean: [Float], std: [Float]
    public let classes: Int

    /// Fit on `features` (count x dim, row-major) by full-batch Adam on the cross-entropy,
    /// with a small L2 penalty.
    public init(features: [Float], labels: [Int], dim: Int, classes: Int = 10, steps: Int = 300, seed: UInt64 = 5) {
        let n = labels.count
        var mean = [Float](repeating: 0, count: dim), std = [Float](repeating: 0, count: dim)
        for i in 0..<n { for j in 0..<dim { mean[j] += features[i * dim + j] } }
        for j in 0..<dim { mean[j] /= Float(n) }
        for i in 0..<n { for j in 0..<dim { let d = features[i * dim + j] - mean[j]; std[j] += d * d } }
        for j in 0..<dim { std[j] = max((std[j] / Float(n)).squareRoot(), 1e-6) }
        self.mean = mean; self.std = std; self.classes = classes
        var rng = RNG(seed: seed)
        let lin = Linear(dim, classes, rng: &rng)
        weights = lin.w; bias = lin.b
        let x = LinearProbe.standardize(features, mean, std, dim)
        let opt = Optimizer(.adam, parameters: [weights, bias], learningRate: 0.05)
        for _ in 0..<steps {
            let t = Tape()
            let ce = t.mean(t.softmaxCrossEntropy(t.dense(x, weights, bias), labels: labels))
            let l2 = t.scale(t.sum(t.square(weights)), 1e-4)
            t.backward(from: t.add(ce, l2))
            opt.step()
        }
        weights.requiresGrad = false; bias.requiresGrad = false
    }

    static func standardize(_ f: [Float], _ mean: [Float], _ std: [Float], _ dim: Int) -> Tensor {
        let n = f.count / dim
        let x = Tensor(uninitialized: [n, dim])
        for i in 0..<n { for j in 0..<dim { x.data[i * dim + j] = (f[i * dim + j] - mean[j]) / std[j] } }
        return x
    }

    public func predict(_ features: [Float]) -> [Int] {
        let dim = mean.count
        let logits = Tape(recording: false).dense(LinearProbe.standardize(features, mean, std, dim), weights, bias)
        return argmaxRows(logits)
    }

    public func accuracy(_ features: [Float], labels: [Int]) -> Double {
        let p = predict(features)
        return Double(zip(p, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
    }
}

/// A small CNN digit classifier: conv3x3/2 (1->w) ELU, conv3x3/2 (w->2w) ELU, linear -> 10
/// (with `hidden` > 0: linear -> hidden, ELU, linear -> 10).
public final class DigitClassifier: HasParameters {
    public let c1: Conv, c2: Conv, fc: Linear
    public let fc2: Linear?
    public private(set) var testAccuracy: Double = 0
    let width: Int

    public init(seed: UInt64 = 11, width: Int = 16, hidden: Int = 0) {
        var rng = RNG(seed: seed)
        self.width = width
        c1 = Conv(1, width, ConvGeometry(kernel: 3, stride: 2, pad: 1), rng: &rng)
        c2 = Conv(width, 2 * width, ConvGeometry(kernel: 3, stride: 2, pad: 1), rng: &rng)
        fc = Linear(7 * 7 * 2 * width, hidden > 0 ? hidden : 10, rng: &rng)
        fc2 = hidden > 0 ? Linear(hidden, 10, rng: &rng) : nil
    }

    func logits(_ t: Tape, _ x: Tensor) -> Tensor {
        let h = t.elu(c2(t, t.elu(c1(t, x))))
        let f = fc(t, t.reshape(h, [x.shape[0], 7 * 7 * 2 * width]))
        return fc2.map { $0(t, t.elu(f)) } ?? f
    }

    /// Train on binary images with dynamic binarization of the grey training set (augmentation),
    /// then record the accuracy on `test` (binary).
    public func train(on set: ImageSet, test: ImageSet, epochs: Int = 6, seed: UInt64 = 12) {
        let opt = Optimizer(.adam, parameters: parameters, learningRate: 2e-3)
        for epoch in 0..<epochs {
            var rng = RNG(seed: seed).fork(UInt64(epoch))
            for batch in BatchIterator(set, batchSize: 64, order: rng.permutation(set.count), dynamicBinarization: rng.fork(1)) {
                let t = Tape()
                let x = Tensor(batch.pixels, shape: [batch.count, 28, 28, 1])
                t.backward(from: t.mean(t.softmaxCrossEntropy(logits(t, x), labels: batch.labels)))
                opt.step()
            }
        }
        testAccuracy = accuracy(test.pixels, labels: test.labels)
    }

    public func predict(_ images: [Float]) -> [Int] {
        let n = images.count / 784
        var out: [Int] = []
        let t = Tape(recording: false)
        for start in stride(from: 0, to: n, by: 256) {
            let m = min(256, n - start)
            let x = Tensor(Array(images[(start * 784)..<((start + m) * 784)]), shape: [m, 28, 28, 1])
            out += argmaxRows(logits(t, x))
        }
        return out
    }

    public func accuracy(_ images: [Float], labels: [Int]) -> Double {
        let p = predict(images)
        return Double(zip(p, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
    }

    public func namedParameters() -> [(String, Tensor)] {
        prefixed("c1", c1.namedParameters()) + prefixed("c2", c2.namedParameters()) + prefixed("fc", fc.namedParameters())
            + (fc2.map { prefixed("fc2", $0.namedParameters()) } ?? [])
    }
}

func argmaxRows(_ t: Tensor) -> [Int] {
    let c = t.cols
    return (0..<t.rows).map { i in
        var best = 0
        for j in 1..<c where t.data[i * c + j] > t.data[i * c + best] { best = j }
        return best
    }
}
