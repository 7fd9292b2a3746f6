// IDX files: the binary format of MNIST and Fashion-MNIST.
//
// An IDX file is a 4-byte magic number (0, 0, type, number of dimensions), then each dimension
// as a big-endian UInt32, then the values. Images: type 0x08 (unsigned byte), 3 dimensions
// (count, 28, 28). Labels: type 0x08, 1 dimension (count). Files may be gzipped; we look at
// the first two bytes to know, not at the name.

/// Parse an IDX file's header and check it. Returns the dimensions and where the data start.
func parseIDXHeader(_ bytes: [UInt8], file: String, expectedDims: Int, fix: String) throws -> (dims: [Int], offset: Int) {
    func bad(_ why: String) -> DataError { DataError(.badFormat, file: file, problem: why, fix: fix) }
    let what = expectedDims == 3 ? "an IDX image file (magic 00 00 08 03)" : "an IDX label file (magic 00 00 08 01)"
    guard bytes.count >= 4 else { throw bad("only \(bytes.count) bytes, not \(what)") }
    guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08, Int(bytes[3]) == expectedDims else {
        let magic = bytes[0..<4].map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
        throw bad("bad magic number \(magic), expected \(what)")
    }
    let offset = 4 + 4 * expectedDims
    guard bytes.count >= offset else { throw bad("file ends inside the header (\(bytes.count) bytes)") }
    var dims = [Int]()
    for d in 0..<expectedDims {
        let p = 4 + 4 * d
        dims.append(Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3]))
    }
    // A corrupt header can promise more values than memory could hold: check without trapping.
    var expected = 1
    for d in dims {
        let (product, overflow) = expected.multipliedReportingOverflow(by: d)
        guard !overflow, product <= 1 << 40 else {
            throw bad("the header promises an impossible size \(dims.map(String.init).joined(separator: "x"))")
        }
        expected = product
    }
    let actual = bytes.count - offset
    guard actual >= expected else {
        throw bad("truncated: the header promises \(expected) values (\(dims.map(String.init).joined(separator: "x"))), the file holds \(actual)")
    }
    guard actual == expected else {
        throw bad("\(actual - expected) unexpected bytes after the \(expected) values the header promises")
    }
    return (dims, offset)
}

/// Read an IDX image file (raw or gzipped) into intensities in [0, 1].
func readIDXImages(_ path: String, fix: String) throws -> (pixels: [Float], count: Int, rawSHA256: String) {
    let (bytes, raw) = try readMaybeGzipped(path, fix: fix)
    let (dims, offset) = try parseIDXHeader(bytes, file: path, expectedDims: 3, fix: fix)
    guard dims[1] == ImageSet.height, dims[2] == ImageSet.width else {
        throw DataError(.badFormat, file: path, problem: "images are \(dims[1])x\(dims[2]), expected 28x28", fix: fix)
    }
    let n = dims[0] * ImageSet.pixelsPerImage
    var pixels = [Float](repeating: 0, count: n)
    bytes.withUnsafeBufferPointer { src in
        pixels.withUnsafeMutableBufferPointer { dst in
            for k in 0..<n { dst[k] = Float(src[offset + k]) / 255 }
        }
    }
    return (pixels, dims[0], sha256Hex(raw))
}

/// Read an IDX label file (raw or gzipped), every label checked to be a class: 0..<classCount.
/// (A label out of range would index past the end of a classifier's outputs, and the compute
/// code is built -Ounchecked: it would not trap, it would corrupt memory.)
func readIDXLabels(_ path: String, classCount: Int = 10, fix: String) throws -> (labels: [Int], rawSHA256: String) {
    let (bytes, raw) = try readMaybeGzipped(path, fix: fix)
    let (dims, offset) = try parseIDXHeader(bytes, file: path, expectedDims: 1, fix: fix)
    let labels = bytes[offset..<(offset + dims[0])].map { Int($0) }
    if let i = labels.firstIndex(where: { $0 >= classCount }) {
        let others = labels.lazy.filter { $0 >= classCount }.count - 1
        throw DataError(.badFormat, file: path,
                        problem: "label at index \(i) (counting from 0) is \(labels[i]), expected 0...\(classCount - 1)"
                            + (others > 0 ? " (and \(others) more out of range)" : ""), fix: fix)
    }
    return (labels, sha256Hex(raw))
}

/// Read an images file and its labels file into one `ImageSet`, checking the counts agree.
func readIDXSet(images: String, labels: String, classCount: Int, fix: String) throws -> (set: ImageSet, hashes: [String]) {
    let im = try readIDXImages(images, fix: fix)
    let lb = try readIDXLabels(labels, classCount: classCount, fix: fix)
    guard lb.labels.count == im.count else {
        throw DataError(.badFormat, file: labels,
                        problem: "has \(lb.labels.count) labels but \(images) has \(im.count) images", fix: fix)
    }
    return (ImageSet(pixels: im.pixels, labels: lb.labels), [im.rawSHA256, lb.rawSHA256])
}

/// A dataset from four IDX files: train and test as given, validation carved off the end of
/// train (the last 5,000 images, or 10% when that is smaller).
func loadIDXDataset(name: String, trainImages: String, trainLabels: String, testImages: String,
                    testLabels: String, classNames: [String], fix: String) throws -> Dataset {
    let (fullTrain, trainHashes) = try readIDXSet(images: trainImages, labels: trainLabels, classCount: classNames.count, fix: fix)
    let (test, testHashes) = try readIDXSet(images: testImages, labels: testLabels, classCount: classNames.count, fix: fix)
    let v = validationCount(trainCount: fullTrain.count)
    let (train, validation) = splitTail(fullTrain, validation: v)
    let rule = "idx: test as given; validation = last min(5000, 10%) of train"
    return Dataset(name: name, train: train, validation: validation, test: test,
                   fingerprint: Dataset.makeFingerprint([name] + trainHashes + testHashes + [rule]),
                   classNames: classNames, isBinary: false)
}

/// Fashion-MNIST from the Debian package's folder: the standard 60k/10k split, validation the
/// last 5k of train.
func loadFashionMNIST(dir: String) throws -> Dataset {
    let fix = dir == DataSource.fashionMNISTDir
        ? "run 'apt-get install -y dataset-fashion-mnist'"
        : "put the four Fashion-MNIST IDX files in \(dir), or run 'apt-get install -y dataset-fashion-mnist' and use --dataset fashion"
    return try loadIDXDataset(name: "fashion-mnist",
                              trainImages: DataSource.idxPath(dir, "train-images-idx3-ubyte"),
                              trainLabels: DataSource.idxPath(dir, "train-labels-idx1-ubyte"),
                              testImages: DataSource.idxPath(dir, "t10k-images-idx3-ubyte"),
                              testLabels: DataSource.idxPath(dir, "t10k-labels-idx1-ubyte"),
                              classNames: Dataset.fashionNames, fix: fix)
}

/// Write an IDX file (images: dims [count, 28, 28]; labels: dims [count]). Used by the tests.
func makeIDX(dims: [Int], values: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0, 0, 0x08, UInt8(dims.count)]
    for d in dims {
        out += [UInt8(truncatingIfNeeded: d >> 24), UInt8(truncatingIfNeeded: d >> 16),
                UInt8(truncatingIfNeeded: d >> 8), UInt8(truncatingIfNeeded: d)]
    }
    return out + values
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
