// Random numbers: one small seeded generator, used everywhere.
//
// Reproducibility is a feature of this book: the same seed gives the same digits, the same
// binarization, the same initial weights and the same samples. `Float.random(in:)` with the
// system generator is neither seeded nor fast, so every random draw in the project goes
// through `RNG` below: xoshiro256** (Blackman & Vigna), seeded through SplitMix64.

/// A seeded pseudo-random generator (xoshiro256**). Value type: copying it forks the stream.
public struct RNG: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// A spare standard normal from the last Box-Muller pair.
    private var spareNormal: Float? = nil

    public init(seed: UInt64) {
        var sm = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&sm); s1 = splitMix(&sm); s2 = splitMix(&sm); s3 = splitMix(&sm)
    }

    /// A generator for a named sub-stream, so that adding draws in one place does not shift
    /// the numbers drawn in another (e.g. `rng.fork(1)` for init, `rng.fork(2)` for data order).
    public func fork(_ stream: UInt64) -> RNG {
        var copy = self
        return RNG(seed: copy.next() ^ (stream &* 0x9E37_79B9_7F4A_7C15))
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A standard normal draw (Box-Muller, both values of each pair used).
    public mutating func normal() -> Float {
        if let s = spareNormal { spareNormal = nil; return s }
        var u1 = uniformDouble()
        while u1 <= 1e-300 { u1 = uniformDouble() }
        let u2 = uniformDouble()
        let r = (-2.0 * _log(u1)).squareRoot()
        let a = 2.0 * Double.pi * u2
        spareNormal = Float(r * _sin(a))
        return Float(r * _cos(a))
    }

    /// An integer in 0..<n, without modulo bias.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(truncatingIfNeeded: next(upperBound: UInt64(n)))
    }

    /// A uniformly random permutation of 0..<n (Fisher-Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, below(i + 1))
        }
        return p
    }

    /// Fill a buffer with standard normals.
    public mutating func fillNormal(_ out: UnsafeMutableBufferPointer<Float>, std: Float = 1) {
        for i in out.indices { out[i] = normal() * std }
    }

    /// Fill a buffer with uniforms in [lo, hi).
    public mutating func fillUniform(_ out: UnsafeMutableBufferPointer<Float>, _ lo: Float, _ hi: Float) {
        let w = hi - lo
        for i in out.indices { out[i] = lo + w * uniform() }
    }
}

// Foundation-free math for the generator (Glibc via the stdlib shims).
#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Darwin.sin(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
