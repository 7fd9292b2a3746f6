// rANS: asymmetric numeral systems with a stack-like message (Duda 2013; the layout of
// Townsend, Bird & Barber 2019, "Practical lossless compression with latent variables using
// bits back coding", and of Giesen's rans64).
//
// The message is a 64-bit head plus a tail of 32-bit words. A symbol with probability
// freq / 2^precision is *pushed* by
//     head' = (head / freq) << precision + (head mod freq) + start
// which multiplies the head by about 2^precision / freq: it grows by -log2(freq / 2^precision)
// bits, the symbol's ideal code length. When the head would leave [2^31, 2^63) its low 32 bits
// move to the tail first. *Popping* is the exact inverse: the low `precision` bits of the head
// name the symbol (the slot `s` falls in [start, start + freq)), and
//     head = freq * (head >> precision) + s - start
// undoes the push. Push and pop are last-in first-out, which is what bits-back needs: a pop
// from a message that never held that symbol still works, and *reads* bits from the message
// (a sample from the distribution), the step that gives the encoder's randomness back.
// Everything is integer arithmetic: decoding reproduces encoding bit for bit.

import Foundation

/// What can go wrong when decoding a message that is not what the encoder wrote.
public enum CodingError: Error, CustomStringConvertible, Equatable {
    /// A pop needed more bits than the message holds (a truncated message).
    case exhausted
    /// The bytes are not a message this coder wrote (bad magic, length or head).
    case malformed(String)
    /// The decoded data do not match the checksum the encoder stored (a corrupted message).
    case checksumMismatch
    /// What is left after decoding is not the initial clean bits (corrupted, or the wrong model).
    case leftoverMismatch
    /// A model gave a probability that is not a number.
    case nonFiniteProbability

    public var description: String {
        switch self {
        case .exhausted: return "the message ran out of bits before decoding finished: it is truncated"
        case .malformed(let why): return "not a message written by this coder (\(why))"
        case .checksumMismatch: return "the decoded digits do not match the message's checksum: the message is corrupted (or decoded with a different model)"
        case .leftoverMismatch: return "decoding did not end at the initial clean bits: the message is corrupted (or decoded with a different model)"
        case .nonFiniteProbability: return "the model produced a probability that is not a number (NaN): check the model's weights"
        }
    }
}

/// A rANS message: a 64-bit head in [2^31, 2^63) and a stack of 32-bit words.
public struct ANSMessage: Equatable, Sendable {
    public static let lowerBound: UInt64 = 1 << 31
    public var head: UInt64
    public var tail: [UInt32]

    /// The smallest message: no information yet (head at its lower bound, empty tail).
    public init() { head = ANSMessage.lowerBound; tail = [] }

    public init(head: UInt64, tail: [UInt32]) { self.head = head; self.tail = tail }

    /// A message of `words` random 32-bit words plus a random head: the "clean bits" the first
    /// pops of bits-back coding read from, drawn from a seed so the decoder can check them.
    public init(randomWords words: Int, seed: UInt64) {
        var rng = RNG(seed: seed).fork(0xC1EA)
        tail = (0..<words).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        head = ANSMessage.lowerBound | (rng.next() & ((1 << 62) - 1)) | (1 << 62)
    }

    /// Length in bits: 32 per tail word plus the head's significant bits (fractional, log2).
    public var bits: Double { 32 * Double(tail.count) + log2(Double(head)) }

    // @cell rans-push-pop
    /// Push a symbol occupying [start, start + freq) of 0..<2^precision (freq >= 1, precision <= 31).
    @inline(__always)
    public mutating func push(start: UInt32, freq: UInt32, precision: Int) {
        // @exercise 4
        let f = UInt64(freq)
        let headMax = ((ANSMessage.lowerBound >> UInt64(precision)) << 32) &* f
        if head >= headMax {                       // make room: move the low 32 bits to the tail
            tail.append(UInt32(truncatingIfNeeded: head))
            head >>= 32
        }
        head = ((head / f) << UInt64(precision)) &+ (head % f) &+ UInt64(start)
        // @exercise-end
    }

    /// The slot the next pop will read: the head's low `precision` bits.
    @inline(__always)
    public func peek(precision: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: head & ((1 << UInt64(precision)) - 1))
    }

    /// Pop the symbol whose range [start, start + freq) holds `peek(precision)`.
    @inline(__always)
    public mutating func pop(start: UInt32, freq: UInt32, precision: Int) throws {
        // @exercise 4
        let slot = UInt64(peek(precision: precision))
        head = UInt64(freq) &* (head >> UInt64(precision)) &+ slot &- UInt64(start)
        if head < ANSMessage.lowerBound {           // refill from the tail
            guard let w = tail.popLast() else { throw CodingError.exhausted }
            head = (head << 32) | UInt64(w)
        }
        // @exercise-end
    }
    // @end

    /// Push `bits` (<= 31) raw bits, each value equally likely.
    public mutating func pushUniform(_ value: UInt32, bits: Int) {
        push(start: value, freq: 1, precision: bits)
    }

    /// Pop `bits` raw bits.
    public mutating func popUniform(bits: Int) throws -> UInt32 {
        let v = peek(precision: bits)
        try pop(start: v, freq: 1, precision: bits)
        return v
    }
}

extension ANSMessage {
    static let magic: [UInt8] = Array("BBANS01\n".utf8)

    /// The message as bytes: magic, head (8 bytes), word count (8 bytes), words (4 bytes each),
    /// little-endian. `extra` (checksum, counts) goes between the count and the words.
    public func serialized(header extra: [UInt64] = []) -> [UInt8] {
        var out = ANSMessage.magic
        func put(_ v: UInt64, _ n: Int) { for i in 0..<n { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        put(UInt64(extra.count), 8)
        for e in extra { put(e, 8) }
        put(head, 8)
        put(UInt64(tail.count), 8)
        for w in tail { put(UInt64(w), 4) }
        return out
    }

    /// Read a message written by `serialized`; returns it and its header values.
    /// Anything inconsistent (magic, lengths, a head out of range) is a `CodingError.malformed`.
    public static func deserialize(_ bytes: [UInt8]) throws -> (message: ANSMessage, header: [UInt64]) {
        var at = 0
        func get(_ n: Int) throws -> UInt64 {
            guard at + n <= bytes.count else { throw CodingError.malformed("it ends after \(bytes.count) bytes, in the middle of a field") }
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            at += n
            return v
        }
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw CodingError.malformed("no BBANS01 magic")
        }
        at = magic.count
        let extraCount = try get(8)
        guard extraCount <= 64 else { throw CodingError.malformed("header of \(extraCount) values") }
        var extra: [UInt64] = []
        for _ in 0..<extraCount { extra.append(try get(8)) }
        let head = try get(8)
        guard head >= lowerBound && head < (1 << 63) else { throw CodingError.malformed("head out of range") }
        let count = try get(8)
        guard count <= UInt64((bytes.count - at) / 4), Int(count) * 4 == bytes.count - at else {
            throw CodingError.malformed("it announces \(count) words but holds \(bytes.count - at) bytes after the header")
        }
        var tail = [UInt32](); tail.reserveCapacity(Int(count))
        for _ in 0..<count { tail.append(UInt32(try get(4))) }
        return (ANSMessage(head: head, tail: tail), extra)
    }
}
