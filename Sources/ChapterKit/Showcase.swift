// Figures of chapter 7's slider: what a decoder sees of a digit when it draws one pixel, and the
// decompressions of the fixed test digits as one compact strip. Each is one image per decoder,
// all of the same size, so the slider can swap them in place.

import Foundation
import Notebook
import VLAE

extension Figures {
    /// The true receptive field of a decoder (nil: factorized, it sees no pixel) laid over a digit,
    /// for the pixel at (`row`, `column`): inside the field the digit as the decoder sees it on a grey
    /// ground, the pixel being drawn mid grey, everything else the decoder cannot see only faintly.
    public static func whatTheDecoderSees(_ field: ReceptiveField?, digit: [Float], row: Int, column: Int, zoom: Int = 5) -> ImageGrid {
        var img = [Float](repeating: 0, count: 784)
        for i in 0..<784 { img[i] = digit[i] > 0.5 ? 0.14 : 0 }
        for o in field?.offsets ?? [] {
            let y = row + o.dy, x = column + o.dx
            guard y >= 0, y < 28, x >= 0, x < 28 else { continue }
            img[y * 28 + x] = digit[y * 28 + x] > 0.5 ? 1 : 0.3
        }
        img[row * 28 + column] = 0.62
        return ImageGrid(rows: [[img]], zoom: zoom)
    }

    /// The fixed test digits (columns) and their decompressions (rows): the original, `samples` rows
    /// with z ~ q(z|x), then `samples` rows with z = μ(x).
    public static func decompressionStrip(_ w: WhatZKeeps, samples: Int = 2, zoom: Int = 2) -> ImageGrid {
        let n = min(samples, w.decompressions.first?.count ?? 0, w.meanDecompressions.first?.count ?? 0)
        var rows: [[[Float]]] = [w.originals]
        var labels = ["x"]
        for s in 0..<n { rows.append(w.decompressions.map { $0[s] }); labels.append("z ~ q") }
        for s in 0..<n { rows.append(w.meanDecompressions.map { $0[s] }); labels.append("z = μ") }
        return ImageGrid(rows: rows, rowLabels: labels, columnLabels: w.digitLabels.map { "\($0)" }, zoom: zoom)
    }
}

extension ModelConfig {
    /// The decoder's true receptive field (nil for the factorized decoder, which sees no pixel).
    public var receptiveField: ReceptiveField? {
        if case .pixelCNN(let p) = decoder { return ReceptiveField(p) }
        return nil
    }
}
