// Gzip in memory, through zlib.
//
// Both the MNIST-5k CSV (inside the wheel) and the IDX files of Fashion-MNIST come gzipped.
// We inflate whole files in memory: the largest is 26 MB gzipped, 47 MB inflated.
// Whether a file is gzipped is decided by its first two bytes (1f 8b), never by its name.

import CGzip

/// True if the bytes start with the gzip magic number 1f 8b.
func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Inflate a gzip stream (several concatenated members are allowed, as `gzip` allows).
/// `file` only names the source in error messages; `fix` is the remedy to suggest.
func gunzip(_ input: [UInt8], file: String, fix: String) throws -> [UInt8] {
    func corrupt(_ why: String) -> DataError {
        DataError(.corruptGzip, file: file, problem: "corrupt gzip data (\(why))", fix: fix)
    }
    guard isGzip(input) else { throw corrupt("no gzip header") }

    // The last four bytes hold the inflated size mod 2^32: a good first guess for capacity.
    var guess = 1 << 16
    if input.count >= 18 {
        let n = input.count
        let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        // A corrupt trailer can claim gigabytes: deflate expands at most ~1032:1, so never
        // reserve more than the input could inflate to.
        guess = max(guess, min(isize + 1, 1 << 30, input.count * 1032))
    }
    var output = [UInt8](repeating: 0, count: guess)
    var produced = 0

    var stream = z_stream()
    // 16 + MAX_WBITS: expect a gzip header and trailer, not a raw zlib stream.
    guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw corrupt("inflateInit2 failed")
    }
    defer { inflateEnd(&stream) }

    try input.withUnsafeBufferPointer { inBuf in
        stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
        stream.avail_in = UInt32(inBuf.count)
        while true {
            if produced == output.count {
                output.append(contentsOf: repeatElement(0, count: output.count))
            }
            let status: Int32 = output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_out = outBuf.baseAddress! + produced
                stream.avail_out = UInt32(min(outBuf.count - produced, Int(UInt32.max)))
                let before = stream.avail_out
                let s = inflate(&stream, Z_NO_FLUSH)
                produced += Int(before - stream.avail_out)
                return s
            }
            switch status {
            case Z_STREAM_END:
                // Another gzip member may follow; trailing zero padding is tolerated.
                if stream.avail_in == 0 { return }
                let rest = UnsafeBufferPointer(start: stream.next_in, count: Int(stream.avail_in))
                if rest.allSatisfy({ $0 == 0 }) { return }
                guard inflateReset(&stream) == Z_OK else { throw corrupt("inflateReset failed") }
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: either the output is full (grow it) or the input ended early.
                if stream.avail_out == 0 { continue }
                throw corrupt("the stream ends early; the file is truncated")
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw corrupt(message)
            }
        }
    }
    // Keep only what was produced (a fresh, tight copy when the buffer is much bigger).
    if produced * 2 < output.count { return Array(output[..<produced]) }
    output.removeSubrange(produced...)
    return output
}

/// Gzip-compress bytes in memory (used by the tests to write real .gz files).
func gzip(_ input: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    let initStatus = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                                   Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    precondition(initStatus == Z_OK, "deflateInit2 failed")
    defer { deflateEnd(&stream) }
    // deflateBound does not count the gzip header and trailer (18 bytes).
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
    let written: Int = input.withUnsafeBufferPointer { inBuf in
        output.withUnsafeMutableBufferPointer { outBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = UInt32(inBuf.count)
            stream.next_out = outBuf.baseAddress
            stream.avail_out = UInt32(outBuf.count)
            let status = deflate(&stream, Z_FINISH)
            precondition(status == Z_STREAM_END, "deflate did not finish")
            return outBuf.count - Int(stream.avail_out)
        }
    }
    output.removeSubrange(written...)
    return output
}
