/// One named, coloured group of points (e.g. one digit class).
public struct ScatterGroup {
    public var name: String
    public var points: [(Double, Double)]
    public var color: Color?

    public init(name: String, points: [(Double, Double)], color: Color? = nil) {
        self.name = name; self.points = points; self.color = color
    }
}

/// Points coloured by group, with a legend.
///
///     ScatterChart(title: "Latent means", xLabel: "z₁", yLabel: "z₂",
///                  points: means, labels: digits, classNames: (0...9).map(String.init))
public struct ScatterChart: Chart, FramedChart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var groups: [ScatterGroup]
    public var pointRadius: Double = 2.4
    public var alpha: Double = 0.75

    public init(title: String = "", xLabel: String = "", yLabel: String = "", groups: [ScatterGroup]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.groups = groups
    }

    /// Points with an integer class label each; `classNames[k]` names class k.
    public init(title: String = "", xLabel: String = "", yLabel: String = "",
                points: [(Double, Double)], labels: [Int], classNames: [String]) {
        var g = classNames.map { ScatterGroup(name: $0, points: []) }
        for (p, l) in zip(points, labels) where l >= 0 && l < g.count { g[l].points.append(p) }
        self.init(title: title, xLabel: xLabel, yLabel: yLabel, groups: g)
    }

    func color(_ i: Int) -> Color { groups[i].color ?? Palette.color(i, of: max(groups.count, 9)) }

    func scales() -> (Scale, Scale) {
        let pts = groups.flatMap { $0.points }.filter { $0.0.isFinite && $0.1.isFinite }
        return (Scale.linear(pts.map { $0.0 }.min() ?? 0, pts.map { $0.0 }.max() ?? 1),
                Scale.linear(pts.map { $0.1 }.min() ?? 0, pts.map { $0.1 }.max() ?? 1))
    }

    var frame: Frame {
        var f = Frame(title: title, xLabel: xLabel, yLabel: yLabel)
        f.legend = groups.indices.map { LegendItem(name: groups[$0].name, color: color($0), swatch: .box) }
        return f
    }

    public func draw(on c: Canvas, width: Double, height: Double) {
        let (f, a) = beginDrawing(on: c, width: width, height: height)
        // Interleave groups so that no class is always painted on top.
        let longest = groups.map { $0.points.count }.max() ?? 0
        for k in 0..<longest {
            for (i, g) in groups.enumerated() where k < g.points.count {
                let p = a.point(g.points[k].0, g.points[k].1)
                if p.x.isFinite && p.y.isFinite { c.marker(0, p.x, p.y, radius: pointRadius, color(i), alpha: alpha) }
            }
        }
        f.drawFront(c, a, width: width, height: height)
    }
}
