// A seeded fuzz test over every loader: IDX (raw and gzipped), .amat, the CSV inside the
// MNIST-5k wheel (bare, gzipped, and inside a zip). Small valid files are mutated (bit flips,
// byte overwrites, truncation, insertions, header dimensions set to huge values such as 2^31
// images) and loaded. Every outcome must be a valid load or a one-line DataError: no trap
// (the data code is built -Ounchecked, so an out-of-range index would be memory corruption,
// which is why the loaders check everything before they index), and no allocation the file
// does not justify (a 2^31-image header must fail on the size check, not on malloc).
//
// The seed is fixed, and every failure message carries the iteration, so a failure reproduces.

import Foundation
import Testing
@testable import VLAE

/// One random mutation of `input`.
private func mutate(_ input: [UInt8], _ rng: inout RNG, headerBytes: Int) -> [UInt8] {
    var b = input
    guard !b.isEmpty else { return [UInt8(truncatingIfNeeded: rng.next())] }
    switch rng.below(7) {
    case 0:   // flip a few bits, anywhere
        for _ in 0...rng.below(4) { b[rng.below(b.count)] ^= 1 << UInt8(rng.below(8)) }
    case 1:   // flip bits in the header
        for _ in 0...rng.below(3) { b[rng.below(min(headerBytes, b.count))] ^= 1 << UInt8(rng.below(8)) }
    case 2:   // truncate
        b = Array(b.prefix(rng.below(b.count)))
    case 3:   // a header dimension set to a huge value (2^31, 2^32-1, 2^24 ...)
        let huge: [UInt32] = [0x8000_0000, 0xFFFF_FFFF, 0x0100_0000, 0x7FFF_FFFF, 0, 29]
        let v = huge[rng.below(huge.count)]
        let at = 4 * (1 + rng.below(max(1, min(3, (b.count - 4) / 4))))
        if at + 4 <= b.count { b.replaceSubrange(at..<(at + 4), with: [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)]) }
    case 4:   // overwrite a run of bytes with random values
        let at = rng.below(b.count), n = min(1 + rng.below(16), b.count - at)
        for i in at..<(at + n) { b[i] = UInt8(truncatingIfNeeded: rng.next()) }
    case 5:   // insert or delete a few bytes
        let at = rng.below(b.count)
        if rng.below(2) == 0 { b.insert(contentsOf: (0..<(1 + rng.below(8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at) }
        else { b.removeSubrange(at..<min(b.count, at + 1 + rng.below(8))) }
    default:  // little-endian sizes (zip and gzip trailers) set to huge values
        let v = UInt32.max - UInt32(rng.below(4))
        let at = rng.below(max(1, b.count - 4))
        b.replaceSubrange(at..<min(b.count, at + 4), with: le32(v))
    }
    return b
}

/// The outcome of one load: fine, or a one-line DataError. Anything else is recorded.
private func check(_ what: String, _ i: Int, _ body: () throws -> ImageSet?) {
    do {
        if let set = try body() {
            #expect(set.pixels.count == set.count * 784, "\(what) #\(i)")
            #expect(set.pixels.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(what) #\(i): pixel out of [0, 1]")
            #expect(set.labels.allSatisfy { $0 >= -1 && $0 <= 9 }, "\(what) #\(i): label out of range")
            // Capacity stays in proportion to what was loaded (no huge reservation kept).
            #expect(set.pixels.capacity <= max(4096, 2 * set.pixels.count), "\(what) #\(i): capacity \(set.pixels.capacity)")
        }
    } catch let error as DataError {
        #expect(!error.description.contains("\n") && !error.description.contains("\r"), "\(what) #\(i): \(error.description)")
    } catch {
        Issue.record("\(what) #\(i): not a DataError: \(error)")
    }
}

private func write(_ bytes: [UInt8], _ path: String) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

@Suite("Loader fuzzing", .serialized)
struct FuzzTests {
    static let iterations = 1500

    @Test func idxFilesRawAndGzipped() throws {
        let dir = try freshTempDir("fuzz-idx")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let images = makeIDX(dims: [3, 28, 28], values: (0..<(3 * 784)).map { UInt8($0 % 251) })
        let labels = makeIDX(dims: [3], values: [1, 7, 9])
        var rng = RNG(seed: 20261123)
        for i in 0..<Self.iterations {
            let isLabels = i % 2 == 1, gz = i % 4 >= 2
            let base = isLabels ? labels : images
            var bytes = mutate(base, &rng, headerBytes: isLabels ? 8 : 16)
            if gz {
                // Mutate either the IDX inside the gzip or the gzip stream itself.
                bytes = rng.below(2) == 0 ? gzip(bytes) : mutate(gzip(base), &rng, headerBytes: 10)
            }
            let path = dir + "/f\(i % 8)"
            write(bytes, path)
            if isLabels {
                check("idx labels\(gz ? " gz" : "")", i) {
                    let l = try readIDXLabels(path, fix: "fuzz")
                    #expect(l.labels.allSatisfy { $0 >= 0 && $0 <= 9 }, "idx labels #\(i): \(l.labels.filter { $0 > 9 })")
                    return nil
                }
            } else {
                check("idx images\(gz ? " gz" : "")", i) {
                    let r = try readIDXImages(path, fix: "fuzz")
                    return ImageSet(pixels: r.pixels, labels: [Int](repeating: 0, count: r.count))
                }
            }
        }
    }

    @Test func amatFiles() throws {
        let dir = try freshTempDir("fuzz-amat")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let row = (0..<784).map { $0 % 3 == 0 ? "1" : "0" }.joined(separator: " ")
        let text = Array((row + "\n" + row + "\r\n").utf8)
        var rng = RNG(seed: 7)
        for i in 0..<Self.iterations / 2 {
            let path = dir + "/binarized_mnist_train.amat"
            write(mutate(text, &rng, headerBytes: 64), path)
            check("amat", i) { try readAmat(path).set }
        }
    }

    @Test func wheelCSVBareGzippedAndZipped() throws {
        let dir = try freshTempDir("fuzz-csv")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func row(_ label: Int) -> String { ((0..<784).map { String(($0 * 37) % 256) } + [String(label)]).joined(separator: ",") }
        let csv = Array((row(3) + "\n" + row(9) + "\n").utf8)
        var rng = RNG(seed: 99)
        for i in 0..<Self.iterations {
            switch i % 3 {
            case 0:
                check("csv", i) { try parsePixelCSV(mutate(csv, &rng, headerBytes: 32), file: "fuzz.csv", fix: "fuzz") }
            case 1:
                let gz = mutate(gzip(csv), &rng, headerBytes: 10)
                check("csv.gz", i) {
                    let text = try gunzip(gz, file: "fuzz.csv.gz", fix: "fuzz")
                    // The inflated buffer is trimmed to what was produced.
                    #expect(text.capacity <= max(1 << 16, 2 * text.count), "csv.gz #\(i): capacity \(text.capacity) for \(text.count) bytes")
                    return try parsePixelCSV(text, file: "fuzz.csv.gz", fix: "fuzz")
                }
            default:
                guard i % 9 == 2 else { continue }   // zips are slower: a third as many
                let inner = rng.below(2) == 0 ? gzip(mutate(csv, &rng, headerBytes: 32)) : mutate(gzip(csv), &rng, headerBytes: 10)
                var wheel = makeZip([(MNIST5k.memberPath, inner)])
                if rng.below(2) == 0 { wheel = mutate(wheel, &rng, headerBytes: 30) }
                let path = dir + "/" + MNIST5k.wheelName
                write(wheel, path)
                check("wheel", i) {
                    let d = try MNIST5k.load(wheel: path, cacheDir: dir, wheelSHA256: nil, memberSHA256: nil)
                    return d.train
                }
            }
        }
    }

    /// The specific shapes of the worst cases, each checked on its own.
    @Test func hugeHeadersFailOnTheSizeCheck() throws {
        let dir = try freshTempDir("fuzz-huge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 2^31 images of 28x28 in a 16-byte header with one image behind it.
        write(makeIDX(dims: [1 << 31, 28, 28], values: [UInt8](repeating: 0, count: 784)), dir + "/i")
        #expect(throws: DataError.self) { _ = try readIDXImages(dir + "/i", fix: "") }
        write(makeIDX(dims: [0xFFFF_FFFF], values: [1, 2, 3]), dir + "/l")
        #expect(throws: DataError.self) { _ = try readIDXLabels(dir + "/l", fix: "") }
        // A gzip whose trailer claims 4 GB inflates to what the stream holds, nothing more.
        var gz = gzip(Array(repeating: 7, count: 100))
        gz.replaceSubrange((gz.count - 4)..., with: le32(0xFFFF_FFF0))
        do {
            let out = try gunzip(gz, file: "x.gz", fix: "")
            #expect(out.count == 100 && out.capacity < 1 << 20, "capacity \(out.capacity)")
        } catch { #expect(error is DataError) }
        // A zip whose member claims 4 GB.
        var wheel = makeZip([(MNIST5k.memberPath, gzip(Array("1,2\n".utf8)))])
        for sig in [[UInt8](le32(0x0403_4b50)), [UInt8](le32(0x0201_4b50))] {
            if let at = (0..<(wheel.count - 4)).first(where: { Array(wheel[$0..<($0 + 4)]) == sig }) {
                let sizeAt = at + (sig == le32(0x0403_4b50) ? 22 : 24)
                wheel.replaceSubrange(sizeAt..<(sizeAt + 4), with: le32(0xFFFF_FFF0))
            }
        }
        write(wheel, dir + "/" + MNIST5k.wheelName)
        #expect(throws: DataError.self) {
            _ = try MNIST5k.load(wheel: dir + "/" + MNIST5k.wheelName, cacheDir: dir, wheelSHA256: nil, memberSHA256: nil)
        }
    }
}
