import Foundation
import Testing
@testable import Notebook

func tempDir(_ name: String) -> String {
    let d = NSTemporaryDirectory() + "notebook-tests-\(name)-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

@Suite struct PlotTests {
    let blue = Palette.okabeIto[0]

    @Test func pngIsWrittenAtTwiceTheSizeAndSVGBeside() throws {
        let dir = tempDir("png")
        let chart = LineChart(title: "t", series: [Series(name: "a", values: [1, 2, 3])])
        try chart.render(to: dir + "/chart", width: 300, height: 200)
        let r = try #require(Raster(pngFile: dir + "/chart.png"))
        #expect(r.width == 600 && r.height == 400)
        let svg = try String(contentsOfFile: dir + "/chart.svg", encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("width=\"300"))
        #expect(Array(try chart.pngData(width: 300, height: 200).prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    }

    @Test func lineHitsThePixelsItsDataMapTo() {
        let chart = LineChart(title: "Diagonal", xLabel: "x", yLabel: "y",
                              series: [Series(name: "y = x", points: [(0, 0), (10, 10)], color: blue)])
        let axes = chart.layout(width: 640, height: 400)
        let raster = chart.raster(width: 640, height: 400, scale: 2)
        for t in stride(from: 1.0, through: 9.0, by: 2.0) {
            let p = axes.point(t, t)
            #expect(raster.distance(Int(p.x * 2), Int(p.y * 2), to: blue) < 40, "on the line at x = \(t)")
            let off = axes.point(t, 10 - t + (t == 5 ? 3 : 0))
            #expect(raster.distance(Int(off.x * 2), Int(off.y * 2), to: blue) > 100, "off the line at x = \(t)")
        }
    }

    @Test func logAxisMapsDecadesEvenly() {
        let chart = LineChart(series: [Series(name: "", points: [(1, 1), (2, 10), (3, 100), (4, 1000)])], logY: true)
        let a = chart.layout()
        let d1 = a.y.map(1) - a.y.map(10), d2 = a.y.map(10) - a.y.map(100)
        #expect(abs(d1 - d2) < 1e-9 && d1 > 0)
        #expect(a.y.ticks == [1, 10, 100, 1000])
    }

    @Test func stackedBarsPutTheSecondSeriesOnTheFirst() {
        let chart = BarChart(categories: ["factorized", "pixelcnn"],
                             series: [BarSeries(name: "bits in z", values: [30, 5]),
                                      BarSeries(name: "bits paid by decoder", values: [70, 90])],
                             stacked: true)
        let a = chart.layout()
        let r = chart.raster()
        let x = Int(a.x.map(0) * 2)
        #expect(r.distance(x, Int(a.y.map(15) * 2), to: Palette.okabeIto[0]) < 3)
        #expect(r.distance(x, Int(a.y.map(60) * 2), to: Palette.okabeIto[1]) < 3)
        #expect(r.distance(x, Int(a.y.map(104) * 2), to: .white) < 3)
    }

    @Test func otherChartsRender() throws {
        let heat = Heatmap(title: "KL", values: (0..<8).map { r in (0..<20).map { Double(r * $0) } }, colorLabel: "nats")
        let scatter = ScatterChart(points: (0..<100).map { (Double($0 % 7), Double($0 % 5)) },
                                   labels: (0..<100).map { $0 % 10 }, classNames: (0...9).map(String.init))
        let hist = Histogram(samples: [("a", (0..<500).map { sin(Double($0)) })], bins: 20)
        for chart in [heat, scatter, hist] as [Chart] {
            let r = chart.raster(width: 320, height: 240)
            #expect(r.width == 640 && r.height == 480)
            #expect(!(try chart.svgData(width: 320, height: 240)).isEmpty)
        }
        #expect(hist.counts().heights[0].reduce(0, +) == 500)
    }
}
