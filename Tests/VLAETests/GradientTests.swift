// Every op's backward against central finite differences.
//
// For an op y = f(inputs), the test builds the scalar L = sum_i w_i y_i with fixed random w,
// runs backward for dL/d input, and compares a sample of entries with
//   (L(input + h e_k) - L(input - h e_k)) / 2h
// evaluated in Double from the Float32 forward values. Tolerances are relative, and tight
// enough that a wrong sign, a missing term or a factor of 2 fails loudly.

import Testing
import Foundation
@testable import VLAE

/// Check d(sum w*f(inputs))/d inputs against central differences.
func checkGradients(_ name: String, inputs: [Tensor], h: Float = 1e-2, tolerance: Double = 2e-2,
                    samples: Int = 24, seed: UInt64 = 7, _ f: (Tape, [Tensor]) -> Tensor) {
    var rng = RNG(seed: seed)
    for x in inputs { x.requiresGrad = true; x.zeroGrad() }
    // fixed random output weights
    let probe = f(Tape(recording: false), inputs)
    let w = Tensor.randomNormal(probe.shape, std: 1, rng: &rng)
    func lossValue() -> Double {
        let y = f(Tape(recording: false), inputs)
        var s = 0.0
        for i in 0..<y.count { s += Double(y.data[i]) * Double(w.data[i]) }
        return s
    }
    let tape = Tape()
    let y = f(tape, inputs)
    let loss = tape.sum(tape.mul(y, w))
    tape.backward(from: loss)

    for (xi, x) in inputs.enumerated() {
        let analytic = x.gradValues ?? [Float](repeating: 0, count: x.count)
        let picks = x.count <= samples ? Array(0..<x.count) : (0..<samples).map { _ in rng.below(x.count) }
        var worst = 0.0
        for k in picks {
            let old = x.data[k]
            x.data[k] = old + h; let up = lossValue()
            x.data[k] = old - h; let down = lossValue()
            x.data[k] = old
            let numeric = (up - down) / (2 * Double(h))
            let a = Double(analytic[k])
            let err = abs(a - numeric) / max(1.0, abs(a), abs(numeric))
            worst = max(worst, err)
        }
        #expect(worst < tolerance, "\(name): input \(xi) relative gradient error \(worst)")
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, std: Float = 1, offset: Float = 0) -> Tensor {
    var rng = RNG(seed: seed)
    let t = Tensor.randomNormal(shape, std: std, rng: &rng)
    if offset != 0 { for i in 0..<t.count { t.data[i] += offset } }
    return t
}

/// Values kept away from 0, for ops with a kink there (ReLU, ELU's second derivative).
func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
    let t = randomTensor(shape, seed: seed)
    for i in 0..<t.count where abs(t.data[i]) < 0.1 { t.data[i] += t.data[i] >= 0 ? 0.2 : -0.2 }
    return t
}

@Suite("Gradients of every op")
struct GradientTests {
    @Test func elementwise() {
        checkGradients("add", inputs: [randomTensor([3, 4], seed: 1), randomTensor([3, 4], seed: 2)]) { t, x in t.add(x[0], x[1]) }
        checkGradients("add broadcast", inputs: [randomTensor([2, 3, 4], seed: 1), randomTensor([4], seed: 2)]) { t, x in t.add(x[0], x[1]) }
        checkGradients("mul broadcast", inputs: [randomTensor([2, 3, 4], seed: 3), randomTensor([3, 4], seed: 4)]) { t, x in t.mul(x[0], x[1]) }
        checkGradients("mulRows", inputs: [randomTensor([3, 5], seed: 5), randomTensor([3], seed: 6)]) { t, x in t.mulRows(x[0], x[1]) }
        checkGradients("scale", inputs: [randomTensor([7], seed: 7)]) { t, x in t.scale(x[0], -1.7) }
        checkGradients("sub", inputs: [randomTensor([4], seed: 8), randomTensor([4], seed: 9)]) { t, x in t.sub(x[0], x[1]) }
        checkGradients("exp", inputs: [randomTensor([9], seed: 10, std: 0.5)]) { t, x in t.exp(x[0]) }
        checkGradients("log", inputs: [randomTensor([9], seed: 11, std: 0.2, offset: 2)]) { t, x in t.log(x[0]) }
        checkGradients("square", inputs: [randomTensor([9], seed: 12)]) { t, x in t.square(x[0]) }
    }

    @Test func activations() {
        checkGradients("elu", inputs: [awayFromZero([4, 6], seed: 13)], h: 1e-3) { t, x in t.elu(x[0]) }
        checkGradients("sigmoid", inputs: [randomTensor([4, 6], seed: 15, std: 2)]) { t, x in t.sigmoid(x[0]) }
        checkGradients("tanh", inputs: [randomTensor([4, 6], seed: 16)]) { t, x in t.tanh(x[0]) }
        checkGradients("softplus", inputs: [randomTensor([4, 6], seed: 17, std: 3)]) { t, x in t.softplus(x[0]) }
    }

    @Test func reductionsAndShapes() {
        checkGradients("sum", inputs: [randomTensor([3, 4], seed: 18)]) { t, x in t.sum(x[0]) }
        checkGradients("mean", inputs: [randomTensor([3, 4], seed: 19)]) { t, x in t.mean(x[0]) }
        checkGradients("sumLastAxis", inputs: [randomTensor([3, 4], seed: 20)]) { t, x in t.sumLastAxis(x[0]) }
        checkGradients("logsumexp", inputs: [randomTensor([3, 5], seed: 21, std: 3)]) { t, x in t.logsumexp(x[0]) }
        checkGradients("reshape", inputs: [randomTensor([2, 6], seed: 22)]) { t, x in t.reshape(x[0], [3, 4]) }
        checkGradients("concat", inputs: [randomTensor([3, 2], seed: 23), randomTensor([3, 4], seed: 24)]) { t, x in t.concat([x[0], x[1]]) }
        checkGradients("sliceColumns", inputs: [randomTensor([3, 6], seed: 25)]) { t, x in t.sliceColumns(x[0], 2, 3) }
        checkGradients("addColumnSlice", inputs: [randomTensor([2, 3, 2], seed: 26), randomTensor([2, 3, 6], seed: 27)]) { t, x in
            t.addColumnSlice(x[0], x[1], start: 4)
        }
        // two images, three rows each in `all`: image n's map is added to rows 3n, 3n+1, 3n+2
        checkGradients("addRepeated", inputs: [randomTensor([2, 2, 3, 2], seed: 28), randomTensor([6, 2, 3, 5], seed: 29)]) { t, x in
            t.addRepeated(x[0], repeats: 3, plusColumnsOf: x[1], start: 2)
        }
    }

    @Test func denseLayer() {
        checkGradients("dense", inputs: [randomTensor([5, 4], seed: 28), randomTensor([4, 3], seed: 29), randomTensor([3], seed: 30)]) { t, x in
            t.dense(x[0], x[1], x[2])
        }
    }

    @Test func convolutions() {
        let x = randomTensor([2, 6, 5, 3], seed: 31)
        checkGradients("conv3x3 pad1", inputs: [x, randomTensor([27, 4], seed: 32, std: 0.3), randomTensor([4], seed: 33)]) { t, v in
            t.conv2d(v[0], v[1], v[2], ConvGeometry(kernel: 3, stride: 1, pad: 1))
        }
        checkGradients("conv3x3 stride2", inputs: [randomTensor([2, 7, 7, 2], seed: 34), randomTensor([18, 3], seed: 35, std: 0.3), randomTensor([3], seed: 36)]) { t, v in
            t.conv2d(v[0], v[1], v[2], ConvGeometry(kernel: 3, stride: 2, pad: 1))
        }
        checkGradients("conv1x1", inputs: [randomTensor([2, 3, 3, 4], seed: 37), randomTensor([4, 2], seed: 38), randomTensor([2], seed: 39)]) { t, v in
            t.conv2d(v[0], v[1], v[2], ConvGeometry(kernel: 1, pad: 0))
        }
        for (type, k) in [(MaskType.a, 3), (.b, 3), (.a, 5), (.b, 7)] {
            let g = ConvGeometry.masked(type, kernel: k)
            checkGradients("masked \(type) \(k)x\(k)", inputs: [randomTensor([2, 6, 6, 2], seed: 40), randomTensor([g.taps.count * 2, 3], seed: 41, std: 0.3)]) { t, v in
                t.maskedConv2d(v[0], v[1], nil, type: type, kernel: k)
            }
        }
        checkGradients("upsample", inputs: [randomTensor([2, 3, 2, 3], seed: 42)]) { t, v in t.upsampleNearest(v[0], factor: 2) }
    }

    @Test func objectives() {
        let x = Tensor((0..<12).map { Float($0 % 3 == 0 ? 1 : 0) }, shape: [2, 6])
        checkGradients("bernoulli", inputs: [randomTensor([2, 6], seed: 43, std: 3)]) { t, v in
            t.bernoulliLogLikelihood(logits: v[0], targets: x)
        }
        checkGradients("gaussianKL", inputs: [randomTensor([3, 4], seed: 44), randomTensor([3, 4], seed: 45, std: 0.5)]) { t, v in
            t.gaussianKL(mu: v[0], logvar: v[1])
        }
        let eps = randomTensor([3, 4], seed: 46)
        checkGradients("reparameterize", inputs: [randomTensor([3, 4], seed: 47), randomTensor([3, 4], seed: 48, std: 0.5)]) { t, v in
            t.reparameterize(mu: v[0], logvar: v[1], eps: eps)
        }
        checkGradients("gaussianLogDensity", inputs: [randomTensor([3, 4], seed: 49), randomTensor([3, 4], seed: 50), randomTensor([3, 4], seed: 51, std: 0.5)]) { t, v in
            t.gaussianLogDensity(v[0], mu: v[1], logvar: v[2])
        }
        checkGradients("standardNormalLogDensity", inputs: [randomTensor([3, 4], seed: 52)]) { t, v in t.standardNormalLogDensity(v[0]) }
        // free bits: groups well above and well below the floor (a kink sits at the floor)
        let kl = Tensor([0.01, 2.0, 0.02, 3.0, 0.03, 2.5], shape: [3, 2])
        checkGradients("freeBitsKL", inputs: [kl], h: 1e-3) { t, v in t.freeBitsKL(v[0], lambda: 0.5) }
    }

    @Test func bernoulliIsStableForLargeLogits() {
        let t = Tape(recording: false)
        let logits = Tensor([80, -80, 80, -80], shape: [1, 4])
        let x = Tensor([1, 0, 0, 1], shape: [1, 4])
        let lp = t.bernoulliLogLikelihood(logits: logits, targets: x).item
        #expect(lp.isFinite)
        #expect(abs(lp - (-160)) < 1e-3)   // two certain hits (0) and two certain misses (-80 each)
    }

    @Test func wholeModelGradients() {
        // A tiny VAE of each decoder kind: the gradient of the loss with respect to a sample of
        // every parameter tensor, through encoder, reparameterisation, decoder and KL.
        for decoder in [DecoderConfig.factorized, .pixelCNN(PixelCNNConfig(layers: 2, channels: 4))] {
            let config = ModelConfig(latentDim: 3, decoder: decoder, encoderChannels: [2, 2, 2], conditioningChannels: [2, 2, 2])
            let model = VAE(config, seed: 1)
            var rng = RNG(seed: 2)
            let x = Tensor((0..<(2 * 784)).map { _ in rng.uniform() < 0.3 ? 1 : 0 }, shape: [2, 28, 28, 1])
            for (name, p) in model.namedParameters() where name.hasSuffix(".w") {
                checkGradients("\(config.name) \(name)", inputs: [p], h: 1e-2, tolerance: 3e-2, samples: 4) { t, v in
                    var r = RNG(seed: 3)
                    return model.elbo(t, x, rng: &r).loss
                }
            }
        }
    }
}

@Suite("Fast math")
struct FastMathTests {
    @Test func fastExpMatchesLibm() {
        var worst: Float = 0
        var x: Float = -80
        while x < 80 {
            let a = fastExp(x), b = Foundation.exp(x)
            worst = max(worst, abs(a - b) / b)
            x += 0.0137
        }
        #expect(worst < 3e-7)
        #expect(fastExp(-200) >= 0 && fastExp(-200) < 1e-37)
    }
}
