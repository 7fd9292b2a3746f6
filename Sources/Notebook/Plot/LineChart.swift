/// One named line of (x, y) points.
public struct Series {
    public var name: String
    public var points: [(Double, Double)]
    /// nil: the palette colour for the series' position.
    public var color: Color?
    public var dashed: Bool

    public init(name: String, points: [(Double, Double)], color: Color? = nil, dashed: Bool = false) {
        self.name = name; self.points = points; self.color = color; self.dashed = dashed
    }

    /// A series over x = 1, 2, 3, ... (e.g. one value per epoch).
    public init(name: String, values: [Double], color: Color? = nil, dashed: Bool = false) {
        self.init(name: name, points: values.enumerated().map { (Double($0.offset + 1), $0.element) },
                  color: color, dashed: dashed)
    }
}

/// A line chart of several series with a legend, optional log y axis and markers.
///
///     LineChart(title: "Test ELBO", xLabel: "epoch", yLabel: "nats",
///               series: [Series(name: "factorized", values: elbo)]).render(to: dir + "/elbo")
public struct LineChart: Chart, FramedChart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var logY: Bool
    /// Draws a marker (a different shape per series) at every point.
    public var markers: Bool
    /// Fixed axis ranges; nil: fitted to the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var lineWidth: Double = 2

    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [Series],
                logY: Bool = false, markers: Bool = false,
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.logY = logY; self.markers = markers; self.xRange = xRange; self.yRange = yRange
    }

    func color(_ i: Int) -> Color { series[i].color ?? Palette.color(i, of: series.count) }

    /// Points that can be drawn (finite, and positive y on a log axis).
    func visible(_ s: Series) -> [(Double, Double)] {
        s.points.filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }
    }

    var frame: Frame {
        var f = Frame(title: title, xLabel: xLabel, yLabel: yLabel)
        if series.count > 1 || !(series.first?.name.isEmpty ?? true) {
            f.legend = series.indices.map {
                LegendItem(name: series[$0].name, color: color($0),
                           swatch: .line(dashed: series[$0].dashed, marker: markers ? $0 : nil))
            }
        }
        return f
    }

    func scales() -> (Scale, Scale) {
        let pts = series.flatMap(visible)
        let xs = pts.map { $0.0 }, ys = pts.map { $0.1 }
        let x = xRange.map { Scale.linear($0.lowerBound, $0.upperBound, nice: false) }
            ?? Scale.linear(xs.min() ?? 0, xs.max() ?? 1)
        let y: Scale
        if logY { y = Scale.logarithmic(yRange?.lowerBound ?? ys.min() ?? 1, yRange?.upperBound ?? ys.max() ?? 10) }
        else { y = yRange.map { Scale.linear($0.lowerBound, $0.upperBound, nice: false) }
                ?? Scale.linear(ys.min() ?? 0, ys.max() ?? 1) }
        return (x, y)
    }

    /// The plot area and scales this chart uses at the given size (for tests and overlays).
    public func layout(width: Double = 640, height: Double = 400) -> Axes {
        measuredAxes(width: width, height: height)
    }

    public func draw(on c: Canvas, width: Double, height: Double) {
        let (f, a) = beginDrawing(on: c, width: width, height: height)
        c.clip(a.plot.x - 4, a.plot.y - 4, a.plot.width + 8, a.plot.height + 8)
        for (i, s) in series.enumerated() {
            let pts = visible(s).map { a.point($0.0, $0.1) }
            c.polyline(pts.map { ($0.x, $0.y) }, color(i), width: lineWidth, dash: s.dashed ? [6, 4] : [])
            if markers || pts.count == 1 {
                for p in pts { c.marker(i, p.x, p.y, radius: 3.2, color(i)) }
            }
        }
        c.unclip()
        f.drawFront(c, a, width: width, height: height)
    }
}
