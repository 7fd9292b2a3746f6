// The true receptive field of a PixelCNN decoder: which earlier pixels can reach one pixel's
// logit, computed from the masked taps of the config (not from the "k/2 per layer" rule).
//
// A type-A layer lets pixel (0, 0) read the taps of its mask; every type-B layer (with the
// residual path, which keeps what a pixel already saw) adds the offsets of its own taps. A stack
// of plain masked convolutions grows upwards and leftwards, and to the right only along the
// diagonal: the taps above-right of a pixel never chain into the region right of that
// diagonal, the PixelCNN's "blind spot" (van den Oord et al. 2016, Conditional PixelCNN).
// A test checks the set against the gradient of a real decoder's logit.

public struct ReceptiveField: Sendable {
    /// Offsets (dy, dx) relative to the pixel, dy <= 0, that reach its logit.
    public let offsets: Set<Offset>
    public struct Offset: Hashable, Sendable {
        public let dy: Int, dx: Int
        public init(dy: Int, dx: Int) { self.dy = dy; self.dx = dx }
    }

    public init(_ p: PixelCNNConfig) {
        func taps(_ type: MaskType, _ k: Int) -> [Offset] {
            ConvGeometry.masked(type, kernel: k).taps.map { Offset(dy: $0.ky - k / 2, dx: $0.kx - k / 2) }
        }
        var seen = Set(taps(.a, p.firstKernel))
        let b = taps(.b, p.kernel)
        for _ in 1..<max(p.layers, 1) {
            var next = seen
            for s in seen { for t in b { next.insert(Offset(dy: s.dy + t.dy, dx: s.dx + t.dx)) } }
            seen = next
        }
        offsets = seen
    }

    /// Rows above the pixel that reach it.
    public var rowsAbove: Int { -(offsets.map(\.dy).min() ?? 0) }
    /// Columns to the left reached in the pixel's own row.
    public var columnsLeftInRow: Int { -(offsets.filter { $0.dy == 0 }.map(\.dx).min() ?? 0) }
    public var count: Int { offsets.count }
    /// Pixels of a `width`-wide image that reach the logit of pixel (row, column): the offsets
    /// that land inside the image (near an edge part of the field falls off it).
    public func count(row: Int, column: Int, width: Int = 28) -> Int {
        offsets.filter { row + $0.dy >= 0 && column + $0.dx >= 0 && column + $0.dx < width }.count
    }
    /// Columns left and right reached `rowsUp` rows above the pixel (nil if that row is not reached).
    public func extent(rowsUp: Int) -> (left: Int, right: Int)? {
        let row = offsets.filter { $0.dy == -rowsUp }.map(\.dx)
        guard let lo = row.min(), let hi = row.max() else { return nil }
        return (-lo, hi)
    }
    /// Pixels of the (rowsAbove+1) x (2*rowsAbove+1) window that precede the pixel in raster
    /// order but do not reach it: the blind spot (and, for the type-A first layer, nothing else).
    public var blindSpot: Int {
        let r = rowsAbove
        var n = 0
        for dy in -r...0 {
            for dx in -r...r where (dy < 0 || dx < 0) && !offsets.contains(Offset(dy: dy, dx: dx)) { n += 1 }
        }
        return n
    }
    /// Earlier pixels of that window (everything before the pixel in raster order).
    public var windowEarlierPixels: Int { let r = rowsAbove; return r * (2 * r + 1) + r }

    /// The window as a grid, rows top to bottom (dy = -rowsAbove ... 0), columns dx = -rowsAbove ... rowsAbove:
    /// 1 seen, 0.5 the pixel itself, 0.25 earlier but blind, 0 later (not yet generated).
    public var grid: [[Double]] {
        let r = rowsAbove
        return (-r...0).map { dy in
            (-r...r).map { dx in
                if dy == 0 && dx == 0 { return 0.5 }
                if offsets.contains(Offset(dy: dy, dx: dx)) { return 1 }
                return (dy < 0 || dx < 0) ? 0.25 : 0
            }
        }
    }
}
