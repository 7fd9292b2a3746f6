// Bits-back coding with ANS (BB-ANS; Townsend, Bird & Barber 2019), after the bits-back
// argument of Hinton & van Camp (1993) and Frey & Hinton (1997).
//
// A latent-variable model codes x in three moves, on one message shared by all the digits:
//   1. pop z from the message with q(z|x)      -- decoding with q *reads* bits: z is a sample
//                                                  of q, paid for with bits already in the message
//   2. push x with p(x|z)                       -- costs -log2 p(x|z)
//   3. push z with p(z)                         -- costs -log2 p(z)
// The message grows by -log2 p(x|z) - log2 p(z) + log2 q(z|x): on average the negative ELBO in
// bits. What step 1 took out (log2 1/q(z|x), H[q(z|x)] on average) was the encoder's own choice
// among the z it could have sent; the receiver gets it back by running the steps backwards:
//   pop z with p(z), pop x with p(x|z), then -- now that x is known -- push z with q(z|x),
// which puts back exactly the bits step 1 took. Those are the "bits back".
//
// The first pop needs bits to read: the message starts with a seeded random prefix (the
// "clean bits"), reported separately; decoding must end on exactly that prefix.
// A model without a latent (the unconditional PixelCNN) is plain ANS: push x with p(x).
//
// Exactness: the decoder must see the very frequencies the encoder used. The posterior goes
// through the integer CDF table of LatentBuckets.swift. The pixel probabilities come from the
// model, in floats: the encoder computes them with exactly the calls the decoder will make
// (batch of one; for a PixelCNN the pixel-by-pixel stepper of PixelCNNStepper.swift, fed the
// known pixels by the encoder and the popped ones by the decoder), so the two agree bit for bit
// by construction. A PixelCNN digit costs one decoder pass each way, not 784.

import Foundation

public struct BBANSSettings: Codable, Hashable, Sendable {
    /// log2 of the number of latent buckets per dimension.
    public var latentBits: Int = 12
    /// Precision of the posterior's integer CDF, bits.
    public var latentPrecision: Int = 24
    /// Precision of the pixel probabilities, bits.
    public var pixelPrecision: Int = BernoulliCoding.precision
    /// 32-bit words of clean bits the message starts with.
    public var cleanWords: Int = 32
    public var seed: UInt64 = 2019
    public init(latentBits: Int = 12, latentPrecision: Int = 24, pixelPrecision: Int = BernoulliCoding.precision,
                cleanWords: Int = 32, seed: UInt64 = 2019) {
        self.latentBits = latentBits; self.latentPrecision = latentPrecision
        self.pixelPrecision = pixelPrecision; self.cleanWords = cleanWords; self.seed = seed
    }
}

/// The ideal code lengths of one coded digit (bits), along the path the coder took.
public struct DigitCodeLengths: Codable, Sendable {
    /// -log2 p(x|z) with the quantized pixel frequencies, and with the model's float probabilities.
    public var pixels: Double = 0, pixelsFloat: Double = 0
    /// -log2 p(z) of the discretised prior (latentBits per dimension).
    public var prior: Double = 0
    /// The bits back, -log2 Q(z|x): with the integer frequencies, and with the float bucket masses.
    public var bitsBack: Double = 0, bitsBackFloat: Double = 0
    /// Net ideal lengths: pixels + prior - bits back.
    public var net: Double { pixels + prior - bitsBack }
    public var netFloat: Double { pixelsFloat + prior - bitsBackFloat }
}

/// What encoding a set of digits gave.
public struct BBANSEncoding: Sendable {
    /// The serialized message (header, head, tail).
    public var bytes: [UInt8]
    public var count: Int
    /// Length of the initial clean bits, and of the final message (bits, as ANSMessage.bits).
    public var cleanBits: Double
    public var finalBits: Double
    /// Per-digit ideal code lengths along the coder's path.
    public var lengths: [DigitCodeLengths]
    public var seconds: Double
    /// Bits the digits added to the message, per digit (clean bits excluded).
    public var bitsPerDigit: Double { (finalBits - cleanBits) / Double(count) }
}

public final class BBANSCoder {
    public let model: VAE
    public let settings: BBANSSettings
    public let buckets: LatentBuckets?

    public init(model: VAE, settings: BBANSSettings = BBANSSettings()) {
        self.model = model
        self.settings = settings
        buckets = model.config.hasLatent ? LatentBuckets(bits: settings.latentBits, precision: settings.latentPrecision) : nil
    }

    var d: Int { model.latentDim }
    /// The pixel logits the last encodeDigit or decodeDigit coded with (tests compare the two sides).
    var lastLogits: [Float] = []
    var pixelPrecision: Int { settings.pixelPrecision }

    /// FNV-1a over the pixels of every digit, stored in the header to catch corrupted messages.
    public static func checksum(_ images: [[Float]]) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for img in images { for v in img { h = (h ^ (v > 0.5 ? 1 : 0)) &* 0x100000001b3 } }
        return h
    }

    // MARK: the model's side: posterior, codes, pixel logits (batch of one, as both sides call them)

    func posterior(_ t: Tape, _ x: [Float]) -> [PosteriorCDF] {
        let (mu, logvar) = model.encode(t, Tensor(x, shape: [1, 28, 28, 1]))
        return (0..<d).map { j in
            PosteriorCDF(mu: Double(mu.data[j]), sigma: Foundation.exp(0.5 * Double(logvar.data[j])), buckets: buckets!)
        }
    }

    func conditioning(_ t: Tape, _ ks: [Int]) -> Tensor? {
        guard let buckets else { return nil }
        let z = Tensor(ks.map { buckets.centres[$0] }, shape: [1, d])
        return model.conditioning!(t, z)
    }

    /// All 784 pixel logits of a known image x, computed exactly as the decoder will compute them:
    /// for a PixelCNN, the stepper of PixelCNNStepper.swift, fed the known pixels one by one (the
    /// decoder feeds it the pixels it pops); for a factorized decoder, the one batched pass.
    func encoderLogits(_ t: Tape, x: [Float], h: Tensor?) -> [Float] {
        guard let pixelCNN = model.decoder as? PixelCNNDecoder else {
            return model.decoder.logits(t, x: Tensor(zeros: [1, 28, 28, 1]), h: h).values
        }
        let stepper = PixelCNNStepper(decoder: pixelCNN, h: h)
        var out = [Float](repeating: 0, count: 784)
        for i in 0..<784 {
            out[i] = stepper.logit()
            stepper.set(x[i])
        }
        return out
    }

    // MARK: one digit

    // @cell bits-back-encode
    /// Append digit x to the message: pop z with q(z|x), push x with p(x|z), push z with p(z).
    func encodeDigit(_ x: [Float], into m: inout ANSMessage) throws -> DigitCodeLengths {
        // @exercise 6
        let t = Tape(recording: false)
        var len = DigitCodeLengths()
        var ks: [Int] = []
        if let buckets {
            let q = posterior(t, x)
            for j in 0..<d {                                   // 1. bits back: z ~ q(z|x), read from m
                let k = try q[j].pop(from: &m)
                ks.append(k)
                len.bitsBack += Double(q[j].precision) - log2(Double(q[j].frequency(k)))
                len.bitsBackFloat -= log2(q[j].probability(k, buckets: buckets))
            }
        }
        let logits = encoderLogits(t, x: x, h: conditioning(t, ks))
        lastLogits = logits
        for i in (0..<784).reversed() {                        // 2. x with p(x|z), last pixel first
            let f1 = try BernoulliCoding.frequencyOfOne(logit: logits[i], precision: pixelPrecision)
            BernoulliCoding.push(x[i] > 0.5, frequencyOfOne: f1, into: &m, precision: pixelPrecision)
            len.pixels += BernoulliCoding.codeLength(x[i] > 0.5, frequencyOfOne: f1, precision: pixelPrecision)
            len.pixelsFloat -= Double(bernoulliLogProb(x[i], logit: logits[i])) / log(2.0)
        }
        if let buckets {
            for j in (0..<d).reversed() { buckets.pushPrior(ks[j], into: &m) }   // 3. z with p(z)
            len.prior = Double(d * buckets.bits)
        }
        return len
        // @exercise-end
    }

    /// Take the last digit off the message: pop z with p(z), pop x with p(x|z) pixel by pixel,
    /// then push z back with q(z|x), returning the bits the encoder borrowed.
    func decodeDigit(from m: inout ANSMessage) throws -> [Float] {
        let t = Tape(recording: false)
        var ks: [Int] = []
        if let buckets { for _ in 0..<d { ks.append(try buckets.popPrior(from: &m)) } }
        let h = conditioning(t, ks)
        let x = Tensor(zeros: [1, 28, 28, 1])
        if let pixelCNN = model.decoder as? PixelCNNDecoder {
            let stepper = PixelCNNStepper(decoder: pixelCNN, h: h)   // as encoderLogits, on the popped pixels
            lastLogits = []
            for i in 0..<784 {
                let logit = stepper.logit()
                lastLogits.append(logit)
                let f1 = try BernoulliCoding.frequencyOfOne(logit: logit, precision: pixelPrecision)
                let bit: Float = try BernoulliCoding.pop(frequencyOfOne: f1, from: &m, precision: pixelPrecision) ? 1 : 0
                stepper.set(bit)
                x.data[i] = bit
            }
        } else {
            let logits = model.decoder.logits(t, x: Tensor(zeros: [1, 28, 28, 1]), h: h)
            lastLogits = logits.values
            for i in 0..<784 {
                let f1 = try BernoulliCoding.frequencyOfOne(logit: logits.data[i], precision: pixelPrecision)
                x.data[i] = try BernoulliCoding.pop(frequencyOfOne: f1, from: &m, precision: pixelPrecision) ? 1 : 0
            }
        }
        // @exercise 6
        let image = x.values
        if buckets != nil {
            let q = posterior(t, image)
            for j in (0..<d).reversed() { q[j].push(ks[j], into: &m) }   // the bits back
        }
        return image
        // @exercise-end
    }
    // @end

    // MARK: a chain of digits

    /// Encode every image (784 binary pixels each) into one message, in order.
    public func encode(_ images: [[Float]], progress: (Int, Int) -> Void = { _, _ in }) throws -> BBANSEncoding {
        let start = Date()
        var m = ANSMessage(randomWords: settings.cleanWords, seed: settings.seed)
        let clean = m.bits
        var lengths: [DigitCodeLengths] = []
        for (i, x) in images.enumerated() {
            lengths.append(try encodeDigit(x, into: &m))
            progress(i + 1, images.count)
        }
        let bytes = m.serialized(header: [UInt64(images.count), BBANSCoder.checksum(images)])
        return BBANSEncoding(bytes: bytes, count: images.count, cleanBits: clean, finalBits: m.bits,
                             lengths: lengths, seconds: Date().timeIntervalSince(start))
    }

    /// Decode only the last `count` digits of a message written by `encode` (the stack gives the
    /// last digit coded back first), in their original order. No leftover or checksum check is
    /// possible on a partial decode: the caller compares the digits with the originals.
    public func decodeLast(_ count: Int, from bytes: [UInt8], progress: (Int, Int) -> Void = { _, _ in }) throws -> [[Float]] {
        try decodeDigits(bytes, last: count, progress: progress).images
    }

    /// Decode a message written by `encode` with the same model and settings: the images in
    /// their original order. A truncated or corrupted message throws a CodingError.
    public func decode(_ bytes: [UInt8], progress: (Int, Int) -> Void = { _, _ in }) throws -> [[Float]] {
        let (images, m, checksum) = try decodeDigits(bytes, last: nil, progress: progress)
        guard m == ANSMessage(randomWords: settings.cleanWords, seed: settings.seed) else { throw CodingError.leftoverMismatch }
        guard BBANSCoder.checksum(images) == checksum else { throw CodingError.checksumMismatch }
        return images
    }

    /// The last `last` digits of the message (all of them when nil), in their original order,
    /// with what is left of the message and the checksum its header stores.
    func decodeDigits(_ bytes: [UInt8], last: Int?,
                      progress: (Int, Int) -> Void) throws -> (images: [[Float]], rest: ANSMessage, checksum: UInt64) {
        var (m, header) = try ANSMessage.deserialize(bytes)
        guard header.count == 2, header[0] <= 1_000_000 else { throw CodingError.malformed("unexpected header") }
        let n = min(last ?? Int.max, Int(header[0]))
        var images: [[Float]] = []
        for i in 0..<n {
            images.append(try decodeDigit(from: &m))
            progress(i + 1, n)
        }
        return (images.reversed(), m, header[1])
    }
}
