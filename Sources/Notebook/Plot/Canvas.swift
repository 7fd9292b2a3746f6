import CCairo
import Foundation

/// Errors from writing figures and reports.
public enum NotebookError: Error, CustomStringConvertible {
    case cairo(String)
    case gd(String)
    case io(String)

    public var description: String {
        switch self {
        case .cairo(let m): return "cairo: \(m)"
        case .gd(let m): return "libgd: \(m)"
        case .io(let m): return "io: \(m)"
        }
    }
}

/// Horizontal and vertical text anchors for `Canvas.text`.
public enum HAlign { case left, center, right }
public enum VAlign { case top, middle, baseline, bottom }

/// A thin drawing layer over a cairo context. Coordinates are CSS pixels;
/// the PNG backend scales them by 2.
public final class Canvas {
    let cr: OpaquePointer
    static let fontFamily = "DejaVu Sans"

    init(_ cr: OpaquePointer) {
        self.cr = cr
        // Metrics that do not depend on the device scale: layout is identical at 1x and 2x.
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_set_font_options(cr, options)
        cairo_font_options_destroy(options)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
    }

    func setColor(_ c: Color, alpha: Double = 1) {
        if alpha >= 1 { cairo_set_source_rgb(cr, c.r, c.g, c.b) }
        else { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha) }
    }

    /// Fills a rectangle.
    public func fillRect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ c: Color, alpha: Double = 1) {
        cairo_rectangle(cr, x, y, w, h)
        setColor(c, alpha: alpha)
        cairo_fill(cr)
    }

    /// Strokes a rectangle outline.
    public func strokeRect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ c: Color, width: Double = 1) {
        cairo_rectangle(cr, x, y, w, h)
        setColor(c)
        cairo_set_line_width(cr, width)
        cairo_stroke(cr)
    }

    /// A straight line segment.
    public func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double,
                     _ c: Color, width: Double = 1, dash: [Double] = []) {
        cairo_move_to(cr, x0, y0)
        cairo_line_to(cr, x1, y1)
        stroke(c, width: width, dash: dash)
    }

    /// A connected line through `points`.
    public func polyline(_ points: [(Double, Double)], _ c: Color, width: Double = 2, dash: [Double] = []) {
        guard let first = points.first else { return }
        cairo_move_to(cr, first.0, first.1)
        for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
        stroke(c, width: width, dash: dash)
    }

    func stroke(_ c: Color, width: Double, dash: [Double]) {
        setColor(c)
        cairo_set_line_width(cr, width)
        cairo_set_dash(cr, dash, Int32(dash.count), 0)
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    /// A marker of the given shape index (circle, square, triangle, diamond) centred at x, y.
    public func marker(_ shape: Int, _ x: Double, _ y: Double, radius r: Double, _ c: Color, alpha: Double = 1) {
        switch shape % 4 {
        case 0: cairo_arc(cr, x, y, r, 0, 2 * Double.pi)
        case 1: cairo_rectangle(cr, x - r * 0.88, y - r * 0.88, r * 1.76, r * 1.76)
        case 2:
            cairo_move_to(cr, x, y - r * 1.15); cairo_line_to(cr, x + r * 1.05, y + r * 0.75)
            cairo_line_to(cr, x - r * 1.05, y + r * 0.75); cairo_close_path(cr)
        default:
            cairo_move_to(cr, x, y - r * 1.2); cairo_line_to(cr, x + r * 1.2, y)
            cairo_line_to(cr, x, y + r * 1.2); cairo_line_to(cr, x - r * 1.2, y); cairo_close_path(cr)
        }
        setColor(c, alpha: alpha)
        cairo_fill(cr)
    }

    func font(_ size: Double, bold: Bool) {
        cairo_select_font_face(cr, Canvas.fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    /// Width of `s` in pixels at the given size.
    public func textWidth(_ s: String, size: Double = 12, bold: Bool = false) -> Double {
        font(size, bold: bold)
        var e = cairo_text_extents_t()
        cairo_text_extents(cr, s, &e)
        return e.x_advance
    }

    /// Draws `s` anchored at x, y; `angle` in degrees (counter-clockwise, e.g. 90 for a y label).
    public func text(_ s: String, _ x: Double, _ y: Double, size: Double = 12, color: Color = .text,
                     bold: Bool = false, h: HAlign = .left, v: VAlign = .baseline, angle: Double = 0) {
        font(size, bold: bold)
        var e = cairo_text_extents_t()
        cairo_text_extents(cr, s, &e)
        var fe = cairo_font_extents_t()
        cairo_font_extents(cr, &fe)
        let dx: Double = h == .left ? 0 : h == .center ? -e.x_advance / 2 : -e.x_advance
        let dy: Double
        switch v {
        case .top: dy = fe.ascent * 0.92
        case .middle: dy = fe.ascent * 0.36
        case .baseline: dy = 0
        case .bottom: dy = -fe.descent
        }
        cairo_save(cr)
        cairo_translate(cr, x, y)
        if angle != 0 { cairo_rotate(cr, -angle * Double.pi / 180) }
        cairo_move_to(cr, dx, dy)
        setColor(color)
        cairo_show_text(cr, s)
        cairo_new_path(cr)
        cairo_restore(cr)
    }

    /// Restricts drawing to a rectangle until `unclip()`.
    public func clip(_ x: Double, _ y: Double, _ w: Double, _ h: Double) {
        cairo_save(cr)
        cairo_rectangle(cr, x, y, w, h)
        cairo_clip(cr)
    }

    public func unclip() { cairo_restore(cr) }

    /// A canvas on a 1x1 surface, for measuring text (layout without drawing).
    static func measuring(scale: Double = 2) -> (Canvas, () -> Void) {
        let s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1)!
        let cr = cairo_create(s)!
        cairo_scale(cr, scale, scale)
        return (Canvas(cr), { cairo_destroy(cr); cairo_surface_destroy(s) })
    }
}

/// Something that draws itself on a canvas of a given size (in CSS pixels).
public protocol Chart {
    func draw(on canvas: Canvas, width: Double, height: Double)
}

/// Collects bytes from cairo's stream writers.
private final class ByteSink { var bytes: [UInt8] = [] }

private let sinkWriter: cairo_write_func_t = { closure, data, length in
    let sink = Unmanaged<ByteSink>.fromOpaque(closure!).takeUnretainedValue()
    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    return CAIRO_STATUS_SUCCESS
}

extension Chart {
    /// Writes `path.png` (at `scale`x, displayed at width x height) and `path.svg`.
    public func render(to path: String, width: Int = 640, height: Int = 400, scale: Double = 2) throws {
        try writeBytes(pngData(width: width, height: height, scale: scale), to: path + ".png")
        try writeBytes(svgData(width: width, height: height), to: path + ".svg")
    }

    /// The chart as PNG bytes, `scale` device pixels per CSS pixel.
    public func pngData(width: Int = 640, height: Int = 400, scale: Double = 2) throws -> [UInt8] {
        let surface = drawOnImage(width: width, height: height, scale: scale)
        defer { cairo_surface_destroy(surface) }
        let sink = ByteSink()
        let status = cairo_surface_write_to_png_stream(surface, sinkWriter, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else { throw NotebookError.cairo(String(cString: cairo_status_to_string(status))) }
        return sink.bytes
    }

    /// The chart as an SVG document (glyphs embedded as outlines: no font needed to view it).
    public func svgData(width: Int = 640, height: Int = 400) throws -> [UInt8] {
        let sink = ByteSink()
        let surface = cairo_svg_surface_create_for_stream(sinkWriter, Unmanaged.passUnretained(sink).toOpaque(),
                                                          Double(width), Double(height))!
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        let cr = cairo_create(surface)!
        draw(on: Canvas(cr), width: Double(width), height: Double(height))
        let status = cairo_status(cr)
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        cairo_surface_destroy(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw NotebookError.cairo(String(cString: cairo_status_to_string(status))) }
        return sink.bytes
    }

    /// The chart's pixels (for tests and thumbnails).
    public func raster(width: Int = 640, height: Int = 400, scale: Double = 2) -> Raster {
        let surface = drawOnImage(width: width, height: height, scale: scale)
        defer { cairo_surface_destroy(surface) }
        return Raster(surface: surface)
    }

    func drawOnImage(width: Int, height: Int, scale: Double) -> OpaquePointer {
        let w = Int32((Double(width) * scale).rounded()), h = Int32((Double(height) * scale).rounded())
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h)!
        let cr = cairo_create(surface)!
        cairo_scale(cr, scale, scale)
        draw(on: Canvas(cr), width: Double(width), height: Double(height))
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        return surface
    }
}

/// Writes bytes to a file, creating its folder.
/// Every file the notebook writes (pages, figures, metrics) goes through here, atomically: a reader,
/// the embedded server or chapter 9 reading metrics.json never sees a half-written file.
func writeBytes(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    do { try Data(bytes).write(to: url, options: .atomic) } catch { throw NotebookError.io("cannot write \(path): \(error)") }
}

/// 32-bit pixels read back from a cairo surface or a PNG file.
public struct Raster {
    public let width: Int, height: Int
    /// Row-major 0xAARRGGBB (premultiplied alpha, as cairo stores it).
    public let pixels: [UInt32]

    init(surface: OpaquePointer) {
        cairo_surface_flush(surface)
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let opaque = cairo_image_surface_get_format(surface) == CAIRO_FORMAT_RGB24
        var px = [UInt32](repeating: 0, count: width * height)
        if let base = cairo_image_surface_get_data(surface) {
            for y in 0..<height {
                let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<width { px[y * width + x] = opaque ? row[x] | 0xFF00_0000 : row[x] }
            }
        }
        pixels = px
    }

    /// Reads a PNG file (written by cairo or libgd); nil if it cannot be read.
    public init?(pngFile path: String) {
        guard let s = cairo_image_surface_create_from_png(path) else { return nil }
        defer { cairo_surface_destroy(s) }
        guard cairo_surface_status(s) == CAIRO_STATUS_SUCCESS else { return nil }
        self.init(surface: s)
    }

    /// (red, green, blue, alpha) at x, y.
    public func rgba(_ x: Int, _ y: Int) -> (r: Int, g: Int, b: Int, a: Int) {
        let p = pixels[y * width + x]
        return (Int((p >> 16) & 0xFF), Int((p >> 8) & 0xFF), Int(p & 0xFF), Int(p >> 24))
    }

    /// Largest per-channel difference between the pixel at x, y and `c` (0...255).
    public func distance(_ x: Int, _ y: Int, to c: Color) -> Int {
        let p = rgba(x, y)
        return max(abs(p.r - Int(c.r * 255)), abs(p.g - Int(c.g * 255)), abs(p.b - Int(c.b * 255)))
    }
}
