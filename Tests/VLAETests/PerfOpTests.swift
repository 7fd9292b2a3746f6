// The ops added for speed compute exactly what the plain ops compute, and their gradients
// match finite differences like every other op's.

import Testing
import Foundation
@testable import VLAE

@Suite("Fused and threaded ops")
struct PerfOpTests {
    /// upsample2Conv3x3 == conv3x3(upsampleNearest(x, 2)), for odd and even sizes.
    @Test func fusedUpsampleConvEqualsPlainPath() {
        for (h, w, cin, cout) in [(3, 4, 2, 3), (7, 7, 5, 4), (1, 1, 1, 2)] {
            let x = randomTensor([2, h, w, cin], seed: 60)
            let wt = randomTensor([9 * cin, cout], seed: 61, std: 0.3)
            let b = randomTensor([cout], seed: 62)
            let t = Tape(recording: false)
            let fused = t.upsample2Conv3x3(x, wt, b)
            let plain = t.conv2d(t.upsampleNearest(x, factor: 2), wt, b, ConvGeometry(kernel: 3, stride: 1, pad: 1))
            #expect(fused.shape == plain.shape)
            var worst: Float = 0
            for i in 0..<fused.count { worst = max(worst, abs(fused.data[i] - plain.data[i])) }
            #expect(worst < 1e-4, "fused upsample+conv differs by \(worst) at \(h)x\(w)")
        }
    }

    @Test func fusedUpsampleConvGradients() {
        checkGradients("upsample2Conv3x3", inputs: [randomTensor([2, 3, 4, 2], seed: 63), randomTensor([18, 3], seed: 64, std: 0.3),
                                                   randomTensor([3], seed: 65)]) { t, v in
            t.upsample2Conv3x3(v[0], v[1], v[2])
        }
        checkGradients("foldUpsampleKernel", inputs: [randomTensor([18, 3], seed: 66)]) { t, v in
            t.foldUpsampleKernel(v[0], cin: 2, py: 1, px: 0)
        }
        checkGradients("interleaveParities", inputs: (0..<4).map { randomTensor([2, 2, 3, 2], seed: 67 + UInt64($0)) } + [randomTensor([2], seed: 71)]) { t, v in
            t.interleaveParities(Array(v[0..<4]), bias: v[4])
        }
    }

    /// The conditioning net gives the same h with the fused and with the plain path.
    @Test func conditioningNetFusedEqualsPlain() {
        var rng = RNG(seed: 5)
        let net = ConditioningNet(latentDim: 4, channels: [3, 2, 2], rng: &rng)
        let z = randomTensor([2, 4], seed: 72)
        let t = Tape(recording: false)
        let fused = net(t, z)
        // the plain path, spelled out
        var h = t.reshape(t.elu(net.fc(t, z)), [2, 7, 7, 3])
        h = t.elu(net.c1(t, t.upsampleNearest(h, factor: 2)))
        let plain = t.elu(net.c2(t, t.upsampleNearest(h, factor: 2)))
        var worst: Float = 0
        for i in 0..<fused.count { worst = max(worst, abs(fused.data[i] - plain.data[i])) }
        #expect(worst < 1e-4)
    }

    /// conv2d (gathered block by block, images split over threads) against a plain loop, on maps
    /// big enough for several blocks; and its gradients there.
    @Test func blockedConvMatchesNaiveLoop() {
        for (g, hw, cin) in [(ConvGeometry(kernel: 3, stride: 1, pad: 1), 30, 16), (ConvGeometry(kernel: 3, stride: 2, pad: 1), 61, 16),
                             (ConvGeometry.masked(.b, kernel: 5), 30, 12), (ConvGeometry.masked(.a, kernel: 7), 64, 1),
                             (ConvGeometry(kernel: 3, stride: 1, pad: 1), 50, 1)] {
            let x = randomTensor([4, hw, hw, cin], seed: 87)
            let w = randomTensor([g.taps.count * cin, 5], seed: 88, std: 0.2), b = randomTensor([5], seed: 89)
            let y = Tape(recording: false).conv2d(x, w, b, g)
            let ho = g.outSize(hw)
            #expect(ho * ho * 4 * g.taps.count * cin > 2 * convBlockFloats, "the test should span several blocks")
            var worst: Float = 0
            for n in 0..<4 { for oy in 0..<ho { for ox in 0..<ho { for co in 0..<5 {
                var acc = b.data[co]
                for (t, tap) in g.taps.enumerated() {
                    let iy = oy * g.stride - g.pad + tap.ky, ix = ox * g.stride - g.pad + tap.kx
                    guard iy >= 0 && iy < hw && ix >= 0 && ix < hw else { continue }
                    for ci in 0..<cin { acc += x.data[((n * hw + iy) * hw + ix) * cin + ci] * w.data[(t * cin + ci) * 5 + co] }
                }
                worst = max(worst, abs(acc - y.data[((n * ho + oy) * ho + ox) * 5 + co]))
            } } } }
            #expect(worst < 1e-4, "conv differs from the naive loop by \(worst)")
        }
        let g = ConvGeometry(kernel: 3, stride: 1, pad: 1)
        checkGradients("conv2d, several blocks", inputs: [randomTensor([4, 30, 30, 16], seed: 90), randomTensor([144, 3], seed: 91, std: 0.1),
                                                         randomTensor([3], seed: 92)], samples: 12) { t, v in
            t.conv2d(v[0], v[1], v[2], g)
        }
        // one input channel, binary-ish input with zeros as in the models
        let xb = Tensor((0..<(4 * 40 * 40)).map { Float(($0 * 7919) % 5 == 0 ? 1 : 0) + ($0 % 3 == 0 ? 0.5 : 0) }, shape: [4, 40, 40, 1])
        for gg in [ConvGeometry.masked(.a, kernel: 3), ConvGeometry(kernel: 3, stride: 2, pad: 1)] {
            checkGradients("conv2d, one input channel", inputs: [xb, randomTensor([gg.taps.count, 6], seed: 93), randomTensor([6], seed: 94)],
                           samples: 12) { t, v in
                t.conv2d(v[0], v[1], v[2], gg)
            }
        }
    }

    @Test func convPlusColumns() {
        let all = randomTensor([2, 5, 4, 7], seed: 81)
        let g = ConvGeometry.masked(.b, kernel: 3)
        checkGradients("conv2d plusColumnsOf", inputs: [randomTensor([2, 5, 4, 2], seed: 82), randomTensor([g.taps.count * 2, 3], seed: 83, std: 0.3),
                                                       randomTensor([3], seed: 84), all]) { t, v in
            t.conv2d(v[0], v[1], v[2], g, plusColumnsOf: v[3], start: 2)
        }
        // the same values as conv2d then addColumnSlice
        let x = randomTensor([2, 5, 4, 2], seed: 85), w = randomTensor([g.taps.count * 2, 3], seed: 86)
        let t = Tape(recording: false)
        let fused = t.conv2d(x, w, nil, g, plusColumnsOf: all, start: 4)
        let plain = t.addColumnSlice(t.conv2d(x, w, nil, g), all, start: 4)
        for i in 0..<fused.count { #expect(abs(fused.data[i] - plain.data[i]) < 1e-5) }
    }

    @Test func addELU() {
        checkGradients("addELU", inputs: [randomTensor([4, 6], seed: 73), awayFromZero([4, 6], seed: 74)], h: 1e-3) { t, v in
            t.addELU(v[0], v[1])
        }
        // the same values as add(a, elu(u))
        let a = randomTensor([50], seed: 75), u = randomTensor([50], seed: 76, std: 3)
        let t = Tape(recording: false)
        let fused = t.addELU(a, u), plain = t.add(a, t.elu(u))
        for i in 0..<50 { #expect(abs(fused.data[i] - plain.data[i]) < 1e-6) }
    }

    /// A tensor used twice still gets both gradient contributions when backward writes
    /// ("fresh") instead of adding into a zeroed buffer.
    @Test func freshGradientWritesStillAccumulate() {
        checkGradients("elu twice", inputs: [awayFromZero([3, 5], seed: 77)], h: 1e-3) { t, v in
            t.add(t.elu(v[0]), t.addELU(v[0], v[0]))
        }
    }

    /// Threaded sgemm (rows split, or the summed dimension split for A^T B) equals one call.
    @Test func splitGemmMatchesSingleCall() {
        let (m, n, k) = (700, 33, 900)
        let a = randomTensor([m, k], seed: 78), b = randomTensor([k, n], seed: 79)
        let at = randomTensor([k, m], seed: 80)
        func run(_ threads: Int, transA: Bool) -> [Float] {
            let c = Tensor(zeros: [m, n])
            for i in 0..<c.count { c.data[i] = Float(i % 7) }
            gemm(m, n, k, transA ? at.data : a.data, transA: transA, b.data, c.data, alpha: 0.5, beta: 1, threads: threads)
            return c.values
        }
        for transA in [false, true] {
            let one = run(1, transA: transA), two = run(2, transA: transA)
            var worst: Float = 0
            for i in 0..<one.count { worst = max(worst, abs(one[i] - two[i]) / max(1, abs(one[i]))) }
            #expect(worst < 1e-4, "transA \(transA): \(worst)")
            #expect(two == run(2, transA: transA), "not deterministic")
        }
    }

    /// Threads split work by sizes only: the same seed gives bit-identical losses and gradients.
    @Test func trainingStepIsDeterministic() {
        func oneStep() -> (Float, [Float]) {
            let model = VAE(.pixelCNN(layers: 2, kernel: 3), seed: 3)
            var rng = RNG(seed: 4)
            let x = Tensor((0..<(8 * 784)).map { _ in rng.uniform() < 0.2 ? 1 : 0 }, shape: [8, 28, 28, 1])
            let t = Tape()
            let r = model.elbo(t, x, rng: &rng)
            t.backward(from: r.loss)
            return (r.loss.item, model.parameters.flatMap { $0.gradValues ?? [] })
        }
        let (l1, g1) = oneStep(), (l2, g2) = oneStep()
        #expect(l1 == l2)
        #expect(g1 == g2)
    }

    /// The Bernoulli likelihood stays finite and right for logits of any size.
    @Test func bernoulliExtremeLogits() {
        let t = Tape()
        let logits = Tensor([150, -150, 100, -100, 0, 30, -30, 1e-4], shape: [1, 8], requiresGrad: true)
        let x = Tensor([1, 0, 0, 1, 1, 1, 0, 1], shape: [1, 8])
        let lp = t.bernoulliLogLikelihood(logits: logits, targets: x)
        let expected: Double = 0 + 0 - 100 - 100 - log(2) - log1p(exp(-30)) - log1p(exp(-30)) - log1p(exp(-1e-4))
        #expect(abs(Double(lp.item) - expected) < 1e-3)
        t.backward(from: t.sum(lp))
        let g = logits.gradValues!
        #expect(g.allSatisfy { $0.isFinite })
        #expect(abs(g[2] - (-1)) < 1e-6 && abs(g[3] - 1) < 1e-6 && abs(g[4] - 0.5) < 1e-6)
    }

    /// The direct loops for thin products (SmallProducts.swift) against sgemm, on the shapes they
    /// are used for (K = 4 or 9 with N = 32, K = 32 with N = 1) and on odd ones (tails).
    @Test func smallProductsMatchSgemm() {
        for (m, n, k) in [(37, 32, 4), (50, 32, 9), (41, 1, 32), (9, 1, 37), (13, 5, 3), (7, 48, 16)] {
            let a = randomTensor([m, k], seed: 100), b = randomTensor([k, n], seed: 101), d = randomTensor([m, n], seed: 102)
            let bias = randomTensor([n], seed: 103), add = randomTensor([m, n + 3], seed: 104)
            func worst(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int) -> Float {
                (0..<count).reduce(0) { max($0, abs(x[$1] - y[$1])) }
            }
            // c = bias + addend + a b
            let ref = Tensor(zeros: [m, n]), c = Tensor(zeros: [m, n])
            initRows(ref.data, 0..<m, n, bias.data, (UnsafePointer(add.data + 2), n + 3))
            sgemmCall(m, n, k, a.data, k, false, b.data, n, false, ref.data, 1, 1)
            productSmall(m, n, k, a.data, b.data, c.data, bias: bias.data, addend: add.data + 2, addendStride: n + 3)
            #expect(worst(ref.data, c.data, m * n) < 1e-4, "productSmall \(m)x\(n)x\(k)")
            addProductSmall(m, n, k, a.data, b.data, c.data)
            sgemmCall(m, n, k, a.data, k, false, b.data, n, false, ref.data, 1, 1)
            #expect(worst(ref.data, c.data, m * n) < 1e-4, "addProductSmall \(m)x\(n)x\(k)")
            // acc += a^T d
            let accRef = randomTensor([k, n], seed: 105), acc = accRef.clone()
            sgemmCall(k, n, m, a.data, k, true, d.data, n, false, accRef.data, 1, 1)
            addTransposedProductSmall(m, n, k, a.data, d.data, acc.data)
            #expect(worst(accRef.data, acc.data, k * n) < 1e-4, "addTransposedProductSmall \(m)x\(n)x\(k)")
            // c = d b^T, and += d b^T
            let bt = randomTensor([k, n], seed: 106)
            let cRef = randomTensor([m, k], seed: 107), c2 = cRef.clone(), c3 = Tensor(zeros: [m, k])
            sgemmCall(m, k, n, d.data, n, false, bt.data, n, true, cRef.data, 1, 1)
            productTransposedSmall(m, n, k, d.data, bt.data, c2.data, add: true)
            #expect(worst(cRef.data, c2.data, m * k) < 1e-4, "productTransposedSmall add \(m)x\(n)x\(k)")
            sgemmCall(m, k, n, d.data, n, false, bt.data, n, true, cRef.data, 0, 0) // zero cRef
            sgemmCall(m, k, n, d.data, n, false, bt.data, n, true, cRef.data, 1, 0)
            productTransposedSmall(m, n, k, d.data, bt.data, c3.data, add: false)
            #expect(worst(cRef.data, c3.data, m * k) < 1e-4, "productTransposedSmall \(m)x\(n)x\(k)")
        }
    }

    /// The first layer (one channel, 4 taps, 32 outputs: direct loops), a 32 -> 1 output layer
    /// and a wide 1x1 layer with an addend (blocked backward over several blocks and threads):
    /// values against the naive loop, gradients against finite differences.
    @Test func thinConvolutions() {
        let gA = ConvGeometry.masked(.a, kernel: 3), g1 = ConvGeometry(kernel: 1, pad: 0)
        for (g, hw, cin, cout) in [(gA, 40, 1, 32), (g1, 40, 32, 1), (g1, 45, 8, 48), (ConvGeometry(kernel: 3, stride: 1, pad: 1), 30, 1, 32)] {
            let x = randomTensor([4, hw, hw, cin], seed: 110)
            let w = randomTensor([g.taps.count * cin, cout], seed: 111, std: 0.2), b = randomTensor([cout], seed: 112)
            let all = randomTensor([4, hw, hw, cout + 5], seed: 113)
            let y = Tape(recording: false).conv2d(x, w, b, g, plusColumnsOf: all, start: 3)
            let ho = g.outSize(hw)
            var worst: Float = 0
            for n in 0..<4 { for oy in 0..<ho { for ox in 0..<ho { for co in 0..<cout {
                let p = (n * ho + oy) * ho + ox
                var acc = b.data[co] + all.data[p * (cout + 5) + 3 + co]
                for (t, tap) in g.taps.enumerated() {
                    let iy = oy - g.pad + tap.ky, ix = ox - g.pad + tap.kx
                    guard iy >= 0 && iy < hw && ix >= 0 && ix < hw else { continue }
                    for ci in 0..<cin { acc += x.data[((n * hw + iy) * hw + ix) * cin + ci] * w.data[(t * cin + ci) * cout + co] }
                }
                worst = max(worst, abs(acc - y.data[p * cout + co]))
            } } } }
            #expect(worst < 1e-4, "conv \(cin)->\(cout) differs from the naive loop by \(worst)")
            checkGradients("thin conv \(cin)->\(cout)", inputs: [x, w, b, all], samples: 12) { t, v in
                t.conv2d(v[0], v[1], v[2], g, plusColumnsOf: v[3], start: 3)
            }
        }
        // small maps too (one block, one thread), without bias or addend
        checkGradients("conv 1x1 6->1", inputs: [randomTensor([2, 3, 3, 6], seed: 114), randomTensor([6, 1], seed: 115)]) { t, v in
            t.conv2d(v[0], v[1], nil, g1)
        }
    }

    /// dx of a same-size stride-1 convolution, computed as a convolution of dy with the mirrored
    /// kernel, against the naive scatter loop; and finite differences through it.
    @Test func mirroredInputGradient() {
        for (g, cin, cout) in [(ConvGeometry.masked(.b, kernel: 3), 8, 6), (ConvGeometry.masked(.a, kernel: 7), 3, 5),
                               (ConvGeometry(kernel: 3, stride: 1, pad: 1), 5, 4), (ConvGeometry.masked(.b, kernel: 5), 4, 7)] {
            let (n, hw) = (3, 33)
            let x = randomTensor([n, hw, hw, cin], seed: 120), w = randomTensor([g.taps.count * cin, cout], seed: 121, std: 0.3)
            let dyT = randomTensor([n, hw, hw, cout], seed: 122)
            x.requiresGrad = true; x.zeroGrad()
            let t = Tape()
            let y = t.conv2d(x, w, nil, g)
            t.backward(from: t.sum(t.mul(y, dyT)))
            var worst: Float = 0
            var ref = [Float](repeating: 0, count: x.count)
            for b in 0..<n { for oy in 0..<hw { for ox in 0..<hw { for (tp, tap) in g.taps.enumerated() {
                let iy = oy - g.pad + tap.ky, ix = ox - g.pad + tap.kx
                guard iy >= 0 && iy < hw && ix >= 0 && ix < hw else { continue }
                for ci in 0..<cin { for co in 0..<cout {
                    ref[((b * hw + iy) * hw + ix) * cin + ci] += dyT.data[((b * hw + oy) * hw + ox) * cout + co] * w.data[(tp * cin + ci) * cout + co]
                } }
            } } } }
            let gx = x.gradValues!
            for i in 0..<ref.count { worst = max(worst, abs(ref[i] - gx[i])) }
            #expect(worst < 1e-4, "mirrored dx differs from the scatter loop by \(worst)")
            checkGradients("conv dx, mirrored", inputs: [randomTensor([2, 6, 6, cin], seed: 123), w], samples: 16) { t, v in
                t.conv2d(v[0], v[1], nil, g)
            }
        }
    }
}
