// SHA-256 through OpenSSL's libcrypto.
//
// Downloads are checked against published hashes before they are parsed, so that a truncated
// or tampered file is reported as such and not as a confusing parse error further down.
// The same hashes feed the dataset fingerprint that model caches are keyed by.

import COpenSSL

/// The SHA-256 of a byte buffer, as 64 lowercase hex digits.
public func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
    var digest = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    let ok = digest.withUnsafeMutableBufferPointer { out in
        EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &length, EVP_sha256(), nil)
    }
    // EVP_Digest only fails on allocation failure; there is no sensible way to go on.
    precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
    return hexString(digest)
}

/// The SHA-256 of a byte array, as 64 lowercase hex digits.
public func sha256Hex(_ bytes: [UInt8]) -> String {
    bytes.withUnsafeBytes { sha256Hex($0) }
}

/// The SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex digits.
public func sha256Hex(_ text: String) -> String {
    sha256Hex(Array(text.utf8))
}

/// Bytes as lowercase hex.
func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
