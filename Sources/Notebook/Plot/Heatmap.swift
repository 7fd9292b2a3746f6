import Foundation

/// A matrix of values as coloured cells (viridis) with a colour bar,
/// e.g. KL per latent dimension (rows) over epochs (columns).
///
///     Heatmap(title: "KL per latent dimension", xLabel: "epoch", yLabel: "dimension",
///             values: klPerDim, colorLabel: "nats")
public struct Heatmap: Chart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// values[row][column].
    public var values: [[Double]]
    /// Row names (default 1, 2, ...); long lists are thinned to fit.
    public var rowLabels: [String]?
    /// Column names (default 1, 2, ...).
    public var columnLabels: [String]?
    public var colorLabel: String
    /// Fixed colour range; nil: the data's min...max.
    public var range: ClosedRange<Double>?

    public init(title: String = "", xLabel: String = "", yLabel: String = "", values: [[Double]],
                rowLabels: [String]? = nil, columnLabels: [String]? = nil, colorLabel: String = "",
                range: ClosedRange<Double>? = nil) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.values = values
        self.rowLabels = rowLabels; self.columnLabels = columnLabels; self.colorLabel = colorLabel
        self.range = range
    }

    var rows: Int { values.count }
    var columns: Int { values.map(\.count).max() ?? 0 }

    /// At most about `maxCount` of `names` as ticks: every k-th with k in 1, 2, 5, 10, 20, ...
    /// Numbered names (1, 2, 3, ...) keep the first and the multiples of k (1, 5, 10, 15).
    static func thinned(_ names: [String], maxCount: Int) -> Scale {
        var s = Scale.categorical(names)
        let rough = Double(names.count) / Double(maxCount)
        let k = rough <= 1 ? 1 : Int(Ticks.niceStep(rough) < rough ? Ticks.niceStep(rough * 2) : Ticks.niceStep(rough))
        if k > 1 {
            let numbered = names.enumerated().allSatisfy { $0.element == String($0.offset + 1) }
            let keep = names.indices.filter { numbered ? ($0 == 0 || ($0 + 1) % k == 0) : $0 % k == 0 }
            s.ticks = keep.map(Double.init); s.labels = keep.map { names[$0] }
        }
        return s
    }

    func valueRange() -> (Double, Double) {
        if let r = range { return (r.lowerBound, r.upperBound) }
        let all = values.flatMap { $0 }.filter(\.isFinite)
        let lo = all.min() ?? 0, hi = all.max() ?? 1
        return hi > lo ? (lo, hi) : (lo, lo + 1)
    }

    public func draw(on c: Canvas, width: Double, height: Double) {
        var f = Frame(title: title, xLabel: xLabel, yLabel: yLabel, xGrid: false, yGrid: false)
        let (lo, hi) = valueRange()
        let barTicks = Ticks.linear(lo, hi, count: 4)
        let step = Ticks.step(lo, hi, count: 4)
        let barLabels = barTicks.map { Ticks.label($0, step: step) }
        let barLabelW = barLabels.map { c.textWidth($0, size: Frame.tickSize) }.max() ?? 0
        f.rightExtra = 14 + 14 + 6 + barLabelW + (colorLabel.isEmpty ? 0 : 20)
        let xs = Heatmap.thinned(columnLabels ?? (0..<columns).map { String($0 + 1) }, maxCount: 12)
        var ys = Heatmap.thinned(rowLabels ?? (0..<rows).map { String($0 + 1) }, maxCount: 16)
        // Row 0 at the top.
        ys.ticks = ys.ticks.map { Double(rows - 1) - $0 }
        let a = f.layout(c, width: width, height: height, x: xs, y: ys)
        f.drawBack(c, a, width: width, height: height)
        let cw = a.plot.width / Double(max(1, columns)), ch = a.plot.height / Double(max(1, rows))
        for (r, row) in values.enumerated() {
            for (col, v) in row.enumerated() {
                let color = v.isFinite ? Palette.viridis((v - lo) / (hi - lo)) : Color(hex: 0xDDDDDD)
                // A hair of overlap hides seams between anti-aliased cells.
                c.fillRect(a.plot.x + Double(col) * cw, a.plot.y + Double(r) * ch, cw + 0.4, ch + 0.4, color)
            }
        }
        f.drawFront(c, a, width: width, height: height)
        // Colour bar.
        let bx = a.plot.maxX + 14, bw = 14.0
        let n = 64
        for i in 0..<n {
            let t0 = Double(i) / Double(n)
            let y = a.plot.maxY - (t0 + 1 / Double(n)) * a.plot.height
            c.fillRect(bx, y, bw, a.plot.height / Double(n) + 0.4, Palette.viridis(t0 + 0.5 / Double(n)))
        }
        for (v, s) in zip(barTicks, barLabels) {
            let y = a.plot.maxY - (v - lo) / (hi - lo) * a.plot.height
            c.line(bx + bw, y, bx + bw + 3, y, .axis)
            c.text(s, bx + bw + 6, y, size: Frame.tickSize, color: .mutedText, v: .middle)
        }
        if !colorLabel.isEmpty {
            c.text(colorLabel, width - Frame.pad, a.plot.y + a.plot.height / 2, size: Frame.labelSize,
                   h: .center, v: .bottom, angle: 90)
        }
    }
}
