// The flows of chapter 6: MADE, the AF prior and the IAF posterior. Each test below fails on
// a mistake that public re-implementations have made: a mask that lets output i see input i,
// a log-determinant with the wrong sign or the wrong steps, a sampler that does not invert the
// density pass, an IAF that ignores its context, a KL averaged over dimensions.

import Testing
import Foundation
@testable import VLAE

/// Give every MADE output head random weights: a fresh flow is the identity, which would make
/// most of these checks pass for the wrong reason.
func randomizeHeads(_ flow: FlowSteps, seed: UInt64, scale: Float = 0.3) {
    var rng = RNG(seed: seed)
    for m in flow.made {
        for t in [m.muHead.w, m.muHead.b, m.scaleHead.w, m.scaleHead.b] { rng.fillUniform(t.buffer, -scale, scale) }
    }
}

/// d out / d in of a map [1, D] -> [1, D] by central differences (in Double from Float forwards).
func numericJacobian(_ x: [Float], h: Float = 1e-3, _ f: ([Float]) -> [Float]) -> [[Double]] {
    let d = x.count
    var j = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
    for c in 0..<d {
        var up = x, down = x
        up[c] += h; down[c] -= h
        let fu = f(up), fd = f(down)
        for r in 0..<d { j[r][c] = (Double(fu[r]) - Double(fd[r])) / (2 * Double(h)) }
    }
    return j
}

/// log |det M| by Gaussian elimination with partial pivoting.
func logAbsDet(_ m: [[Double]]) -> Double {
    var a = m
    let n = a.count
    var logDet = 0.0
    for c in 0..<n {
        let p = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
        a.swapAt(c, p)
        let pivot = a[c][c]
        logDet += Foundation.log(abs(pivot))
        for r in (c + 1)..<max(c + 1, n) {
            let f = a[r][c] / pivot
            for k in c..<n { a[r][k] -= f * a[c][k] }
        }
    }
    return logDet
}

@Suite("Flows: MADE, AF prior, IAF posterior")
struct FlowTests {
    // MARK: MADE

    @Test func maskedDenseMatchesItsDenseMatrix() {
        var rng = RNG(seed: 1)
        let d = 5
        let layer = MaskedLinear(inDegrees: MADEDegrees.input(d), outDegrees: MADEDegrees.hidden(11, dim: d), strict: false, rng: &rng)
        let x = randomTensor([3, d], seed: 2)
        let y = Tape(recording: false).maskedDense(x, layer)
        let w = layer.denseWeights()
        for n in 0..<3 {
            for j in 0..<layer.fanOut {
                var s = Double(layer.b.data[j])
                for i in 0..<d { s += Double(x.data[n * d + i]) * Double(w[i * layer.fanOut + j]) }
                #expect(abs(s - Double(y.data[n * layer.fanOut + j])) < 1e-5)
            }
        }
        // only the unmasked weights are stored: sum over outputs of the inputs they may see
        let visible = layer.outDegrees.map { o in layer.inDegrees.filter { $0 <= o }.count }.reduce(0, +)
        #expect(layer.w.count == visible)
        #expect(layer.w.count < d * layer.fanOut)
    }

    /// Output i of MADE must not move when inputs i, i+1, ... move (strictly triangular), and
    /// must move with some earlier input. Checked by perturbing the inputs, not by reading masks.
    @Test func madeJacobianIsStrictlyTriangular() {
        var rng = RNG(seed: 3)
        let d = 6
        let flow = FlowSteps(dim: d, config: FlowConfig(steps: 2, hidden: [24, 24]), rng: &rng)
        randomizeHeads(flow, seed: 4)
        let x = randomTensor([1, d], seed: 5).values
        for k in 0..<2 {
            // both outputs (mu and log sigma) of step k, as functions of its input
            for output in 0..<2 {
                let jac = numericJacobian(x) { v in
                    let (mu, ls) = flow.parameters(Tape(recording: false), step: k, Tensor(v, shape: [1, d]))
                    return (output == 0 ? mu : ls).values
                }
                // in step k's ordering, position p is dimension order[p]
                let order = flow.isReversed(k) ? Array((0..<d).reversed()) : Array(0..<d)
                for (p, i) in order.enumerated() {
                    for (q, j) in order.enumerated() where q >= p {
                        #expect(abs(jac[i][j]) < 1e-4, "step \(k): output \(i) depends on input \(j) (\(jac[i][j]))")
                    }
                    if p > 0 {
                        let earlier = order[..<p].map { abs(jac[i][$0]) }.max()!
                        #expect(earlier > 1e-4, "step \(k): output \(i) ignores every earlier input")
                    }
                }
            }
        }
    }

    // MARK: log-determinants

    /// AF prior: log p(z) = log N(eps) + log |det d eps / dz|, with the Jacobian by finite differences.
    @Test func afLogDeterminantMatchesNumericJacobian() {
        var rng = RNG(seed: 6)
        let d = 4
        let prior = AutoregressiveFlowPrior(dim: d, config: FlowConfig(steps: 3, hidden: [16, 16]), rng: &rng)
        randomizeHeads(prior.flow, seed: 7)
        for seed in [UInt64(8), 9, 10] {
            let z = randomTensor([1, d], seed: seed)
            let eps = prior.epsilon(z)
            let logp = prior.logDensity(Tape(recording: false), z).values.reduce(0) { $0 + Double($1) }
            let logN = eps.values.reduce(0.0) { $0 - 0.5 * (Double(log2Pi) + Double($1) * Double($1)) }
            let jac = numericJacobian(z.values) { prior.epsilon(Tensor($0, shape: [1, d])).values }
            let numeric = logAbsDet(jac)
            #expect(abs((logp - logN) - numeric) < 2e-3, "AF log-det \(logp - logN) vs numeric \(numeric)")
            #expect(abs(numeric) > 0.05, "the flow should not be volume-preserving here")
        }
    }

    /// IAF: sum of the steps' log sigma = log |det dz_K / dz_0|.
    @Test func iafLogDeterminantMatchesNumericJacobian() {
        var rng = RNG(seed: 11)
        let d = 4
        let post = InverseAutoregressiveFlowPosterior(dim: d, config: FlowConfig(steps: 3, hidden: [16, 16]), rng: &rng)
        randomizeHeads(post.flow, seed: 12)
        let h = randomTensor([1, InverseAutoregressiveFlowPosterior.contextDim], seed: 13)
        for seed in [UInt64(14), 15] {
            let z0 = randomTensor([1, d], seed: seed)
            let logDet = post.transform(Tape(recording: false), z0, context: h).logDet.values.reduce(0) { $0 + Double($1) }
            let jac = numericJacobian(z0.values) { post.transform(Tape(recording: false), Tensor($0, shape: [1, d]), context: h).z.values }
            let numeric = logAbsDet(jac)
            #expect(abs(logDet - numeric) < 2e-3, "IAF log-det \(logDet) vs numeric \(numeric)")
        }
    }

    /// The whole posterior: log q(z|x) = log N(z_0; mu, sigma^2) - log |det dz/dz_0|, with z_0 = mu + sigma eps.
    @Test func iafPosteriorDensity() {
        var rng = RNG(seed: 16)
        let d = 3
        let post = InverseAutoregressiveFlowPosterior(dim: d, config: FlowConfig(steps: 2, hidden: [12]), rng: &rng)
        randomizeHeads(post.flow, seed: 17)
        let mu = randomTensor([1, d], seed: 18), logvar = randomTensor([1, d], seed: 19, std: 0.5)
        let eps = randomTensor([1, d], seed: 20)
        let t = Tape(recording: false)
        let (z, logq) = post.sample(t, mu: mu, logvar: logvar, eps: eps)
        var logq0 = 0.0
        var z0 = [Float](repeating: 0, count: d)
        for j in 0..<d {
            let lv = Double(logvar.data[j]), e = Double(eps.data[j])
            z0[j] = mu.data[j] + Float(Foundation.exp(0.5 * lv) * e)
            logq0 += -0.5 * (Double(log2Pi) + lv + e * e)
        }
        let h = post.context(t, mu: mu, logvar: logvar)
        let jac = numericJacobian(z0) { post.transform(Tape(recording: false), Tensor($0, shape: [1, d]), context: h).z.values }
        let expected = logq0 - logAbsDet(jac)
        #expect(abs(logq.values.reduce(0) { $0 + Double($1) } - expected) < 2e-3)
        let zT = post.transform(t, Tensor(z0, shape: [1, d]), context: h).z
        for j in 0..<d { #expect(abs(z.data[j] - zT.data[j]) < 1e-5) }
    }

    // MARK: sampling inverts the density pass

    @Test func afSampleThenDensityReturnsTheNoise() {
        var rng = RNG(seed: 21)
        let d = 8
        let prior = AutoregressiveFlowPrior(dim: d, config: FlowConfig(steps: 2, hidden: [32, 32]), rng: &rng)
        randomizeHeads(prior.flow, seed: 22, scale: 0.5)
        let eps = randomTensor([5, d], seed: 23)
        let z = prior.sample(eps: eps)
        let back = prior.epsilon(z)
        var worst: Float = 0, moved: Float = 0
        for i in 0..<eps.count {
            worst = max(worst, abs(back.data[i] - eps.data[i]))
            moved = max(moved, abs(z.data[i] - eps.data[i]))
        }
        #expect(worst < 1e-4, "sample -> density returned eps off by \(worst)")
        #expect(moved > 0.1, "the flow should move the points (it did by at most \(moved))")
    }

    // MARK: the IAF reads the encoder's context

    @Test func iafUsesTheContext() {
        var rng = RNG(seed: 24)
        let d = 4, c = InverseAutoregressiveFlowPosterior.contextDim
        let post = InverseAutoregressiveFlowPosterior(dim: d, config: FlowConfig(steps: 2, hidden: [16]), rng: &rng)
        randomizeHeads(post.flow, seed: 25)
        let z0 = randomTensor([1, d], seed: 26)
        let t = Tape(recording: false)
        let a = post.transform(t, z0, context: randomTensor([1, c], seed: 27)).z
        let b = post.transform(t, z0, context: randomTensor([1, c], seed: 28)).z
        let change = (0..<d).map { abs(a.data[$0] - b.data[$0]) }.max()!
        #expect(change > 1e-3, "changing h did not change z")
        // and the VAE's posterior feeds it a context computed from the encoder's output
        var cfg = ModelConfig(latentDim: d, decoder: .factorized, encoderChannels: [2, 2, 2], conditioningChannels: [2, 2, 2])
        cfg.posterior = .inverseAutoregressiveFlow(FlowConfig(steps: 2, hidden: [16]))
        let vae = VAE(cfg, seed: 1)
        randomizeHeads(vae.flowPosterior!.flow, seed: 29)
        let x = Tensor((0..<784 * 2).map { Float(($0 * 7 + $0 / 28) % 3 == 0 ? 1 : 0) }, shape: [2, 28, 28, 1])
        let (mu, logvar) = vae.encode(t, x)
        let eps = randomTensor([2, d], seed: 30)
        let z1 = vae.posteriorSample(t, mu: mu, logvar: logvar, eps: eps).z.values
        vae.flowPosterior!.contextNet.b.data[0] += 2     // a different context for the same z_0
        let z2 = vae.posteriorSample(t, mu: mu, logvar: logvar, eps: eps).z.values
        #expect(zip(z1, z2).map { abs($0 - $1) }.max()! > 1e-4, "the VAE's IAF ignores the encoder context")
    }

    // MARK: the KL is summed over dimensions

    @Test func klIsSummedOverLatentDimensions() {
        let d = 5
        for (prior, posterior) in [(PriorConfig.autoregressiveFlow(FlowConfig(steps: 2, hidden: [16])), PosteriorConfig.gaussian),
                                   (.gaussian, .inverseAutoregressiveFlow(FlowConfig(steps: 2, hidden: [16]))),
                                   (.gaussian, .gaussian)] {
            let cfg = ModelConfig(latentDim: d, decoder: .factorized, encoderChannels: [2, 2, 2], conditioningChannels: [2, 2, 2],
                                  prior: prior, posterior: posterior)
            let vae = VAE(cfg, seed: 2)
            if let p = vae.flowPrior { randomizeHeads(p.flow, seed: 31) }
            if let q = vae.flowPosterior { randomizeHeads(q.flow, seed: 32) }
            let n = 3
            let x = Tensor((0..<784 * n).map { Float(($0 % 5 == 0) ? 1 : 0) }, shape: [n, 28, 28, 1])
            var rng = RNG(seed: 33)
            let r = vae.elbo(Tape(recording: false), x, rng: &rng)
            // The same noise, and log q - log p written out here, summed over the d dimensions.
            var rng2 = RNG(seed: 33)
            let eps = Tensor(uninitialized: [n, d]); rng2.fillNormal(eps.buffer)
            let t = Tape(recording: false)
            let (mu, logvar) = vae.encode(t, x)
            var expectedKL = [Double](repeating: 0, count: n)
            if vae.config.hasFlow {
                let (z, logq) = vae.posteriorSample(t, mu: mu, logvar: logvar, eps: eps)
                let logp = vae.priorLogDensity(t, z)
                for i in 0..<n { for j in 0..<d { expectedKL[i] += Double(logq.data[i * d + j]) - Double(logp.data[i * d + j]) } }
            } else {
                for i in 0..<n {
                    for j in 0..<d {
                        let m = Double(mu.data[i * d + j]), lv = Double(logvar.data[i * d + j])
                        expectedKL[i] += 0.5 * (m * m + Foundation.exp(lv) - 1 - lv)
                    }
                }
            }
            for i in 0..<n { #expect(abs(Double(r.kl[i]) - expectedKL[i]) < 1e-3) }
            // the loss is the batch mean of reconstruction + the KL summed over dimensions
            let expectedLoss = (0..<n).map { Double(r.reconstruction[$0]) + expectedKL[$0] }.reduce(0, +) / Double(n)
            #expect(abs(Double(r.loss.item) - expectedLoss) < 1e-3, "\(cfg.name): loss \(r.loss.item) vs \(expectedLoss)")
            let averaged = (0..<n).map { Double(r.reconstruction[$0]) + expectedKL[$0] / Double(d) }.reduce(0, +) / Double(n)
            #expect(abs(averaged - expectedLoss) > 1e-2, "test too weak: averaging would not be caught")
        }
    }

    // MARK: gradients of the new ops

    @Test func gradientsOfFlowOps() {
        var rng = RNG(seed: 40)
        let layer = MaskedLinear(inDegrees: MADEDegrees.input(4), outDegrees: MADEDegrees.hidden(7, dim: 4), strict: false, rng: &rng)
        checkGradients("maskedDense", inputs: [randomTensor([3, 4], seed: 41), layer.w, layer.b]) { t, x in t.maskedDense(x[0], layer) }
        let head = MaskedLinear(inDegrees: MADEDegrees.hidden(7, dim: 4), outDegrees: MADEDegrees.input(4), strict: true, rng: &rng)
        checkGradients("maskedDense strict", inputs: [randomTensor([3, 7], seed: 42), head.w, head.b]) { t, x in t.maskedDense(x[0], head) }
        checkGradients("flowLogScale", inputs: [randomTensor([3, 4], seed: 43, std: 2)]) { t, x in t.flowLogScale(x[0]) }
        checkGradients("affine", inputs: [randomTensor([3, 4], seed: 44), randomTensor([3, 4], seed: 45), randomTensor([3, 4], seed: 46, std: 0.5)]) { t, x in
            t.affine(x[0], shift: x[1], logScale: x[2])
        }
        checkGradients("standardize", inputs: [randomTensor([3, 4], seed: 47), randomTensor([3, 4], seed: 48), randomTensor([3, 4], seed: 49, std: 0.5)]) { t, x in
            t.standardize(x[0], shift: x[1], logScale: x[2])
        }
        checkGradients("reverseColumns", inputs: [randomTensor([3, 5], seed: 50)]) { t, x in t.reverseColumns(x[0]) }
    }

    @Test func gradientsThroughTheFlows() {
        var rng = RNG(seed: 51)
        let d = 4
        let prior = AutoregressiveFlowPrior(dim: d, config: FlowConfig(steps: 2, hidden: [8, 8]), rng: &rng)
        randomizeHeads(prior.flow, seed: 52)
        let m = prior.flow.made[1]
        checkGradients("AF log density", inputs: [randomTensor([2, d], seed: 53), m.hiddenLayers[0].w, m.scaleHead.w, m.muHead.b], h: 1e-3) { t, x in
            prior.logDensity(t, x[0])
        }
        let post = InverseAutoregressiveFlowPosterior(dim: d, config: FlowConfig(steps: 2, hidden: [8]), rng: &rng)
        randomizeHeads(post.flow, seed: 54)
        let eps = randomTensor([2, d], seed: 55)
        // z and log q together (every op on a tape must reach the loss: backward reads each output's gradient)
        checkGradients("IAF sample z, log q", inputs: [randomTensor([2, d], seed: 56), randomTensor([2, d], seed: 57, std: 0.3),
                                                       post.contextNet.w, post.flow.made[0].contextWeights!], h: 1e-3) { t, x in
            let (z, logq) = post.sample(t, mu: x[0], logvar: x[1], eps: eps)
            return t.concat([z, logq])
        }
    }

    // MARK: configuration

    @Test func gaussianConfigEncodesAsBefore() throws {
        let enc = JSONEncoder(); enc.outputFormatting = .sortedKeys
        let json = String(decoding: try enc.encode(ModelConfig.pixelCNN(layers: 6)), as: UTF8.self)
        #expect(!json.contains("prior") && !json.contains("posterior"))
        // a configuration written before flows existed still decodes, as Gaussian
        let old = #"{"conditioningChannels":[64,32,32],"decoder":{"factorized":{}},"encoderChannels":[32,32,64],"latentDim":32}"#
        let decoded = try JSONDecoder().decode(ModelConfig.self, from: Data(old.utf8))
        #expect(decoded == ModelConfig.factorized)
        #expect(String(decoding: try enc.encode(decoded), as: UTF8.self) == old)
        var af = ModelConfig.pixelCNN(layers: 6); af.prior = .autoregressiveFlow(FlowConfig())
        #expect(try JSONDecoder().decode(ModelConfig.self, from: enc.encode(af)) == af)
        #expect(af.name == "pixelcnn_l6_af")
        var iaf = ModelConfig.factorized; iaf.posterior = .inverseAutoregressiveFlow(FlowConfig())
        #expect(iaf.name == "factorized_iaf")
        #expect(ModelCache.key(af, TrainingConfig(), fingerprint: "x") != ModelCache.key(.pixelCNN(layers: 6), TrainingConfig(), fingerprint: "x"))
    }

    /// The AF-prior and IAF-posterior VLAEs of chapter 6 have the same parameter count within 1%.
    @Test func afAndIAFModelsHaveEqualParameters() {
        var af = ModelConfig.pixelCNN(layers: 6); af.prior = .autoregressiveFlow(FlowConfig())
        var iaf = ModelConfig.pixelCNN(layers: 6); iaf.posterior = .inverseAutoregressiveFlow(FlowConfig())
        let a = Double(VAE(af, seed: 1).parameterCount), b = Double(VAE(iaf, seed: 1).parameterCount)
        print("parameters: AF-prior VLAE \(Int(a)), IAF-posterior VLAE \(Int(b)), relative difference \(abs(a - b) / a)")
        #expect(abs(a - b) / a < 0.01, "AF \(a) vs IAF \(b)")
        #expect(a > Double(VAE(.pixelCNN(layers: 6), seed: 1).parameterCount))
    }
}
