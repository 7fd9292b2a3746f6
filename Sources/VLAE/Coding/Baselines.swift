// General-purpose compressors on the same binarized digits, for comparison with the model coders:
// gzip (zlib's deflate, gzip container) and bzip2 (libbz2), both at their strongest setting, on
// the digits' pixels packed 8 to a byte (784 bits = 98 bytes per digit), all digits in one stream.
// (PNG lives with the other libgd code: Notebook/Images/PNGBaseline.swift.)

import CBzip2
import CGzip

public enum Baselines {
    /// Pixels (0/1 floats, any number of digits in a row) packed 8 per byte, most significant bit
    /// first: the binarization cache's packBits (Data/Binarize.swift) in that bit order.
    public static func packBits(_ pixels: [Float]) -> [UInt8] {
        VLAE.packBits(pixels, mostSignificantFirst: true)
    }

    /// gzip (deflate level 9 with the gzip header and trailer): the compressed bytes.
    /// The z_stream lives at one fixed address (zlib keeps a pointer back to it and refuses a
    /// stream that moved), and failures stop with a message even in -Ounchecked builds, where
    /// `precondition` is compiled out.
    public static func gzip(_ input: [UInt8]) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        // 16 + MAX_WBITS: write a gzip container, as the gzip tool does (18 bytes of header and trailer)
        let rc = deflateInit2_(stream, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { fatalError("zlib deflateInit2 failed (\(rc))") }
        defer { deflateEnd(stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(input.count))) + 64)
        var input = input
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf -> Int in
                stream.pointee.next_in = inBuf.baseAddress; stream.pointee.avail_in = uInt(inBuf.count)
                stream.pointee.next_out = outBuf.baseAddress; stream.pointee.avail_out = uInt(outBuf.count)
                let status = deflate(stream, Z_FINISH)
                guard status == Z_STREAM_END else { fatalError("zlib deflate did not finish (\(status))") }
                return outBuf.count - Int(stream.pointee.avail_out)
            }
        }
        return Array(out[0..<produced])
    }

    /// bzip2 (block size 900k, the default of the bzip2 tool): the compressed bytes.
    public static func bzip2(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: input.count + input.count / 100 + 600)
        var outLen = UInt32(out.count)
        var input = input
        let rc = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                inBuf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: inBuf.count) { src in
                    outBuf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: outBuf.count) { dst in
                        BZ2_bzBuffToBuffCompress(dst, &outLen, src, UInt32(inBuf.count), 9, 0, 0)
                    }
                }
            }
        }
        guard rc == BZ_OK else { fatalError("BZ2_bzBuffToBuffCompress failed (\(rc))") }
        return Array(out[0..<Int(outLen)])
    }
}
