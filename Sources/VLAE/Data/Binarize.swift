// Binarization: the models see binary images, x = Bernoulli(pixel intensity).
//
// Static: drawn once with a fixed seed, so every run and every model sees the same zeros and
// ones (the paper's main setting). Dynamic: drawn afresh for every batch, which acts as data
// augmentation and is worth 1-2 nats; results of the two must never be compared.
//
// The static draw is cheap (a few milliseconds for MNIST-5k) but is cached anyway, in memory
// and on disk beside the data, so that every chapter reads the identical bits by name.

import Foundation

/// How grey images become binary ones.
public enum Binarization: Equatable, Sendable {
    /// Bernoulli draws made once with this seed; split s uses the stream `RNG(seed).fork(s)`
    /// with s = 1 (train), 2 (validation), 3 (test), so the splits do not depend on each other.
    case staticSeeded(UInt64)
    /// Fresh draws for every batch: see `ImageSet.sampleBinarized(indices:into:rng:)`.
    case dynamic
}

/// Fill `count` values at `dst` with Bernoulli(src[k]) draws: 1 with probability src[k], else 0.
@inline(__always)
func drawBernoulli(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, rng: inout RNG) {
    for k in 0..<count {
        // uniform() is in [0, 1): intensity 0 never gives a 1, intensity 1 always does.
        dst[k] = rng.uniform() < src[k] ? 1 : 0
    }
}

extension ImageSet {
    /// Dynamic binarization: write a fresh Bernoulli draw of the images at `indices` into `out`
    /// (`indices.count * 784` floats, image after image). Binary images come out unchanged.
    public func sampleBinarized(indices: [Int], into out: UnsafeMutablePointer<Float>, rng: inout RNG) {
        let n = ImageSet.pixelsPerImage
        pixels.withUnsafeBufferPointer { src in
            for (k, i) in indices.enumerated() {
                precondition(i >= 0 && i < count, "image index \(i) out of 0..<\(count)")
                drawBernoulli(src.baseAddress! + i * n, out + k * n, count: n, rng: &rng)
            }
        }
    }

    /// Static binarization of the whole set with one stream.
    func binarizedWhole(rng: inout RNG) -> ImageSet {
        var out = [Float](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                drawBernoulli(src.baseAddress!, dst.baseAddress!, count: src.count, rng: &rng)
            }
        }
        return ImageSet(pixels: out, labels: labels)
    }
}

extension Dataset {
    /// The dataset as the models should see it. Static: a binarized copy (cached in memory and
    /// in `cacheDir`; pass nil to skip the disk). Dynamic: the grey dataset unchanged, to be
    /// binarized batch by batch. A dataset that is already binary is returned as it is.
    public func binarized(_ binarization: Binarization,
                          cacheDir: String? = DataSource.defaultCacheDir) -> Dataset {
        guard case .staticSeeded(let seed) = binarization, !isBinary else { return self }
        let key = "\(fingerprint)-seed\(seed)"
        if let hit = BinarizedCache.shared.get(key) { return hit }

        let path = cacheDir.map { joinPath($0, "binarized-\(key).bin") }
        var result: Dataset
        if let path, let fromDisk = readBinarizedCache(path, key: key) {
            result = fromDisk
        } else {
            let root = RNG(seed: seed)
            var r1 = root.fork(1), r2 = root.fork(2), r3 = root.fork(3)
            result = self
            result.train = train.binarizedWhole(rng: &r1)
            result.validation = validation.binarizedWhole(rng: &r2)
            result.test = test.binarizedWhole(rng: &r3)
            if let path { writeBinarizedCache(result, to: path, key: key) }
        }
        result.fingerprint = Dataset.makeFingerprint([fingerprint, "static Bernoulli, seed \(seed), streams fork(1,2,3)"])
        result.isBinary = true
        BinarizedCache.shared.set(key, result)
        return result
    }

    // The cache file: "VLAEBIN1", SHA-256 of the key, three UInt32 counts (little-endian),
    // the three splits' pixels packed 8 to a byte, and a SHA-256 of everything before it.
    // A file that fails any check (another key or code version, a bad checksum) is ignored and rewritten.

    private static let cacheMagic = Array("VLAEBIN1".utf8)
    /// The key as hashed into the file: with the code version, so that a file written by
    /// another version fails the check and is redrawn.
    static func versionedKey(_ key: String) -> String { key + "|format \(CodeVersion.current)" }

    private func writeBinarizedCache(_ data: Dataset, to path: String, key: String) {
        var bytes = Dataset.cacheMagic + hexBytes(sha256Hex(Dataset.versionedKey(key)))
        for set in [data.train, data.validation, data.test] {
            let c = UInt32(set.count)
            bytes += [UInt8(c & 255), UInt8(c >> 8 & 255), UInt8(c >> 16 & 255), UInt8(c >> 24)]
        }
        for set in [data.train, data.validation, data.test] { bytes += packBits(set.pixels) }
        bytes += hexBytes(sha256Hex(bytes))
        do {
            try writeAtomically(Data(bytes), to: path)
        } catch {
            // The cache only saves time: say so and go on.
            FileHandle.standardError.write(Data("warning: cannot write binarization cache \(path): \(error.localizedDescription)\n".utf8))
        }
    }

    private func readBinarizedCache(_ path: String, key: String) -> Dataset? {
        guard let raw = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](raw)
        let header = 8 + 32 + 12
        let sets = [train, validation, test]
        let packed = sets.map { ($0.pixels.count + 7) / 8 }
        guard bytes.count == header + packed.reduce(0, +) + 32,
              Array(bytes[0..<8]) == Dataset.cacheMagic,
              Array(bytes[8..<40]) == hexBytes(sha256Hex(Dataset.versionedKey(key))),
              Array(bytes[(bytes.count - 32)...]) == hexBytes(sha256Hex(Array(bytes[..<(bytes.count - 32)])))
        else { return nil }
        for (s, set) in sets.enumerated() {
            let p = 40 + 4 * s
            let c = Int(bytes[p]) | Int(bytes[p + 1]) << 8 | Int(bytes[p + 2]) << 16 | Int(bytes[p + 3]) << 24
            guard c == set.count else { return nil }
        }
        var out = self
        var offset = header
        out.train.pixels = unpackBits(bytes, from: offset, count: train.pixels.count); offset += packed[0]
        out.validation.pixels = unpackBits(bytes, from: offset, count: validation.pixels.count); offset += packed[1]
        out.test.pixels = unpackBits(bytes, from: offset, count: test.pixels.count)
        return out
    }
}

/// Binary floats (0 or 1) packed 8 to a byte, lowest bit first (most significant bit first
/// with `mostSignificantFirst`, the order the compressor baselines use).
func packBits(_ values: [Float], mostSignificantFirst: Bool = false) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: (values.count + 7) / 8)
    for k in values.indices where values[k] != 0 {
        out[k >> 3] |= mostSignificantFirst ? 0x80 >> UInt8(k & 7) : 1 << UInt8(k & 7)
    }
    return out
}

/// The inverse of `packBits`.
func unpackBits(_ bytes: [UInt8], from offset: Int, count: Int) -> [Float] {
    var out = [Float](repeating: 0, count: count)
    bytes.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for k in 0..<count { dst[k] = Float((src[offset + (k >> 3)] >> UInt8(k & 7)) & 1) }
        }
    }
    return out
}

/// 64 hex digits back to 32 bytes.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    func value(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x57 }
    return stride(from: 0, to: digits.count - 1, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
}

/// Statically binarized datasets already made in this process, by fingerprint and seed.
final class BinarizedCache: @unchecked Sendable {
    static let shared = BinarizedCache()
    private var entries: [String: Dataset] = [:]
    private let lock = NSLock()
    func get(_ key: String) -> Dataset? { lock.lock(); defer { lock.unlock() }; return entries[key] }
    func set(_ key: String, _ value: Dataset) { lock.lock(); defer { lock.unlock() }; entries[key] = value }
    func removeAll() { lock.lock(); defer { lock.unlock() }; entries.removeAll() }
}
