// Larochelle's binarized MNIST: three text files of rows of 784 space-separated 0/1 values.
//
// This is the statically binarized MNIST of the paper's main table (50k / 10k / 10k). The
// files carry no labels, so every label is -1, and the pixels are already binary, so
// binarization leaves them alone.

let amatDownload = "http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist"

/// Parse one .amat file.
func readAmat(_ path: String) throws -> (set: ImageSet, rawSHA256: String) {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    let fix = "run 'wget \(amatDownload)/\(name) -O \(path)'"
    let bytes = try readWholeFile(path, fix: fix)
    let n = ImageSet.pixelsPerImage
    var pixels = [Float]()
    pixels.reserveCapacity(bytes.count / 2)
    var images = 0

    func bad(_ line: Int, _ why: String) -> DataError {
        DataError(.malformedRow, file: "\(path) line \(line)", problem: why, fix: fix)
    }

    try bytes.withUnsafeBufferPointer { buf in
        var i = 0
        var line = 0
        while i < buf.count {
            line += 1
            var values = 0
            var inToken = false
            var tokenValue: UInt8 = 0
            var tokenLength = 0
            // Read one line token by token; a token must be exactly "0" or "1".
            while true {
                let atEnd = i == buf.count || buf[i] == 0x0A
                let c: UInt8 = atEnd ? 0x20 : buf[i]
                if c == 0x20 || c == 0x09 || c == 0x0D {
                    if inToken {
                        guard tokenLength == 1, tokenValue == 0x30 || tokenValue == 0x31 else {
                            throw bad(line, "value \(values + 1) is not 0 or 1")
                        }
                        if values < n { pixels.append(tokenValue == 0x31 ? 1 : 0) }
                        values += 1
                        inToken = false
                    }
                } else {
                    if !inToken { inToken = true; tokenLength = 0; tokenValue = c }
                    tokenLength += 1
                }
                if atEnd { i += 1; break }
                i += 1
            }
            if values == 0 { continue }   // blank line
            guard values == n else {
                throw bad(line, "has \(values) values, expected 784")
            }
            images += 1
        }
    }
    guard images > 0 else {
        throw DataError(.malformedRow, file: path, problem: "holds no rows of 784 values", fix: fix)
    }
    return (ImageSet(pixels: pixels, labels: [Int](repeating: -1, count: images)), sha256Hex(bytes))
}

/// The three .amat files as a dataset.
func loadAmat(train: String, valid: String, test: String) throws -> Dataset {
    let (tr, h1) = try readAmat(train)
    let (va, h2) = try readAmat(valid)
    let (te, h3) = try readAmat(test)
    return Dataset(name: "amat", train: tr, validation: va, test: te,
                   fingerprint: Dataset.makeFingerprint(["amat", h1, h2, h3, "amat: files as given"]),
                   classNames: [], isBinary: true)
}
