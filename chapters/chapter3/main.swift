// Chapter 3: bits-back coding.
//
// Run it:   swift run chapter3            (reads the models of chapters 1 and 5 from the cache; trains what is missing)
// Read it:  output/chapter3/index.html    (the coders' table and chart, the gap to the ELBO, a β slider)

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter3: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter3",
        abstract: "Chapter 3: bits-back coding. The ELBO as the length of a real lossless code (BB-ANS), and the rate-distortion trade-off.")

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Test digits each coder codes into one message (default: all of them).")
    var digits: Int?

    @Option(name: .long, help: "Digits to decode back with the PixelCNN coders, pixel by pixel (default: all coded; with --quick 10). The factorized coder decodes all.")
    var decodeDigits: Int?

    @Option(name: .long, help: "Epochs of each beta-VAE of the rate-distortion sweep (default 3; --quick 1).")
    var sweepEpochs: Int?

    func validate() throws {
        if let digits, digits < 1 { throw ValidationError("--digits must be at least 1") }
        if let decodeDigits, decodeDigits < 0 { throw ValidationError("--decode-digits must be 0 or more") }
        if let sweepEpochs, sweepEpochs < 1 { throw ValidationError("--sweep-epochs must be at least 1") }
    }

    func run() throws { runChapter { try chapter() } }

    static let factorizedBetas: [Float] = [0.1, 0.25, 0.5, 1, 2, 4, 8]
    static let vlaeBetas: [Float] = [0.25, 1, 4]

    func chapter() throws {
        let s = ChapterSession(chapter: 3, subtitle: "The ELBO is a code length: a real lossless coder proves it", options: options)
        let r = s.report

        // MARK: the models
        let factorized = try s.train(BookModels.factorized(options))
        let vlae = try s.train(BookModels.vlae(options))
        let alone = try s.train(BookModels.pixelCNNAlone(options))
        let test = s.binary.test
        let n = min(digits ?? test.count, test.count)
        let images = (0..<n).map { Array(test.pixels[($0 * 784)..<($0 * 784 + 784)]) }
        let slowDecode = min(decodeDigits ?? (options.quick ? 10 : n), n)

        let coders: [(m: TrainedModel, label: String, decode: Int)] = [
            (factorized, "factorized VAE (bits back)", n),
            (vlae, "VLAE (bits back)", slowDecode),
            (alone, "PixelCNN alone (plain ANS)", slowDecode),
        ]
        var measured: [CoderMeasurement] = []
        for c in coders {
            measured.append(try s.measureCoder(c.m, images: images, decodeCount: c.decode))
        }
        for (c, x) in zip(coders, measured) {
            print(String(format: "%@: %.2f bits/digit (−ELBO disc %.2f, cont %.2f); encode %.2f digits/s, decode %.2f digits/s; %d/%d exact",
                         c.m.name, x.bitsPerDigit, x.negELBODiscreteBits, x.negELBOContinuousBits,
                         x.encodeDigitsPerSecond, x.decodeDigitsPerSecond, x.exact, x.decoded))
        }
        try s.finish()
    }
}

Chapter3.main()
