import Foundation

/// Maps data values to pixels along one axis, and carries its ticks and their labels.
public struct Scale {
    public var lo: Double, hi: Double
    public var log: Bool
    /// Pixel positions of `lo` and `hi` (for a y axis pixelLo is the bottom).
    public var pixelLo: Double = 0, pixelHi: Double = 1
    public var ticks: [Double]
    public var labels: [String]
    public var minorTicks: [Double] = []

    /// A linear scale over the data range, widened to nice tick multiples.
    public static func linear(_ dataMin: Double, _ dataMax: Double, includeZero: Bool = false,
                              nice: Bool = true, count: Int = 5) -> Scale {
        var a = dataMin, b = dataMax
        if !a.isFinite || !b.isFinite { (a, b) = (0, 1) }
        if includeZero { a = min(a, 0); b = max(b, 0) }
        if nice { (a, b) = Ticks.niceDomain(a, b, count: count) }
        else if a == b { a -= 0.5; b += 0.5 }
        let t = Ticks.linear(a, b, count: count)
        let step = Ticks.step(a, b, count: count)
        return Scale(lo: a, hi: b, log: false, ticks: t, labels: t.map { Ticks.label($0, step: step) })
    }

    /// A log10 scale; the domain is widened to the nearest 1-2-5 values around the data.
    public static func logarithmic(_ dataMin: Double, _ dataMax: Double) -> Scale {
        var a = dataMin > 0 && dataMin.isFinite ? dataMin : 1
        var b = dataMax > 0 && dataMax.isFinite ? dataMax : 10
        if b <= a { b = a * 10 }
        func down(_ v: Double) -> Double {
            let p = pow(10, floor(log10(v) + 1e-9))
            return [5.0, 2, 1].map { $0 * p }.first { $0 <= v * (1 + 1e-9) } ?? p
        }
        func up(_ v: Double) -> Double {
            let p = pow(10, floor(log10(v) - 1e-9))
            return [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= v * (1 - 1e-9) } ?? 10 * p
        }
        a = down(a); b = up(b)
        let t = Ticks.log(a, b)
        // One style per axis: all powers of ten as 10ⁿ once any tick needs it.
        let scientific = t.contains { $0 < 1e-3 || $0 >= 1e5 }
        let labels = t.map { v -> String in
            let e = log10(v)
            if scientific && abs(e - e.rounded()) < 1e-9 { return Ticks.scientific(v) }
            return Ticks.logLabel(v)
        }
        var s = Scale(lo: a, hi: b, log: true, ticks: t, labels: labels)
        s.minorTicks = Ticks.logMinor(a, b).filter { !t.contains($0) }
        return s
    }

    /// Categories 0..<n centred in equal bands.
    public static func categorical(_ names: [String]) -> Scale {
        Scale(lo: -0.5, hi: Double(names.count) - 0.5, log: false,
              ticks: names.indices.map(Double.init), labels: names)
    }

    /// Pixel position of data value `v`.
    public func map(_ v: Double) -> Double {
        let t: Double
        if log { t = (log10(max(v, 1e-300)) - log10(lo)) / (log10(hi) - log10(lo)) }
        else { t = (v - lo) / (hi - lo) }
        return pixelLo + t * (pixelHi - pixelLo)
    }

    /// Pixels per data unit (linear scales).
    public var pixelsPerUnit: Double { (pixelHi - pixelLo) / (hi - lo) }
}

/// A rectangle in CSS pixels.
public struct Rect: Equatable {
    public var x: Double, y: Double, width: Double, height: Double
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
}

/// One legend entry.
struct LegendItem {
    enum Swatch { case line(dashed: Bool, marker: Int?), box }
    var name: String
    var color: Color
    var swatch: Swatch
}

/// The plot area and both scales of a laid-out chart.
public struct Axes {
    public var plot: Rect
    public var x: Scale
    public var y: Scale

    /// Pixel position (CSS pixels) of a data point.
    public func point(_ dx: Double, _ dy: Double) -> (x: Double, y: Double) { (x.map(dx), y.map(dy)) }
}

/// Title, labels and legend around a plot area: lays it out and draws it.
struct Frame {
    var title: String
    var xLabel: String
    var yLabel: String
    var legend: [LegendItem] = []
    var rightExtra: Double = 0   // room for a colour bar
    var xGrid = true
    var yGrid = true

    static let pad = 12.0, titleSize = 15.0, tickSize = 11.5, labelSize = 12.5, legendSize = 12.0

    /// Rows of legend items that fit in `width`, with their x offsets.
    func legendRows(_ c: Canvas, width: Double) -> [[(LegendItem, Double)]] {
        var rows: [[(LegendItem, Double)]] = [[]]
        var x = 0.0
        for item in legend {
            let w = 26 + c.textWidth(item.name, size: Frame.legendSize) + 18
            if x + w > width && !rows[rows.count - 1].isEmpty { rows.append([]); x = 0 }
            rows[rows.count - 1].append((item, x))
            x += w
        }
        return legend.isEmpty ? [] : rows
    }

    /// Lays out the plot area for a canvas of width x height and sets the scales' pixel ranges.
    func layout(_ c: Canvas, width: Double, height: Double, x: Scale, y: Scale) -> Axes {
        var top = Frame.pad
        if !title.isEmpty { top += 20 }
        top += Double(legendRows(c, width: width - 2 * Frame.pad).count) * 19
        top += 10
        let yTickW = y.labels.map { c.textWidth($0, size: Frame.tickSize) }.max() ?? 0
        let left = (Frame.pad + (yLabel.isEmpty ? 0 : 20) + yTickW + 8).rounded()
        let right = Frame.pad + 6 + rightExtra
        var bottom = Frame.pad + (xLabel.isEmpty ? 0 : 20) + 18
        let rotate = xLabelsRotated(c, x: x, plotWidth: width - left - right)
        if rotate {
            let w = x.labels.map { c.textWidth($0, size: Frame.tickSize) }.max() ?? 0
            bottom += w * 0.5 + 4
        }
        let plot = Rect(x: left, y: top.rounded(), width: (width - left - right).rounded(),
                        height: (height - top - bottom).rounded())
        var xs = x, ys = y
        xs.pixelLo = plot.x; xs.pixelHi = plot.maxX
        ys.pixelLo = plot.maxY; ys.pixelHi = plot.y
        return Axes(plot: plot, x: xs, y: ys)
    }

    /// Whether x tick labels overlap and must be drawn slanted.
    func xLabelsRotated(_ c: Canvas, x: Scale, plotWidth: Double) -> Bool {
        guard x.ticks.count > 1 else { return false }
        let spacing = plotWidth / Double(x.ticks.count)
        return x.labels.contains { c.textWidth($0, size: Frame.tickSize) > spacing - 6 }
    }

    /// White background, title, legend and grid lines (drawn before the data).
    func drawBack(_ c: Canvas, _ a: Axes, width: Double, height: Double) {
        c.fillRect(0, 0, width, height, .white)
        var y = Frame.pad
        if !title.isEmpty {
            c.text(title, Frame.pad, y, size: Frame.titleSize, bold: true, v: .top)
            y += 20
        }
        for row in legendRows(c, width: width - 2 * Frame.pad) {
            for (item, x0) in row {
                let x = Frame.pad + x0, cy = y + 8
                switch item.swatch {
                case .line(let dashed, let marker):
                    c.line(x, cy, x + 20, cy, item.color, width: 2.2, dash: dashed ? [5, 3] : [])
                    if let m = marker { c.marker(m, x + 10, cy, radius: 3.2, item.color) }
                case .box:
                    c.fillRect(x + 4, cy - 6, 12, 12, item.color)
                }
                c.text(item.name, x + 26, cy, size: Frame.legendSize, color: .text, v: .middle)
            }
            y += 19
        }
        let p = a.plot
        for v in a.y.minorTicks { let py = a.y.map(v).rounded(); c.line(p.x, py, p.maxX, py, .minorGrid) }
        if yGrid { for v in a.y.ticks { let py = a.y.map(v).rounded(); c.line(p.x, py, p.maxX, py, .grid) } }
        for v in a.x.minorTicks { let px = a.x.map(v).rounded(); c.line(px, p.y, px, p.maxY, .minorGrid) }
        if xGrid { for v in a.x.ticks { let px = a.x.map(v).rounded(); c.line(px, p.y, px, p.maxY, .grid) } }
    }

    /// Axis line, tick labels and axis labels (drawn after the data).
    func drawFront(_ c: Canvas, _ a: Axes, width: Double, height: Double) {
        let p = a.plot
        c.line(p.x, p.maxY, p.maxX, p.maxY, .axis)
        for (v, s) in zip(a.y.ticks, a.y.labels) {
            c.text(s, p.x - 7, a.y.map(v), size: Frame.tickSize, color: .mutedText, h: .right, v: .middle)
        }
        let rotate = xLabelsRotated(c, x: a.x, plotWidth: p.width)
        for (v, s) in zip(a.x.ticks, a.x.labels) {
            let px = a.x.map(v)
            c.line(px, p.maxY, px, p.maxY + 4, .axis)
            if rotate {
                c.text(s, px + 3, p.maxY + 9, size: Frame.tickSize, color: .mutedText, h: .right, v: .top, angle: 30)
            } else {
                c.text(s, px, p.maxY + 7, size: Frame.tickSize, color: .mutedText, h: .center, v: .top)
            }
        }
        if !xLabel.isEmpty {
            c.text(xLabel, p.x + p.width / 2, height - Frame.pad, size: Frame.labelSize, h: .center, v: .bottom)
        }
        if !yLabel.isEmpty {
            c.text(yLabel, Frame.pad, p.y + p.height / 2, size: Frame.labelSize, h: .center, v: .top, angle: 90)
        }
    }
}

/// A chart drawn inside a `Frame` (title, legend, axes) with an x and a y scale: the bar, line and
/// scatter charts. They share how the plot area is laid out and how drawing starts.
protocol FramedChart {
    var frame: Frame { get }
    func scales() -> (Scale, Scale)
}

extension FramedChart {
    /// The plot area and scales at the given size, measured without drawing.
    func measuredAxes(width: Double, height: Double) -> Axes {
        let (c, done) = Canvas.measuring()
        defer { done() }
        let (x, y) = scales()
        return frame.layout(c, width: width, height: height, x: x, y: y)
    }

    /// Lay out the frame on `c` and draw what goes behind the data; returns the frame and axes.
    func beginDrawing(on c: Canvas, width: Double, height: Double) -> (Frame, Axes) {
        let f = frame
        let (x, y) = scales()
        let a = f.layout(c, width: width, height: height, x: x, y: y)
        f.drawBack(c, a, width: width, height: height)
        return (f, a)
    }
}
