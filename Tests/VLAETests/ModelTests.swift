// Tests of the model-level machinery: training, checkpoints and resume, the importance-weighted
// bound, the two samplers, probes. Real digits (a small slice of MNIST-5k) and tiny models.

import Foundation
import Testing
@testable import VLAE

private let haveData = haveMNIST5k
private let skipMessage = mnist5kSkipMessage

/// 256 training, 64 validation and 64 test digits of MNIST-5k.
private let smallDigits: Dataset? = mnist5kSlice(train: 256, validation: 64, test: 64, tag: "small")

private let tinyPixelCNN = ModelConfig(latentDim: 4, decoder: .pixelCNN(PixelCNNConfig(layers: 3, channels: 8)),
                                       encoderChannels: [4, 4, 8], conditioningChannels: [8, 4, 4])
private let tinyFactorized = ModelConfig(latentDim: 4, decoder: .factorized,
                                         encoderChannels: [4, 4, 8], conditioningChannels: [8, 4, 4])

@Suite("Models, training and evaluation")
struct ModelTests {
    @Test(.enabled(if: haveData, skipMessage))
    func trainingLowersTheLoss() throws {
        let data = try #require(smallDigits)
        let run = TrainingRun(model: VAE(tinyFactorized, seed: 1), config: TrainingConfig(epochs: 3, batchSize: 32))
        try run.train(on: data)
        #expect(run.history.count == 3)
        #expect(run.history[2].trainLoss < run.history[0].trainLoss)
        #expect(run.history[2].validationELBO > run.history[0].validationELBO)
    }

    /// A run killed after its first epoch (what a kill leaves on disk is the checkpoint the
    /// cache wrote after that epoch) and asked for again resumes through the cache's own path
    /// (`ModelCache.model`, `Checkpoint.load`) to the same bits as a run never interrupted:
    /// weights, Adam's moments, step count and history.
    @Test(.enabled(if: haveData, skipMessage))
    func interruptedRunResumesThroughTheCacheBitForBit() throws {
        let data = try #require(smallDigits)
        let config = TrainingConfig(epochs: 2, batchSize: 32, maxTrainImages: 96)
        let (straight, o) = try ModelCache(root: freshTempDir("model-tests")).model(tinyPixelCNN, config, data: data)
        guard case .trained = o else { Issue.record("\(o)"); return }

        let cache = ModelCache(root: try freshTempDir("model-tests"))
        let file = cache.path(tinyPixelCNN, config, fingerprint: data.fingerprint)
        var afterFirstEpoch: Data? = nil
        _ = try cache.model(tinyPixelCNN, config, data: data, onEpoch: { record in
            if record.epoch == 1 { afterFirstEpoch = FileManager.default.contents(atPath: file) }
        })
        try #require(afterFirstEpoch).write(to: URL(fileURLWithPath: file))   // the state a kill after epoch 1 leaves

        let (resumed, origin) = try cache.model(tinyPixelCNN, config, data: data)
        guard case .resumed(let from) = origin else { Issue.record("did not resume: \(origin)"); return }
        #expect(from == 1)
        #expect(resumed.epochsDone == 2)
        for (a, b) in zip(straight.model.parameters, resumed.model.parameters) { #expect(a.values == b.values) }
        for (a, b) in zip(straight.optimizer.m + straight.optimizer.v, resumed.optimizer.m + resumed.optimizer.v) {
            #expect(a.values == b.values)
        }
        #expect(straight.optimizer.t == resumed.optimizer.t)
        #expect(straight.history.map { $0.validationELBO } == resumed.history.map { $0.validationELBO })
    }

    @Test(.enabled(if: haveData, skipMessage))
    func modelCacheReusesAFinishedModel() throws {
        let data = try #require(smallDigits)
        let cache = ModelCache(root: try freshTempDir("model-tests"))
        var config = TrainingConfig(epochs: 1, batchSize: 32, maxTrainImages: 64)
        let (a, originA) = try cache.model(tinyFactorized, config, data: data)
        guard case .trained = originA else { Issue.record("first request should train"); return }
        let (b, originB) = try cache.model(tinyFactorized, config, data: data)
        guard case .cached = originB else { Issue.record("second request should come from the cache"); return }
        for (x, y) in zip(a.model.parameters, b.model.parameters) { #expect(x.values == y.values) }
        // A different recipe is a different file.
        config.seed = 2
        #expect(cache.path(tinyFactorized, config, fingerprint: data.fingerprint)
                != cache.path(tinyFactorized, TrainingConfig(epochs: 1, batchSize: 32, maxTrainImages: 64), fingerprint: data.fingerprint))
    }

    @Test func corruptCheckpointIsAOneLineError() throws {
        let dir = try freshTempDir("model-tests")
        let path = dir + "/bad.ckpt"
        try Data("VLAECKP1garbage".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { _ = try Checkpoint.load(path) }
        do { _ = try Checkpoint.load(path) } catch { #expect(!"\(error)".contains("\n")); #expect("\(error)".contains(path)) }
    }

    @Test(.enabled(if: haveData, skipMessage))
    func importanceWeightedBoundIsTighterThanTheELBO() throws {
        let data = try #require(smallDigits).binarized(.staticSeeded(0))
        let run = TrainingRun(model: VAE(tinyFactorized, seed: 1), config: TrainingConfig(epochs: 2, batchSize: 32))
        try run.train(on: data)
        let test = data.test.subset(Array(0..<16))
        // The ELBO averaged over many noise draws, against the k = 64 bound.
        var elbo = 0.0
        for s in 0..<20 { elbo += run.model.evaluate(test, seed: UInt64(s)).elbo }
        elbo /= 20
        let nll64 = run.model.importanceWeightedNLL(test, k: 64, rowsPerPass: 40).mean
        #expect(nll64 < -elbo)            // tighter than the ELBO
        // (That the bound reaches log p(x) is checked against quadrature in BoundTests.)
    }

    @Test func boundByKMatchesTheBoundItSplits() {
        // -L_k from k log weights, written out: -(log sum_i exp w_i - log k).
        let w: [Double] = [-90, -91.5, -88.25, -95, -89, -92, -90.5, -87.75]
        func direct(_ v: [Double]) -> Double { -(Foundation.log(v.map { Foundation.exp($0 + 90) }.reduce(0, +)) - 90 - Foundation.log(Double(v.count))) }
        let b = boundByK(w, ks: [1, 2, 8])
        #expect(abs(b[0] - w.map { -$0 }.reduce(0, +) / 8) < 1e-9)                 // k = 1: the mean of -w
        #expect(abs(b[1] - (0..<4).map { direct([w[2 * $0], w[2 * $0 + 1]]) }.reduce(0, +) / 4) < 1e-9)
        #expect(abs(b[2] - direct(w)) < 1e-9)
        #expect(b[2] <= b[1] && b[1] <= b[0])                                      // here the bound tightens with k
        // and on a model: the bound from the stored weights is the bound the model reports
        var rng = RNG(seed: 5)
        let set = ImageSet(pixels: (0..<(3 * 784)).map { _ in Float(rng.uniform() < 0.2 ? 1 : 0) }, labels: [0, 1, 2])
        let model = VAE(ModelConfig(latentDim: 4, decoder: .pixelCNN(PixelCNNConfig(layers: 2, channels: 4)),
                                    encoderChannels: [4, 4, 8], conditioningChannels: [8, 4, 4]), seed: 3)
        let nll = model.importanceWeightedNLL(set, k: 16, rowsPerPass: 24).nllPerImage
        let weights = model.importanceLogWeights(set, k: 16, rowsPerPass: 24)
        for (n, ws) in zip(nll, weights) { #expect(abs(boundByK(ws, ks: [16])[0] - n) < 1e-6 * max(1, abs(n))) }
    }

    @Test func sharedXPathGivesTheSameBound() {
        // The fast path (the decoder's x-only part once per image) against the plain one (the
        // whole decoder on every sample's copy of x): same codes, same bound, for both decoders,
        // with chunks that split an image's samples (k = 12, 5 rows per pass) and that hold
        // several images (k = 3, 8 rows per pass).
        var rng = RNG(seed: 3)
        let pixels = (0..<(4 * 784)).map { _ in Float(rng.uniform() < 0.2 ? 1 : 0) }
        let set = ImageSet(pixels: pixels, labels: [0, 1, 2, 3])
        for decoder in [DecoderConfig.pixelCNN(PixelCNNConfig(layers: 3, channels: 8)), .factorized] {
            let model = VAE(ModelConfig(latentDim: 4, decoder: decoder, encoderChannels: [4, 4, 8], conditioningChannels: [8, 4, 4]), seed: 2)
            for (k, rows) in [(12, 5), (3, 8)] {
                let plain = model.importanceWeightedNLL(set, k: k, rowsPerPass: rows, path: .perSample).nllPerImage
                let fast = model.importanceWeightedNLL(set, k: k, rowsPerPass: rows, path: .sharedX).nllPerImage
                #expect(plain.count == 4 && fast.count == 4)
                for (a, b) in zip(plain, fast) { #expect(abs(a - b) < 1e-4 * max(1, abs(a)), "\(decoder) k=\(k): \(a) vs \(b)") }
                #expect(plain.allSatisfy { $0 > 0 && $0.isFinite })
            }
        }
    }

    @Test func unconditionalNLLIsExact() {
        let model = VAE(ModelConfig(decoder: .pixelCNN(PixelCNNConfig(layers: 2, channels: 4, conditioned: false))), seed: 1)
        var rng = RNG(seed: 1)
        let pixels = (0..<(3 * 784)).map { _ in Float(rng.uniform() < 0.2 ? 1 : 0) }
        let set = ImageSet(pixels: pixels, labels: [0, 1, 2])
        let nll = model.importanceWeightedNLL(set, k: 100)
        let elbo = model.evaluate(set)
        #expect(nll.k == 1)
        #expect(abs(nll.mean - -elbo.elbo) < 1e-3)
    }

    @Test func windowedSamplingEqualsNaiveSampling() {
        for p in [PixelCNNConfig(layers: 6, channels: 8), PixelCNNConfig(layers: 3, channels: 8, kernel: 5),
                  PixelCNNConfig(layers: 4, channels: 8, firstKernel: 7), PixelCNNConfig(layers: 3, channels: 8, conditioned: false)] {
            let model = VAE(ModelConfig(latentDim: 4, decoder: .pixelCNN(p), encoderChannels: [4, 4, 8], conditioningChannels: [8, 4, 4]), seed: 2)
            var r1 = RNG(seed: 9), r2 = RNG(seed: 9), r3 = RNG(seed: 9)
            let a = model.samplePrior(count: 3, rng: &r1, method: .naive)
            let b = model.samplePrior(count: 3, rng: &r2, method: .windowed)
            // the stepper's logits differ from the others' only by rounding: for these seeds no
            // uniform falls within it, so the images are the same
            let c = model.samplePrior(count: 3, rng: &r3, method: .stepper)
            #expect(a == b, "\(p)")
            #expect(a == c, "\(p): stepper")
            #expect(a.contains(1) && a.contains(0))
        }
    }

    @Test func crossEntropyGradient() {
        checkGradients("softmaxCrossEntropy", inputs: [randomTensor([4, 5], seed: 60, std: 2)]) { t, v in
            t.softmaxCrossEntropy(v[0], labels: [0, 3, 4, 1])
        }
    }

    @Test func linearProbeSeparatesSeparableFeatures() {
        var rng = RNG(seed: 3)
        var f: [Float] = [], labels: [Int] = []
        for i in 0..<300 {
            let c = i % 3
            labels.append(c)
            f += [Float(c) + 0.2 * rng.normal(), -Float(c) + 0.2 * rng.normal()]
        }
        let probe = LinearProbe(features: f, labels: labels, dim: 2, classes: 3)
        #expect(probe.accuracy(f, labels: labels) > 0.95)
    }
}
