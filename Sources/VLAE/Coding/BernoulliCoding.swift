// Coding a binary pixel with probability p = sigmoid(logit) of being 1.
//
// The coder needs integer frequencies out of 2^precision: the 1 gets round(p * 2^precision),
// clamped into [1, 2^precision - 1] so neither value ever has frequency 0 (a zero-frequency
// symbol cannot be coded at all). The clamp costs at most -log2(1 - 2^-precision) bits for the
// likely value, and caps the unlikely one at `precision` bits.

import Foundation

public enum BernoulliCoding {
    /// Bits of precision of the pixel probabilities (the issue asks for 12-16).
    public static let precision = 16

    /// The frequency of the value 1 out of 2^precision, from a logit. Throws on NaN.
    @inline(__always)
    public static func frequencyOfOne(logit: Float, precision: Int = precision) throws -> UInt32 {
        let l = Double(logit)
        guard !l.isNaN else { throw CodingError.nonFiniteProbability }
        let p = l >= 0 ? 1 / (1 + Foundation.exp(-l)) : Foundation.exp(l) / (1 + Foundation.exp(l))
        return frequencyOfOne(probability: p, precision: precision)
    }

    /// The frequency of the value 1 out of 2^precision for a probability p (clamped, never 0).
    @inline(__always)
    public static func frequencyOfOne(probability p: Double, precision: Int = precision) -> UInt32 {
        let total = Double(1 << precision)
        let f = (p.isNaN ? 0.5 : p) * total
        return UInt32(min(max(f.rounded(), 1), total - 1))
    }

    // @cell bernoulli
    /// Push pixel `bit` (0 or 1): the 1 occupies [0, f1), the 0 occupies [f1, 2^precision).
    @inline(__always)
    public static func push(_ bit: Bool, frequencyOfOne f1: UInt32, into m: inout ANSMessage, precision: Int = precision) {
        // @exercise 5
        if bit { m.push(start: 0, freq: f1, precision: precision) }
        else { m.push(start: f1, freq: (1 << UInt32(precision)) - f1, precision: precision) }
        // @exercise-end
    }

    /// Pop a pixel: which range the head's low bits fall in decides the value.
    @inline(__always)
    public static func pop(frequencyOfOne f1: UInt32, from m: inout ANSMessage, precision: Int = precision) throws -> Bool {
        // @exercise 5
        let bit = m.peek(precision: precision) < f1
        if bit { try m.pop(start: 0, freq: f1, precision: precision) }
        else { try m.pop(start: f1, freq: (1 << UInt32(precision)) - f1, precision: precision) }
        return bit
        // @exercise-end
    }
    // @end

    /// The ideal code length in bits of `bit` under the quantized frequency.
    public static func codeLength(_ bit: Bool, frequencyOfOne f1: UInt32, precision: Int = precision) -> Double {
        let f = bit ? Double(f1) : Double((1 << precision) - Int(f1))
        return Double(precision) - log2(f)
    }
}
