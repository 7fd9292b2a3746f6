// The bits-back coder (Sources/VLAE/Coding): rANS itself, Bernoulli pixels at the edges of
// probability, the latent buckets for extreme posteriors, BB-ANS round trips on tiny models,
// and what a damaged message does (a clear error, never a wrong image passed off as right).

import Foundation
import Testing
@testable import VLAE

@Suite("Bits-back coding")
struct CodingTests {
    @Test("rANS: 10^5 random symbols with random frequencies round-trip, length within 0.1% of ideal")
    func ransRoundTrip() throws {
        var rng = RNG(seed: 7)
        let precision = 16, total = 1 << precision
        var symbols: [(start: UInt32, freq: UInt32)] = []
        var ideal = 0.0
        for _ in 0..<100_000 {
            // a random distribution over 2...20 symbols, every frequency >= 1
            let n = 2 + rng.below(19)
            var w = (0..<n).map { _ in Double(rng.uniform()) + 1e-3 }
            if rng.below(4) == 0 { w[0] *= 1000 }            // now and then a very skewed one
            let s = w.reduce(0, +)
            var f = w.map { max(1, Int($0 / s * Double(total - n))) }
            f[0] += total - f.reduce(0, +)
            let k = rng.below(n)
            let start = f[..<k].reduce(0, +)
            symbols.append((UInt32(start), UInt32(f[k])))
            ideal += Double(precision) - log2(Double(f[k]))
        }
        var m = ANSMessage()
        let before = m.bits
        for s in symbols { m.push(start: s.start, freq: s.freq, precision: precision) }
        let length = m.bits - before
        #expect(abs(length - ideal) <= 0.001 * ideal + 4 * 32, "length \(length) vs ideal \(ideal)")
        for s in symbols.reversed() {
            #expect(m.peek(precision: precision) >= s.start && m.peek(precision: precision) < s.start + s.freq)
            try m.pop(start: s.start, freq: s.freq, precision: precision)
        }
        #expect(m == ANSMessage())
    }

    @Test("Bernoulli pixels at probabilities 0, 1, 1e-9 and infinite logits: never frequency 0, both values round-trip")
    func bernoulliEdges() throws {
        let p = BernoulliCoding.precision
        var freqs: [UInt32] = [0.0, 1.0, 1e-9, 1 - 1e-9, 0.5].map { BernoulliCoding.frequencyOfOne(probability: $0) }
        freqs += try [Float.infinity, -Float.infinity, 80, -80, 0].map { try BernoulliCoding.frequencyOfOne(logit: $0) }
        for f in freqs {
            #expect(f >= 1 && f <= (1 << p) - 1)
            var m = ANSMessage(randomWords: 2, seed: 1)
            let start = m
            let bits: [Bool] = [true, false, false, true, true]
            for b in bits { BernoulliCoding.push(b, frequencyOfOne: f, into: &m) }
            for b in bits.reversed() { #expect(try BernoulliCoding.pop(frequencyOfOne: f, from: &m) == b) }
            #expect(m == start)
        }
        #expect(BernoulliCoding.frequencyOfOne(probability: 0) == 1)
        #expect(BernoulliCoding.frequencyOfOne(probability: 1) == (1 << p) - 1)
        // the unlikely value costs at most `precision` bits
        #expect(BernoulliCoding.codeLength(true, frequencyOfOne: BernoulliCoding.frequencyOfOne(probability: 1e-9)) == Double(p))
        #expect(throws: CodingError.nonFiniteProbability) { try BernoulliCoding.frequencyOfOne(logit: .nan) }
    }

    @Test("Latent buckets: extreme posteriors give a strictly increasing integer CDF whose pop inverts push exactly")
    func bucketRoundTrip() throws {
        let buckets = LatentBuckets(bits: 10, precision: 24)
        // equal prior mass: edges are the quantiles
        #expect(abs(standardNormalCDF(buckets.edges[256]) - 0.25) < 1e-12)
        #expect(buckets.bucket(of: Double(buckets.centres[700])) == 700)
        let posteriors: [(Double, Double)] = [(0, 1), (0, 1e-7), (3.1, 1e-9), (8, 1e-3), (-40, 0.01), (40, 5), (0.3, 100), (-2.5, 0.05)]
        var rng = RNG(seed: 3)
        for (mu, sigma) in posteriors {
            let q = PosteriorCDF(mu: mu, sigma: sigma, buckets: buckets)
            #expect(q.table.first == 0 && q.table.last == 1 << 24)
            #expect((0..<buckets.count).allSatisfy { q.frequency($0) >= 1 }, "zero frequency for mu \(mu), sigma \(sigma)")
            // push every bucket, including the frequency-1 ones in the far tail, and pop them back
            let ks = [0, 1, buckets.count - 1, buckets.bucket(of: mu), 511, 512] + (0..<50).map { _ in rng.below(buckets.count) }
            var m = ANSMessage(randomWords: 4, seed: 2)
            let start = m
            for k in ks { q.push(k, into: &m) }
            for k in ks.reversed() { #expect(try q.pop(from: &m) == k) }
            #expect(m == start)
            // and the bits-back direction: pop from arbitrary bits, push back, the message is unchanged
            for s in 0..<20 {
                var m2 = ANSMessage(randomWords: 3, seed: UInt64(s))
                let before = m2
                let k = try q.pop(from: &m2)
                q.push(k, into: &m2)
                #expect(m2 == before)
            }
        }
        // a posterior narrower than a bucket puts (almost) all its mass in the bucket holding mu
        let narrow = PosteriorCDF(mu: 1.234, sigma: 1e-6, buckets: buckets)
        #expect(Double(narrow.frequency(buckets.bucket(of: 1.234))) > 0.99 * Double(1 << 24))
        #expect(abs(buckets.discreteKL(mu: 0, sigma: 1)) < 1e-9)
        #expect(abs(buckets.discreteKL(mu: 1.234, sigma: 1e-6) - 10 * log(2.0)) < 1e-3)
    }

    func tinyImages(_ n: Int, seed: UInt64) -> [[Float]] {
        var rng = RNG(seed: seed)
        return (0..<n).map { i in (0..<784).map { p in
            // blob-like digits: more ink near the centre, so the models have something to predict
            let r = p / 28 - 14, c = p % 28 - 14 + i
            return Float(rng.uniform() < (r * r + c * c < 40 ? 0.8 : 0.05) ? 1 : 0)
        } }
    }

    @Test("BB-ANS round trip on tiny models: factorized, PixelCNN with z, PixelCNN alone")
    func bbansRoundTrip() throws {
        let configs = [ModelConfig(latentDim: 4, decoder: .factorized),
                       ModelConfig(latentDim: 3, decoder: .pixelCNN(PixelCNNConfig(layers: 2, channels: 8))),
                       ModelConfig(latentDim: 3, decoder: .pixelCNN(PixelCNNConfig(layers: 2, channels: 8, conditioned: false)))]
        for (i, config) in configs.enumerated() {
            let model = VAE(config, seed: 11)
            let images = tinyImages(config.decoder == .factorized ? 6 : 2, seed: UInt64(i))
            let coder = BBANSCoder(model: model, settings: BBANSSettings(latentBits: 8, latentPrecision: 20, cleanWords: 8))
            let enc = try coder.encode(images)
            let dec = try coder.decode(enc.bytes)
            #expect(dec == images, "\(config.name): decoded images differ")
            // a partial decode gives back the last digits coded, in order
            #expect(try coder.decodeLast(1, from: enc.bytes) == [images.last!], "\(config.name): decodeLast")
            // the integer bits back are the float ones up to the CDF's quantisation
            for l in enc.lengths { #expect(abs(l.bitsBack - l.bitsBackFloat) < 0.05 * Double(max(config.latentDim, 1)) + 1e-9) }
            // the message grew by the ideal code length of the path, up to the coder's rounding
            let ideal = enc.lengths.reduce(0) { $0 + $1.net } / Double(images.count)
            #expect(abs(enc.bitsPerDigit - ideal) < 0.01 * ideal + 64 / Double(images.count), "\(config.name): \(enc.bitsPerDigit) vs \(ideal)")
        }
    }

    /// The PixelCNN shapes the stepper is checked on: tiny ones, and the book's default VLAE
    /// (6 layers 3x3, 32 channels, 32-dimensional z), its PixelCNN alone and the 12-layer 7x7 one.
    static let stepperConfigs: [ModelConfig] = [
        ModelConfig(latentDim: 3, decoder: .pixelCNN(PixelCNNConfig(layers: 2, channels: 8))),
        ModelConfig(latentDim: 3, decoder: .pixelCNN(PixelCNNConfig(layers: 3, channels: 5, kernel: 5, firstKernel: 3))),
        ModelConfig(latentDim: 32, decoder: .pixelCNN(PixelCNNConfig(layers: 6, channels: 32))),
        ModelConfig.pixelCNNUnconditional,
        ModelConfig(latentDim: 32, decoder: .pixelCNN(.full)),
    ]

    @Test("PixelCNN stepper: the batched decoder's logits up to rounding; pixels after j never touch logit j, bit for bit")
    func stepperMatchesDecoder() throws {
        for (i, config) in Self.stepperConfigs.enumerated() {
            let model = VAE(config, seed: 31 + UInt64(i))
            let decoder = try #require(model.decoder as? PixelCNNDecoder)
            let x = tinyImages(1, seed: 40 + UInt64(i))[0]
            let t = Tape(recording: false)
            var rng = RNG(seed: 3)
            let z = config.hasLatent ? Tensor((0..<config.latentDim).map { _ in rng.normal() }, shape: [1, config.latentDim]) : nil
            let h = z.map { model.conditioning!(t, $0) }
            let batched = decoder.logits(t, x: Tensor(x, shape: [1, 28, 28, 1]), h: h).values
            let stepper = PixelCNNStepper(decoder: decoder, h: h)
            var stepped: [Float] = []
            for p in 0..<784 { stepped.append(stepper.logit()); stepper.set(x[p]) }
            let scale = batched.map { abs($0) }.max()!
            let worst = zip(stepped, batched).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-4 * max(scale, 1), "\(config.name): stepper vs batched logits differ by \(worst)")
            // the decoder at pixel j knows only pixels 0..<j: fed other pixels from j on, the logits
            // up to j are the same bit patterns
            for j in [0, 1, 27, 28, 29, 300, 783] {
                let other = PixelCNNStepper(decoder: decoder, h: h)
                for p in 0..<j { _ = other.logit(); other.set(x[p]) }
                #expect(other.logit().bitPattern == stepped[j].bitPattern, "\(config.name): logit \(j)")
            }
        }
    }

    @Test("PixelCNN stepper: the products bench counts are the taps inside the image, layer by layer")
    func stepperProductCount() throws {
        for config in Self.stepperConfigs.prefix(2) {   // tiny: 3x3 throughout, and 3x3 A with 5x5 B
            let decoder = try #require(VAE(config, seed: 1).decoder as? PixelCNNDecoder)
            let c = decoder.config.channels, layers = decoder.config.layers
            let calls = PixelCNNStepper.productsPerImage(decoder)
            #expect(calls.count == 784 * (layers + 1))
            #expect(calls.allSatisfy { $0.m == 1 })
            // pixel 0: the type-A layer sees nothing, every type-B layer only its centre tap
            #expect(calls[0].k == 0)
            for l in 1..<layers { #expect(calls[l].k == c, "\(config.name): layer \(l) at pixel 0") }
            #expect(calls[layers] == GEMMCall(m: 1, n: 1, k: c))
            // an interior pixel: every tap of every layer
            let j = 14 * 28 + 14, at = j * (layers + 1)
            #expect(calls[at].k == decoder.first.geometry.taps.count)
            for l in 1..<layers {
                #expect(calls[at + l].k == decoder.blocks[l - 1].geometry.taps.count * c, "\(config.name): layer \(l) inside")
            }
        }
    }

    @Test("BB-ANS with a PixelCNN: encoder and decoder code with bit-identical logits (tiny and default shapes)")
    func encoderDecoderLogitsIdentical() throws {
        for (i, config) in Self.stepperConfigs.enumerated() where config.decoder != .pixelCNN(.full) {
            let model = VAE(config, seed: 50 + UInt64(i))
            let coder = BBANSCoder(model: model, settings: BBANSSettings(cleanWords: 16))
            for x in tinyImages(2, seed: 60 + UInt64(i)) {
                var m = ANSMessage(randomWords: 16, seed: 1)
                let before = m
                _ = try coder.encodeDigit(x, into: &m)
                let encoderLogits = coder.lastLogits
                #expect(try coder.decodeDigit(from: &m) == x, "\(config.name): decoded digit differs")
                #expect(coder.lastLogits.map(\.bitPattern) == encoderLogits.map(\.bitPattern), "\(config.name): logits differ")
                #expect(m == before, "\(config.name): the decoder did not end on the clean bits")
            }
        }
    }

    @Test("A corrupted or truncated message gives a clear error, never a wrong image")
    func damagedMessages() throws {
        let model = VAE(ModelConfig(latentDim: 4, decoder: .factorized), seed: 5)
        let images = tinyImages(8, seed: 9)
        let coder = BBANSCoder(model: model, settings: BBANSSettings(latentBits: 8, latentPrecision: 20, cleanWords: 8))
        let bytes = try coder.encode(images).bytes
        #expect(try coder.decode(bytes) == images)
        // truncated: bytes missing
        for cut in [1, 4, 40, bytes.count - 10] {
            #expect(throws: CodingError.self) { _ = try coder.decode(Array(bytes.dropLast(cut))) }
        }
        // truncated consistently (whole words dropped from the tail and the count fixed up)
        var (m, header) = try ANSMessage.deserialize(bytes)
        m.tail.removeFirst(min(40, m.tail.count))
        #expect(throws: CodingError.self) { _ = try coder.decode(m.serialized(header: header)) }
        // a flipped bit anywhere: header, head, tail
        var rng = RNG(seed: 4)
        for at in [9, 20, 30, 40, 60, bytes.count / 2, bytes.count - 1] + (0..<20).map({ _ in rng.below(bytes.count) }) {
            var bad = bytes
            bad[at] ^= UInt8(1 << rng.below(8))
            #expect(throws: CodingError.self) { _ = try coder.decode(bad) }
        }
        // decoded with another model
        let other = BBANSCoder(model: VAE(model.config, seed: 6), settings: coder.settings)
        #expect(throws: CodingError.self) { _ = try other.decode(bytes) }
        #expect(throws: CodingError.self) { _ = try coder.decode(Array("not a message".utf8)) }
    }

    @Test("Code-length bounds: discretised and continuous -ELBO close for fine buckets; the coder's chain lands near them")
    func codeLengthBounds() throws {
        let model = VAE(ModelConfig(latentDim: 4, decoder: .factorized), seed: 21)
        let images = tinyImages(40, seed: 2)
        let settings = BBANSSettings(latentBits: 10, latentPrecision: 22, cleanWords: 16)
        let coder = BBANSCoder(model: model, settings: settings)
        let b = model.codeLengthBounds(images, buckets: coder.buckets!, samples: 8)
        #expect(abs(b.negativeELBODiscrete - b.negativeELBOContinuous) < 0.01 * b.negativeELBOContinuous)
        #expect(b.oneDrawStandardError > 0 && b.oneDrawStandardError.isFinite)
        let enc = try coder.encode(images)
        let bits = b.negativeELBODiscrete / log(2.0)
        // measured = the bound up to sampling noise of one draw per digit (5 standard errors) and rounding
        #expect(abs(enc.bitsPerDigit - bits) < 5 * b.oneDrawStandardError / log(2.0) + 0.01 * bits, "\(enc.bitsPerDigit) vs \(bits)")
    }

    @Test("Baselines: gzip output gunzips back to the input and is shorter than it; bzip2 is shorter too")
    func baselines() throws {
        var rng = RNG(seed: 3)
        let pixels = (0..<(784 * 20)).map { i in Float(rng.uniform() < ((i % 784) / 28 > 8 && (i % 784) / 28 < 20 ? 0.4 : 0.02) ? 1 : 0) }
        let packed = Baselines.packBits(pixels)
        #expect(packed.count == 98 * 20)
        let gz = Baselines.gzip(packed)
        #expect(gz.count > 18 && gz.count < packed.count)
        #expect(try gunzip(gz, file: "test", fix: "") == packed)
        let bz = Baselines.bzip2(packed)
        #expect(bz.count > 0 && bz.count < packed.count)
    }

    @Test("beta = 1 leaves the training config's cache encoding unchanged; other betas name the model")
    func betaSuffix() throws {
        var c = TrainingConfig()
        let enc = JSONEncoder(); enc.outputFormatting = .sortedKeys   // as ModelCache.key encodes
        let plain = try enc.encode(c)
        c.beta = 1
        #expect(try enc.encode(c) == plain)
        #expect(!String(decoding: plain, as: UTF8.self).contains("klWeight"))
        #expect(c.nameSuffix == "")
        c.beta = 0.25
        #expect(c.nameSuffix == "_beta0.25")
        c.beta = 8
        #expect(c.nameSuffix == "_beta8")
        #expect(try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(c)).beta == 8)
    }
}
