// PNG as a baseline coder for binary digits: all digits tiled into one 1-bit image (a two-colour
// palette, which libgd writes with bit depth 1), compressed at zlib level 9. The file carries
// headers and the palette besides the pixels, so both the whole file and the IDAT chunks (the
// compressed pixel data alone) are reported.

import CGD

public struct PNGSize: Sendable {
    public var fileBytes: Int
    public var idatBytes: Int
    /// The PNG's bit depth (1 for a two-colour palette image).
    public var bitDepth: Int
}

public enum PNGBaseline {
    /// The PNG bytes of `count` binary 28x28 digits (784 pixels each, row-major) tiled `columns` per row.
    public static func png(_ pixels: [Float], count: Int, columns: Int = 25) throws -> [UInt8] {
        let rows = (count + columns - 1) / columns
        let im = gdImageCreate(Int32(columns * 28), Int32(rows * 28))!
        defer { gdImageDestroy(im) }
        let white = gdImageColorAllocate(im, 255, 255, 255)   // the first colour allocated is the background
        let black = gdImageColorAllocate(im, 0, 0, 0)
        _ = white
        for i in 0..<count {
            let ox = (i % columns) * 28, oy = (i / columns) * 28
            for p in 0..<784 where pixels[i * 784 + p] > 0.5 {
                gdImageSetPixel(im, Int32(ox + p % 28), Int32(oy + p / 28), black)
            }
        }
        var size: Int32 = 0
        guard let ptr = gdImagePngPtrEx(im, &size, 9) else { throw NotebookError.gd("PNG encoding failed") }
        defer { gdFree(ptr) }
        return Array(UnsafeRawBufferPointer(start: ptr, count: Int(size)))
    }

    /// File size, IDAT bytes and bit depth of a PNG, read from its chunks.
    public static func measure(_ png: [UInt8]) -> PNGSize {
        func be32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(png[at + $1]) } }
        var at = 8, idat = 0, depth = 0
        while at + 8 <= png.count {
            let length = be32(at)
            let type = String(decoding: png[(at + 4)..<(at + 8)], as: UTF8.self)
            if type == "IHDR" { depth = Int(png[at + 8 + 8]) }
            if type == "IDAT" { idat += length }
            at += 12 + length
        }
        return PNGSize(fileBytes: png.count, idatBytes: idat, bitDepth: depth)
    }
}
