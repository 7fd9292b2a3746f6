// The figures chapters share: training curves, KL per latent dimension, image grids.
// Each returns a chart or grid; the chapter decides where it goes in the report.

import Foundation
import Notebook
import VLAE

public enum Figures {
    /// One line per model of a per-epoch quantity.
    public static func curves(_ models: [TrainedModel], title: String, yLabel: String, logY: Bool = false,
                              _ value: (EpochRecord) -> Double) -> LineChart {
        LineChart(title: title, xLabel: "epoch", yLabel: yLabel,
                  series: models.map { m in Series(name: m.name, values: m.history.map(value)) },
                  logY: logY, markers: models.first.map { $0.history.count <= 12 } ?? false)
    }

    /// Validation -ELBO, reconstruction and KL of one model over epochs.
    public static func elboTerms(_ m: TrainedModel) -> LineChart {
        LineChart(title: "\(m.name): the ELBO and its two terms (validation)", xLabel: "epoch", yLabel: "nats per image",
                  series: [Series(name: "-ELBO", values: m.history.map { -$0.validationELBO }),
                           Series(name: "reconstruction -E[log p(x|z)]", values: m.history.map { $0.validationReconstruction }),
                           Series(name: "KL(q(z|x) || p(z))", values: m.history.map { $0.validationKL })],
                  markers: m.history.count <= 12)
    }

    /// KL of every latent dimension (rows) over epochs (columns), validation split.
    public static func klHeatmap(_ m: TrainedModel, title: String? = nil) -> Heatmap {
        let d = m.model.latentDim
        let values = (0..<d).map { j in m.history.map { $0.validationKLPerDim[j] } }
        return Heatmap(title: title ?? "\(m.name): KL per latent dimension over training", xLabel: "epoch",
                       yLabel: "latent dimension", values: values,
                       rowLabels: (0..<d).map { "\($0)" }, columnLabels: m.history.map { "\($0.epoch)" },
                       colorLabel: "KL (nats)")
    }

    /// Final test KL per dimension, sorted largest first: bars for one model, one line per model
    /// when several are compared (grouped bars of 32 dimensions x 7 models would be unreadable).
    public static func klPerDimension(_ models: [TrainedModel], title: String = "KL per latent dimension (test), sorted") -> Chart {
        let d = models.map { $0.model.latentDim }.max() ?? 0
        if models.count == 1, let m = models.first {
            return BarChart(title: title, xLabel: "latent dimensions, largest KL first", yLabel: "KL (nats)",
                            categories: (0..<d).map { "\($0 + 1)" },
                            series: [BarSeries(name: m.name, values: m.test.klPerDim.sorted(by: >))])
        }
        var series = models.map { m in Series(name: m.name, values: m.test.klPerDim.sorted(by: >)) }
        series.append(Series(name: "0.1 nats (active threshold)", points: [(1, 0.1), (Double(d), 0.1)], color: Color(hex: 0x888888), dashed: true))
        return LineChart(title: title, xLabel: "latent dimensions, largest KL first", yLabel: "KL (nats)",
                         series: series, markers: true)
    }

    /// Rows of images: `rows[r]` = [original, sample 1, ...].
    public static func decompressionGrid(originals: [[Float]], samples: [[[Float]]], rowLabels: [String]) -> ImageGrid {
        let n = samples.first?.count ?? 0
        return ImageGrid(rows: zip(originals, samples).map { [$0] + $1 }, rowLabels: rowLabels,
                         columnLabels: ["x"] + (1...max(n, 1)).map { "x′ \($0)" }, zoom: 2,
                         highlightFirstColumn: true)
    }

    /// Images from a flat buffer (count x 784) laid out `columns` per row.
    public static func grid(_ flat: [Float], columns: Int, zoom: Int = 2) -> ImageGrid {
        let images = stride(from: 0, to: flat.count, by: 784).map { Array(flat[$0..<($0 + 784)]) }
        return ImageGrid(images: images, columns: columns, zoom: zoom)
    }
}

extension ImageSet {
    /// The first `perClass` images of each class, in class order (for grids with one row per digit).
    public func examples(perClass: Int, classes: Int = 10) -> [Int] {
        var out: [Int] = []
        for c in 0..<classes {
            out += (0..<count).filter { labels[$0] == c }.prefix(perClass)
        }
        return out
    }
}

extension Figures {
    /// The true receptive fields of PixelCNN decoders, drawn on one canvas each (padded to the
    /// largest window, the generated pixel in the same place): black = an earlier pixel that
    /// reaches the logit, mid grey = the pixel itself, light grey = earlier but blind, white = later.
    public static func receptiveFields(_ configs: [(label: String, config: PixelCNNConfig)], zoom: Int = 6) -> ImageGrid {
        let fields = configs.map { ReceptiveField($0.config) }
        let r = fields.map(\.rowsAbove).max() ?? 1
        let w = 2 * r + 1, h = r + 1
        let images: [[Float]] = fields.map { f in
            var img = [Float](repeating: 0, count: w * h)
            for dy in -r...0 {
                for dx in -r...r {
                    let v: Float
                    if dy == 0 && dx == 0 { v = 0.5 }
                    else if f.offsets.contains(.init(dy: dy, dx: dx)) { v = 1 }
                    else if dy < 0 || dx < 0 { v = 0.15 }
                    else { v = 0 }
                    img[(dy + r) * w + (dx + r)] = v
                }
            }
            return img
        }
        return ImageGrid(rows: [images], imageWidth: w, imageHeight: h,
                         columnLabels: configs.map(\.label), zoom: zoom, spacing: 6)
    }
}
