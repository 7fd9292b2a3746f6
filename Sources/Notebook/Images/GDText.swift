import CGD
import Foundation

/// Text on libgd images: FreeType with DejaVu Sans when the font file exists,
/// else gd's built-in bitmap font.
enum GDText {
    /// The first DejaVu Sans file found on this machine, if any.
    static let fontPath: String? = {
        let candidates = [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
            "/usr/local/share/fonts/DejaVuSans.ttf",
            "/Library/Fonts/DejaVuSans.ttf",
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }()

    /// Size of `s` in pixels: (width, ascent above the baseline).
    static func size(_ s: String, points: Double) -> (width: Int, ascent: Int) {
        if let font = fontPath {
            var brect = [Int32](repeating: 0, count: 8)
            var f = Array(font.utf8CString), str = Array(s.utf8CString)
            if gdImageStringFT(nil, &brect, 0, &f, points, 0, 0, 0, &str) == nil {
                return (Int(brect[2] - brect[0]), Int(-brect[7]))
            }
        }
        let bf = gdFontGetSmall()!.pointee
        return (Int(bf.w) * s.utf8.count, Int(bf.h))
    }

    /// Draws `s` with its baseline starting at x, y.
    static func draw(_ im: gdImagePtr, _ s: String, x: Int, y: Int, points: Double, color: Int32) {
        if let font = fontPath {
            var brect = [Int32](repeating: 0, count: 8)
            var f = Array(font.utf8CString), str = Array(s.utf8CString)
            if gdImageStringFT(im, &brect, color, &f, points, 0, Int32(x), Int32(y), &str) == nil { return }
        }
        let bf = gdFontGetSmall()!
        var bytes = Array(s.utf8) + [0]
        gdImageString(im, bf, Int32(x), Int32(y) - bf.pointee.h + 2, &bytes, color)
    }
}

/// A 24-bit colour value for a true-colour gd image (gdTrueColor is a macro).
func gdColor(_ c: Color) -> Int32 {
    (Int32((c.r * 255).rounded()) << 16) | (Int32((c.g * 255).rounded()) << 8) | Int32((c.b * 255).rounded())
}

/// PNG bytes of a gd image.
func gdPNG(_ im: gdImagePtr) throws -> [UInt8] {
    var size: Int32 = 0
    guard let p = gdImagePngPtr(im, &size) else { throw NotebookError.gd("PNG encoding failed") }
    defer { gdFree(p) }
    return Array(UnsafeRawBufferPointer(start: p, count: Int(size)))
}
