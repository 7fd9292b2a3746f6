/// One named set of bar heights, a value per category.
public struct BarSeries {
    public var name: String
    public var values: [Double]
    public var color: Color?

    public init(name: String, values: [Double], color: Color? = nil) {
        self.name = name; self.values = values; self.color = color
    }
}

/// Grouped bars (series side by side) or stacked bars (series on top of each other),
/// one group per category.
///
///     BarChart(title: "Where the bits go", yLabel: "bits per image",
///              categories: ["factorized", "pixelcnn_l3"],
///              series: [BarSeries(name: "bits in z", values: [30, 4]),
///                       BarSeries(name: "bits paid by decoder", values: [70, 80])],
///              stacked: true)
public struct BarChart: Chart, FramedChart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var categories: [String]
    public var series: [BarSeries]
    public var stacked: Bool
    /// Prints each bar's value (stacked: the total) above it.
    public var showValues: Bool
    public var valueDigits: Int
    /// The value axis reaches at least this high: charts meant to be compared (e.g. the frames of a
    /// slider) set the same value so their bars share one scale.
    public var yMax: Double?

    public init(title: String = "", xLabel: String = "", yLabel: String = "", categories: [String],
                series: [BarSeries], stacked: Bool = false, showValues: Bool = false, valueDigits: Int = 1) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.categories = categories
        self.series = series; self.stacked = stacked; self.showValues = showValues; self.valueDigits = valueDigits
    }

    func color(_ i: Int) -> Color { series[i].color ?? Palette.color(i, of: series.count) }
    func value(_ s: Int, _ c: Int) -> Double {
        c < series[s].values.count && series[s].values[c].isFinite ? series[s].values[c] : 0
    }

    var frame: Frame {
        var f = Frame(title: title, xLabel: xLabel, yLabel: yLabel, xGrid: false)
        if series.count > 1 {
            f.legend = series.indices.map { LegendItem(name: series[$0].name, color: color($0), swatch: .box) }
        }
        return f
    }

    func scales() -> (Scale, Scale) {
        var lo = 0.0, hi = 0.0
        for c in categories.indices {
            if stacked {
                hi = max(hi, series.indices.map { max(0, value($0, c)) }.reduce(0, +))
                lo = min(lo, series.indices.map { min(0, value($0, c)) }.reduce(0, +))
            } else {
                for s in series.indices { hi = max(hi, value(s, c)); lo = min(lo, value(s, c)) }
            }
        }
        if showValues { hi += (hi - lo) * 0.08 }
        if let yMax { hi = max(hi, yMax) }
        return (Scale.categorical(categories), Scale.linear(lo, hi, includeZero: true))
    }

    /// The plot area and scales this chart uses at the given size.
    public func layout(width: Double = 640, height: Double = 400) -> Axes {
        measuredAxes(width: width, height: height)
    }

    public func draw(on c: Canvas, width: Double, height: Double) {
        let (f, a) = beginDrawing(on: c, width: width, height: height)
        let band = a.x.pixelsPerUnit
        let groupWidth = band * 0.72
        let zero = a.y.map(0)
        for ci in categories.indices {
            let cx = a.x.map(Double(ci))
            if stacked {
                var up = 0.0, down = 0.0
                for s in series.indices {
                    let v = value(s, ci)
                    let base = v >= 0 ? up : down
                    let y0 = a.y.map(base), y1 = a.y.map(base + v)
                    c.fillRect(cx - groupWidth / 2, min(y0, y1), groupWidth, abs(y1 - y0), color(s))
                    if v >= 0 { up += v } else { down += v }
                }
                if showValues {
                    c.text(Format.number(up + down, digits: valueDigits), cx, a.y.map(up) - 4,
                           size: 11, color: .mutedText, h: .center, v: .bottom)
                }
            } else {
                let w = groupWidth / Double(max(1, series.count))
                for s in series.indices {
                    // a missing value (NaN, or past the end of the series) draws no bar and no label
                    guard ci < series[s].values.count, series[s].values[ci].isFinite else { continue }
                    let v = value(s, ci)
                    let x0 = cx - groupWidth / 2 + Double(s) * w
                    let y1 = a.y.map(v)
                    c.fillRect(x0 + 0.5, min(zero, y1), w - 1, abs(y1 - zero), color(s))
                    if showValues {
                        c.text(Format.number(v, digits: valueDigits), x0 + w / 2, min(zero, y1) - 3,
                               size: 10.5, color: .mutedText, h: .center, v: .bottom)
                    }
                }
            }
        }
        f.drawFront(c, a, width: width, height: height)
    }
}
