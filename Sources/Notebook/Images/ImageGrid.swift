import CGD
import Foundation

/// Rows of small greyscale images (e.g. 28x28 digits) drawn as one crisp PNG,
/// with optional row labels (left), column labels (top) and a highlighted first column.
///
///     let grid = ImageGrid(rows: [[original] + samples], rowLabels: ["digit 3"],
///                          columnLabels: ["original", "1", "2", "3"], highlightFirstColumn: true)
///     try grid.writePNG(to: dir + "/decompress.png")
public struct ImageGrid {
    /// rows[r][c] is image (r, c): imageWidth * imageHeight values in 0...1, row-major, 1 = ink.
    public var rows: [[[Float]]]
    public var imageWidth: Int
    public var imageHeight: Int
    public var rowLabels: [String]?
    public var columnLabels: [String]?
    /// CSS pixels per image pixel (nearest neighbour).
    public var zoom: Int
    /// Device pixels per CSS pixel: 2 renders for hi-dpi screens (shown at half size in HTML).
    public var scale: Int
    /// Gap between images, in CSS pixels.
    public var spacing: Int
    /// Frames the first column and sets it apart ("original, then samples").
    public var highlightFirstColumn: Bool
    /// Dark ink on white (default) or light ink on black.
    public var darkInk: Bool
    public var highlightColor = Palette.okabeIto[1]

    public init(rows: [[[Float]]], imageWidth: Int = 28, imageHeight: Int = 28,
                rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                zoom: Int = 2, scale: Int = 2, spacing: Int = 2,
                highlightFirstColumn: Bool = false, darkInk: Bool = true) {
        self.rows = rows; self.imageWidth = imageWidth; self.imageHeight = imageHeight
        self.rowLabels = rowLabels; self.columnLabels = columnLabels; self.zoom = max(1, zoom)
        self.scale = max(1, scale); self.spacing = max(0, spacing)
        self.highlightFirstColumn = highlightFirstColumn; self.darkInk = darkInk
    }

    /// A grid of `columns` images per row from a flat list of images.
    public init(images: [[Float]], columns: Int, imageWidth: Int = 28, imageHeight: Int = 28, zoom: Int = 2) {
        let c = max(1, columns)
        let rows = stride(from: 0, to: images.count, by: c).map { Array(images[$0..<min($0 + c, images.count)]) }
        self.init(rows: rows, imageWidth: imageWidth, imageHeight: imageHeight, zoom: zoom)
    }

    var columns: Int { rows.map(\.count).max() ?? 0 }
    var fontPoints: Double { 9.5 * Double(scale) }
    var cellW: Int { imageWidth * zoom * scale }
    var cellH: Int { imageHeight * zoom * scale }
    var gap: Int { spacing * scale }
    var border: Int { 4 * scale }
    var highlightGap: Int { highlightFirstColumn ? 6 * scale : 0 }

    var leftWidth: Int {
        guard let labels = rowLabels, !labels.isEmpty else { return 0 }
        return (labels.map { GDText.size($0, points: fontPoints).width }.max() ?? 0) + 8 * scale
    }

    var topHeight: Int {
        guard let labels = columnLabels, !labels.isEmpty else { return 0 }
        return (labels.map { GDText.size($0, points: fontPoints).ascent }.max() ?? 0) + 7 * scale
    }

    /// The PNG's size in device pixels.
    public var pixelSize: (width: Int, height: Int) {
        let c = columns, r = rows.count
        return (2 * border + leftWidth + c * cellW + max(0, c - 1) * gap + highlightGap,
                2 * border + topHeight + r * cellH + max(0, r - 1) * gap)
    }

    /// The size at which HTML shows the image (CSS pixels).
    public var displaySize: (width: Int, height: Int) {
        let p = pixelSize
        return (p.width / scale, p.height / scale)
    }

    /// Top-left device pixel of image (row, column).
    public func cellOrigin(row: Int, column: Int) -> (x: Int, y: Int) {
        (border + leftWidth + column * (cellW + gap) + (column > 0 ? highlightGap : 0),
         border + topHeight + row * (cellH + gap))
    }

    /// Renders into a new gd image; the caller destroys it.
    func makeImage() -> gdImagePtr {
        let size = pixelSize
        let im = gdImageCreateTrueColor(Int32(max(1, size.width)), Int32(max(1, size.height)))!
        gdImageFilledRectangle(im, 0, 0, Int32(size.width - 1), Int32(size.height - 1), gdColor(.white))
        let z = zoom * scale
        for (r, row) in rows.enumerated() {
            for (c, pixels) in row.enumerated() {
                let o = cellOrigin(row: r, column: c)
                if highlightFirstColumn && c == 0 {
                    let b = 2 * scale
                    gdImageFilledRectangle(im, Int32(o.x - b), Int32(o.y - b),
                                           Int32(o.x + cellW + b - 1), Int32(o.y + cellH + b - 1), gdColor(highlightColor))
                }
                for y in 0..<imageHeight {
                    for x in 0..<imageWidth {
                        let i = y * imageWidth + x
                        let v = i < pixels.count && pixels[i].isFinite ? max(0, min(1, pixels[i])) : 0
                        let g = Int32(((darkInk ? 1 - v : v) * 255).rounded())
                        gdImageFilledRectangle(im, Int32(o.x + x * z), Int32(o.y + y * z),
                                               Int32(o.x + x * z + z - 1), Int32(o.y + y * z + z - 1),
                                               (g << 16) | (g << 8) | g)
                    }
                }
            }
        }
        let ink = gdColor(Color(hex: 0x333333))
        if let labels = rowLabels {
            for (r, s) in labels.enumerated() where r < rows.count {
                let o = cellOrigin(row: r, column: 0)
                let t = GDText.size(s, points: fontPoints)
                GDText.draw(im, s, x: border + leftWidth - 8 * scale - t.width,
                            y: o.y + cellH / 2 + t.ascent / 2, points: fontPoints, color: ink)
            }
        }
        if let labels = columnLabels {
            for (c, s) in labels.enumerated() where c < columns {
                let o = cellOrigin(row: 0, column: c)
                let t = GDText.size(s, points: fontPoints)
                GDText.draw(im, s, x: o.x + (cellW - t.width) / 2, y: border + topHeight - 6 * scale,
                            points: fontPoints, color: ink)
            }
        }
        return im
    }

    /// The grid as PNG bytes.
    public func pngData() throws -> [UInt8] {
        let im = makeImage()
        defer { gdImageDestroy(im) }
        return try gdPNG(im)
    }

    /// Writes the grid as a PNG file (give the full path, with ".png").
    public func writePNG(to path: String) throws {
        try writeBytes(pngData(), to: path)
    }
}

/// An animated GIF of a sequence of grids of the same layout (e.g. samples over epochs).
public enum AnimatedGIF {
    /// The frames as GIF bytes; `delay` in hundredths of a second, `loops` 0 = forever.
    public static func data(frames: [ImageGrid], delay: Int = 50, loops: Int = 0) throws -> [UInt8] {
        guard let first = frames.first else { throw NotebookError.gd("an animated GIF needs at least one frame") }
        var out: [UInt8] = []
        func take(_ p: UnsafeMutableRawPointer?, _ size: Int32) throws {
            guard let p else { throw NotebookError.gd("GIF encoding failed") }
            out += UnsafeRawBufferPointer(start: p, count: Int(size))
            gdFree(p)
        }
        let size = first.pixelSize
        var n: Int32 = 0
        var palettes: [gdImagePtr] = []
        defer { palettes.forEach { gdImageDestroy($0) } }
        for grid in frames {
            let tc = grid.makeImage()
            // Every frame gets the first frame's size, padded or cropped.
            let sized = gdImageCreateTrueColor(Int32(size.width), Int32(size.height))!
            gdImageFilledRectangle(sized, 0, 0, Int32(size.width - 1), Int32(size.height - 1), gdColor(.white))
            gdImageCopy(sized, tc, 0, 0, 0, 0, min(tc.pointee.sx, sized.pointee.sx), min(tc.pointee.sy, sized.pointee.sy))
            gdImageDestroy(tc)
            let pal = gdImageCreatePaletteFromTrueColor(sized, 0, 256)!
            gdImageDestroy(sized)
            palettes.append(pal)
        }
        try take(gdImageGifAnimBeginPtr(palettes[0], &n, 0, Int32(loops)), n)
        for pal in palettes {
            try take(gdImageGifAnimAddPtr(pal, &n, 1, 0, 0, Int32(delay), 1, nil), n)
        }
        try take(gdImageGifAnimEndPtr(&n), n)
        return out
    }

    /// Writes an animated GIF (give the full path, with ".gif").
    public static func write(frames: [ImageGrid], to path: String, delay: Int = 50, loops: Int = 0) throws {
        try writeBytes(data(frames: frames, delay: delay, loops: loops), to: path)
    }
}
