import Foundation

/// Histograms of one or more samples over shared bins (overlaid, semi-transparent).
///
///     Histogram(title: "Posterior σ", xLabel: "σ", samples: [("train", sigmas)], bins: 40)
public struct Histogram: Chart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var samples: [(name: String, values: [Double])]
    public var bins: Int
    /// Fixed bin range; nil: the data's min...max.
    public var range: ClosedRange<Double>?
    /// Show fractions instead of counts.
    public var normalized: Bool

    public init(title: String = "", xLabel: String = "", yLabel: String = "count",
                samples: [(name: String, values: [Double])], bins: Int = 30,
                range: ClosedRange<Double>? = nil, normalized: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.samples = samples
        self.bins = max(1, bins); self.range = range; self.normalized = normalized
    }

    /// Bin edges and, per sample, the count (or fraction) in each bin.
    public func counts() -> (edges: [Double], heights: [[Double]]) {
        let all = samples.flatMap { $0.values }.filter(\.isFinite)
        var lo = range?.lowerBound ?? all.min() ?? 0, hi = range?.upperBound ?? all.max() ?? 1
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        let w = (hi - lo) / Double(bins)
        let edges = (0...bins).map { lo + Double($0) * w }
        let heights = samples.map { s -> [Double] in
            var h = [Double](repeating: 0, count: bins)
            var n = 0.0
            for v in s.values where v.isFinite && v >= lo && v <= hi {
                h[min(bins - 1, Int((v - lo) / w))] += 1; n += 1
            }
            return normalized && n > 0 ? h.map { $0 / n } : h
        }
        return (edges, heights)
    }

    public func draw(on c: Canvas, width: Double, height: Double) {
        let (edges, heights) = counts()
        var f = Frame(title: title, xLabel: xLabel, yLabel: yLabel)
        let colors = samples.indices.map { Palette.color($0, of: samples.count) }
        if samples.count > 1 {
            f.legend = samples.indices.map { LegendItem(name: samples[$0].name, color: colors[$0], swatch: .box) }
        }
        let top = heights.flatMap { $0 }.max() ?? 1
        let a = f.layout(c, width: width, height: height,
                         x: Scale.linear(edges.first!, edges.last!, nice: false),
                         y: Scale.linear(0, max(top, 1e-12)))
        f.drawBack(c, a, width: width, height: height)
        let alpha = samples.count > 1 ? 0.55 : 0.9
        for (s, h) in heights.enumerated() {
            var outline: [(Double, Double)] = [(a.x.map(edges[0]), a.y.map(0))]
            for (i, v) in h.enumerated() {
                let x0 = a.x.map(edges[i]), x1 = a.x.map(edges[i + 1]), y = a.y.map(v)
                if v > 0 { c.fillRect(x0, y, x1 - x0, a.y.map(0) - y, colors[s], alpha: alpha) }
                outline += [(x0, y), (x1, y)]
            }
            outline.append((a.x.map(edges[bins]), a.y.map(0)))
            if samples.count > 1 { c.polyline(outline, colors[s], width: 1.2) }
        }
        f.drawFront(c, a, width: width, height: height)
    }
}
