// Chapter 3's measurement of one lossless coder: encode the test digits into one BB-ANS message,
// decode it back (all of it, or the last `decodeCount` digits), and the code lengths the coder
// should reach (the negative ELBO with the continuous and the discretised latent). Memoised beside
// the model cache: a re-run with the same model and settings reads it back (the times too, which
// are then those of the run that measured them).

import Foundation
import VLAE

public struct CoderMeasurement: Codable, Sendable {
    public var model: String
    public var digits: Int
    /// Bits the digits added to the message, per digit (clean bits excluded).
    public var bitsPerDigit: Double
    public var cleanBits: Double
    public var messageBytes: Int
    /// Means over the coded digits of the ideal lengths along the coder's path (bits).
    public var idealNet: Double
    public var idealNetFloat: Double
    public var pixelsBits: Double
    public var pixelsFloatBits: Double
    public var priorBits: Double
    public var bitsBack: Double
    public var bitsBackFloat: Double
    /// The negative ELBO in bits: continuous latent (the trained objective) and discretised.
    public var negELBOContinuousBits: Double
    public var negELBODiscreteBits: Double
    public var klContinuousBits: Double
    public var klDiscreteBits: Double
    public var boundSamples: Int
    /// Standard error (bits) of the mean of one draw of z per digit around the discretised −ELBO.
    /// Always set: memos written before it existed predate `CodeVersion` and are recomputed.
    /// (Optional only so that chapter 3's `?? 0` reads it unchanged.)
    public var oneDrawStandardErrorBits: Double?
    public var encodeSeconds: Double
    /// Digits decoded (the last ones coded, as the stack gives them back) and how many match exactly.
    public var decoded: Int
    public var exact: Int
    public var decodeSeconds: Double
    /// Whether the whole message was decoded and ended on the initial clean bits.
    public var fullDecode: Bool

    public var encodeDigitsPerSecond: Double { Double(digits) / max(encodeSeconds, 1e-9) }
    public var decodeDigitsPerSecond: Double { Double(decoded) / max(decodeSeconds, 1e-9) }
    /// Measured minus the discretised negative ELBO, as a fraction of the latter.
    public var relativeGap: Double { (bitsPerDigit - negELBODiscreteBits) / negELBODiscreteBits }
}

extension ChapterSession {
    /// Code `images` with `m` through one BB-ANS message and decode the last `decodeCount` of them
    /// (all of them when decodeCount >= images.count, checking the leftover clean bits too).
    public func measureCoder(_ m: TrainedModel, images: [[Float]], decodeCount: Int,
                             settings: BBANSSettings = BBANSSettings(), boundSamples: Int = 20) throws -> CoderMeasurement {
        let key = [m.key, "\(images.count)", "\(BBANSCoder.checksum(images))", "\(decodeCount)",
                   "\(settings.latentBits)-\(settings.latentPrecision)-\(settings.pixelPrecision)-\(settings.cleanWords)-\(settings.seed)",
                   "\(boundSamples)", "stepper"]   // PixelCNN logits from PixelCNNStepper (not the windowed passes)
        return try memo("bbans-\(m.name)", key: key) {
            let coder = BBANSCoder(model: m.model, settings: settings)
            let progress = ProgressBar("BB-ANS encode \(m.name)")
            let enc = try coder.encode(images) { i, t in progress.update(done: i, total: t, unit: "digits") }
            progress.finish(String(format: "%@: %.2f bits per digit, %d digits in %.1f s", m.name, enc.bitsPerDigit, images.count, enc.seconds))

            let n = min(decodeCount, images.count)
            let dprogress = ProgressBar("BB-ANS decode \(m.name)")
            let t0 = Date()
            let decoded: [[Float]]
            let full = n == images.count
            if full {
                decoded = try coder.decode(enc.bytes) { i, t in dprogress.update(done: i, total: t, unit: "digits") }
            } else {
                decoded = try coder.decodeLast(n, from: enc.bytes) { i, t in dprogress.update(done: i, total: t, unit: "digits") }
            }
            let dsec = Date().timeIntervalSince(t0)
            let originals = Array(images.suffix(n))
            let exact = zip(decoded, originals).filter { a, b in zip(a, b).allSatisfy { ($0 > 0.5) == ($1 > 0.5) } }.count
            dprogress.finish(String(format: "%@: %d/%d digits decoded exactly in %.1f s", m.name, exact, n, dsec))

            let bounds = m.model.codeLengthBounds(images, buckets: coder.buckets ?? LatentBuckets(bits: settings.latentBits, precision: settings.latentPrecision),
                                                  samples: m.model.config.hasLatent ? boundSamples : 1)
            let ln2 = log(2.0)
            let c = Double(enc.lengths.count)
            func mean(_ f: (DigitCodeLengths) -> Double) -> Double { enc.lengths.reduce(0) { $0 + f($1) } / c }
            return CoderMeasurement(
                model: m.name, digits: images.count, bitsPerDigit: enc.bitsPerDigit, cleanBits: enc.cleanBits,
                messageBytes: enc.bytes.count, idealNet: mean(\.net), idealNetFloat: mean(\.netFloat),
                pixelsBits: mean(\.pixels), pixelsFloatBits: mean(\.pixelsFloat), priorBits: mean(\.prior),
                bitsBack: mean(\.bitsBack), bitsBackFloat: mean(\.bitsBackFloat),
                negELBOContinuousBits: bounds.negativeELBOContinuous / ln2, negELBODiscreteBits: bounds.negativeELBODiscrete / ln2,
                klContinuousBits: bounds.klContinuous / ln2, klDiscreteBits: bounds.klDiscrete / ln2, boundSamples: bounds.samples,
                oneDrawStandardErrorBits: bounds.oneDrawStandardError / ln2,
                encodeSeconds: enc.seconds, decoded: n, exact: exact, decodeSeconds: dsec, fullDecode: full)
        }
    }
}
