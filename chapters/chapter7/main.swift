// Chapter 7: showcase, information flow.
//
// Run it:   swift run chapter7            (reads chapter 4's seven decoders from the cache; trains what is missing)
// Read it:  output/chapter7/index.html    (a slider over the decoders; works from file:// and through `swift run serve`)

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter7: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter7",
        abstract: "Chapter 7: showcase. Slide the decoder's receptive field and watch what the code keeps.")

    @OptionGroup var options: CommonOptions

    @Option(name: .long, parsing: .upToNextOption, help: "PixelCNN depths between the factorized decoder and the full PixelCNN (3x3 kernels).")
    var layers: [Int] = ReceptiveFieldSweep.depths

    func run() throws { runChapter { try chapter() } }

    func chapter() throws {
        let s = ChapterSession(chapter: 7, subtitle: "Slide the decoder's receptive field, watch the code change", options: options)
        let r = s.report

        let widest: String = ReceptiveFieldSweep.models(latentDim: options.latentDim, layers: layers).last.flatMap { c in
            if case .pixelCNN(let p) = c.decoder { return "\(p.layers)-layer PixelCNN with a \(p.firstKernel)×\(p.firstKernel) first layer" } else { return nil }
        } ?? "widest PixelCNN"
        r.prose("""
        Chapter 4 measured it decoder by decoder; this chapter lets you *watch* it. Every position of the
        slider below is a real model the book trained: the same encoder and the same \(options.latentDim)-dimensional code,
        with a decoder that sees more and more of the image it is drawing, from nothing (the factorized
        decoder) through PixelCNNs of \(layers.map(String.init).joined(separator: ", ")) masked 3×3 layers to the \(widest). At each position you see what the decoder sees when it draws one pixel, the
        decompressions of the same ten test digits, and the code itself: its size in bits and the KL of each
        of its dimensions. Information preference \(r.cite("chen2017")) predicts what happens as you slide:
        whatever the decoder can now model from the pixels it sees moves out of $z$.
        """)

        // @cell decoders
        let training = options.training(epochs: options.standardEpochs)
        var models: [TrainedModel] = []
        var kept: [WhatZKeeps] = []
        for config in ReceptiveFieldSweep.models(latentDim: options.latentDim, layers: layers) {
            let m = try s.train(config, training)      // from the cache if chapter 4 trained it
            models.append(m)
            kept.append(try s.whatZKeeps(m, samples: 2))   // memoised: the same measurement as chapter 4's
        }
        // @end
        r.code("decoders", caption: "The sweep of chapter 4 and the shared `whatZKeeps` measurement: with chapter 4's models cached this takes seconds.")
        r.prose("""
        The number under each position, bits in $z$, is the KL term of the ELBO \(r.cite("kingma2014")), summed
        over the code's dimensions and divided by $\\ln 2$; the bars are its terms one dimension at a time.
        In the model module it is one op, with its two derivatives as the backward:
        """)
        r.moduleCode("gaussian-kl", in: "Objectives/Gaussian.swift",
                     paper: "$$-D_{KL}(q_{\\phi}(\\mathbf{z}) \\| p_{\\theta}(\\mathbf{z})) = \\frac{1}{2} \\sum_{j=1}^{J} \\left(1 + \\log((\\sigma_j)^2) - (\\mu_j)^2 - (\\sigma_j)^2\\right)$$",
                     source: r.citet("kingma2014") + ", appendix B")

        // The slider's frames: one set of images per decoder, every image the same size.
        let fields = models.map { $0.model.config.receptiveField }
        // the pixel the slider draws; pixels of a field that fall off the image's edge are not seen
        let (row, column) = (16, 14)
        let seen = fields.map { $0?.count(row: row, column: column) ?? 0 }
        let klMax = kept.flatMap(\.klPerDim).max() ?? 1
        let probeDigit = kept[0].originals[kept[0].digitLabels.firstIndex(of: 2) ?? 0]
        var stops: [SliderStop] = []
        var sizes: (field: (width: Int, height: Int), strip: (width: Int, height: Int)) = ((0, 0), (0, 0))
        let (barWidth, barHeight) = (420, 250)
        for (i, (m, w)) in zip(models, kept).enumerated() {
            let fieldGrid = Figures.whatTheDecoderSees(fields[i], digit: probeDigit, row: row, column: column)
            let strip = Figures.decompressionStrip(w, samples: 2)
            try fieldGrid.writePNG(to: "\(r.directory)/stop\(i)-sees.png")
            try strip.writePNG(to: "\(r.directory)/stop\(i)-decompressions.png")
            var bars = BarChart(title: "KL per dimension, largest first", xLabel: "latent dimension", yLabel: "KL (nats)",
                                categories: (1...w.klPerDim.count).map { $0 == 1 || $0 % 4 == 0 ? "\($0)" : "" },
                                series: [BarSeries(name: m.name, values: w.klPerDim.sorted(by: >))])
            bars.yMax = klMax
            try bars.render(to: "\(r.directory)/stop\(i)-kl", width: barWidth, height: barHeight)
            sizes = ((fieldGrid.displaySize.width, fieldGrid.displaySize.height), (strip.displaySize.width, strip.displaySize.height))
            stops.append(SliderStop(
                label: sliderLabel(m, seen: seen[i]), tick: tick(m),
                images: ["stop\(i)-sees.png", "stop\(i)-decompressions.png", "stop\(i)-kl.png"],
                values: [seen[i] == 0 ? "none" : "\(seen[i]) px", fmt(w.bitsInZ, 1), fmt(-m.test.elbo, 1),
                         fmt(w.agreementSampled * 100, 0) + "%", fmt(w.agreementMean * 100, 0) + "%",
                         "\(m.test.activeUnits()) / \(m.model.latentDim)"]))
        }

        r.section("The slider")
        let first = 0, last = models.count - 1
        r.slider("Decoder", stops: stops,
                 panels: [SliderPanel("What the decoder sees of a \(kept[0].digitLabels.contains(2) ? "2" : "digit") when it draws the mid-grey pixel (dark: seen, faint: hidden from it)",
                                      width: sizes.field.width, height: sizes.field.height, pixelated: true),
                          SliderPanel("Ten test digits (top row) and their decompressions: two with z ~ q(z|x), two with z = μ(x)",
                                      width: sizes.strip.width, height: sizes.strip.height, pixelated: true),
                          SliderPanel("KL of each latent dimension, one scale for every decoder",
                                      width: barWidth, height: barHeight)],
                 numbers: ["earlier pixels seen", "bits in z", "−ELBO (nats)", "class kept, z sampled", "class kept, z at mean", "active dims"],
                 start: first, note: whatToWatch(models, kept, seen: seen))

        r.prose("""
        Each number is measured on the test split by this run (or by chapter 4's, read from the same memo):
        **bits in z** is the KL term, **−ELBO** the bound on the negative log-likelihood, **class kept** the
        share of \(kept[0].scored) test digits whose decompression (with $z$ sampled from $q(z \\mid x)$, or $z$ at
        its mean $\\mu(x)$) the book's digit classifier (\(fmt(kept[0].classifierAccuracy * 100, 1))% on
        real test digits) labels with the original's class, and **active dims** the code dimensions carrying
        more than 0.1 nats. The pixels seen are the decoder's true receptive field at the slider's pixel (\(row), \(column)), counted from
        its masks (the PixelCNN's blind spot included, the field's part beyond the image's edge left out), not estimated.
        """)

        r.section("All positions at once")
        r.table(header: ["decoder", "earlier pixels seen", "bits in z", "−ELBO (nats)", "class kept, z ~ q (%)", "class kept, z = μ (%)", "probe on μ(x) (%)", "active dims"],
                rows: zip(models, kept).enumerated().map { i, mw in
                    let (m, w) = mw
                    return [.text(m.name), .number(Double(seen[i]), digits: 0), .num(w.bitsInZ, 1), .num(-m.test.elbo),
                            .num(w.agreementSampled * 100, 1), .num(w.agreementMean * 100, 1), .num(w.probeAccuracy * 100, 1),
                            .text("\(m.test.activeUnits()) / \(m.model.latentDim)")]
                }, caption: "The slider's numbers in one table (for print, and for readers without scripts). Test split, \(s.binary.test.count) digits; class agreement on \(kept[0].scored).")
        for (i, (m, w)) in zip(models, kept).enumerated() {
            s.record(m, extra: ["receptive_field_pixels": .number(Double(seen[i])),
                                "class_agreement": .number(w.agreementSampled), "class_agreement_at_mean": .number(w.agreementMean),
                                "probe_accuracy": .number(w.probeAccuracy)])
        }
        r.keyNumbers([
            KeyNumber("Bits in z, \(models[first].name)", kept[first].bitsInZ, unit: "bits", digits: 1),
            KeyNumber("Bits in z, \(models[last].name)", kept[last].bitsInZ, unit: "bits", digits: 1),
            KeyNumber("Class kept, \(models[first].name)", kept[first].agreementSampled * 100, unit: "%", digits: 0),
            KeyNumber("Class kept, \(models[last].name)", kept[last].agreementSampled * 100, unit: "%", digits: 0),
        ])

        r.section("Check your understanding")
        let fewest = kept.indices.min { kept[$0].bitsInZ < kept[$1].bitsInZ }!
        r.quiz("Slide through every position. Which decoder's code carries the fewest bits?",
               choices: models.map { "`\($0.name)`" }, answer: fewest,
               explanation: "`\(models[fewest].name)`: \(fmt(kept[fewest].bitsInZ, 1)) bits in z, against \(fmt(kept[first].bitsInZ, 1)) for `\(models[first].name)`. It sees \(seen[fewest]) earlier pixels when it draws one.")
        let agreementChange = Difference.proportions(kept[last].agreementSampled, kept[first].agreementSampled, n1: kept[last].scored, n2: kept[first].scored)
        let agreementFell = agreementChange.direction == .down
        r.quiz("From the first position to the last, does the share of decompressions that keep the digit's class (z ~ q) rise or fall?",
               choices: ["It rises, by more than twice its standard error", "It falls, by more than twice its standard error", "It stays within twice its standard error"],
               answer: agreementChange.direction == .up ? 0 : agreementFell ? 1 : 2,
               explanation: "From \(fmt(kept[first].agreementSampled * 100, 0))% (`\(models[first].name)`) to \(fmt(kept[last].agreementSampled * 100, 0))% (`\(models[last].name)`), a standard error of \(fmt(agreementChange.se * 100, 1)) points over \(kept[last].scored) digits."
                   + (agreementFell ? " A decoder that sees more of the image draws more of the digit itself; the code has less to say about which digit it is." : ""))
        let idleFirst = kept[first].klPerDim.filter { $0 < 0.1 }.count, idleLast = kept[last].klPerDim.filter { $0 < 0.1 }.count
        r.quiz("Watch the KL bars from the first position to the last. How does the number of code dimensions carrying under 0.1 nats change?",
               choices: ["It grows", "It shrinks", "It stays the same"],
               answer: idleLast > idleFirst ? 0 : idleLast < idleFirst ? 1 : 2,
               explanation: "From \(idleFirst) of \(kept[first].klPerDim.count) (`\(models[first].name)`) to \(idleLast) of \(kept[last].klPerDim.count) (`\(models[last].name)`). "
                   + (idleLast > idleFirst ? "The decoder models more by itself, and the dimensions it no longer needs fall silent (chapter 4 applies the course's collapse rule to them)."
                      : "The code shrinks, if it does, by carrying less in each dimension rather than by switching dimensions off."))

        r.prose("""
        The masked convolutions and their blind spot are those of \(r.citet("oord2016conditional")); \(r.citet("gulrajani2017"))
        chose a few-layer PixelCNN decoder for the same reason as the VLAE.
        """)
        r.references()

        try s.finish()
    }

    func tick(_ m: TrainedModel) -> String {
        switch m.model.config.decoder {
        case .factorized: return "factorized"
        case .pixelCNN(let p): return p.firstKernel == p.kernel ? "L=\(p.layers)" : "full"
        }
    }

    func sliderLabel(_ m: TrainedModel, seen: Int) -> String {
        switch m.model.config.decoder {
        case .factorized: return "factorized (sees no pixel)"
        case .pixelCNN(let p):
            let first = p.firstKernel == p.kernel ? "" : ", \(p.firstKernel)×\(p.firstKernel) first layer"
            return "PixelCNN, \(p.layers) layer\(p.layers == 1 ? "" : "s")\(first) (sees \(seen) pixels)"
        }
    }

    /// The sentence under the slider: what changes from the first position to the last, and whether
    /// each change is steady, computed from the numbers.
    func whatToWatch(_ models: [TrainedModel], _ kept: [WhatZKeeps], seen: [Int]) -> String {
        let f = 0, l = models.count - 1
        let bits = kept.map(\.bitsInZ)
        // a step's standard error: the two runs' epoch-to-epoch swings of their validation KL (chapter 4)
        let noise = models.map { epochToEpochNoise($0.history.map(\.validationKL)) / log(2.0) }
        let b = StepTrend(names: models.map(\.name), values: bits, standardErrors: noise)
        let bitsText: String
        if bits[l] < bits[f] {
            bitsText = "the bits in $z$ fall from **\(fmt(bits[f], 1))** to **\(fmt(bits[l], 1))**"
                + (b.isMonotone(.down) ? ", at every step by more than twice its standard error"
                   : " overall (\(b.steps(.down).count) of \(bits.count - 1) steps fall by more than twice their standard error, \(b.steps(.up).count) rise by as much, the rest are within the noise of one training run)")
        } else {
            bitsText = "the bits in $z$ do **not** fall: \(fmt(bits[f], 1)) at the first position, \(fmt(bits[l], 1)) at the last, against the paper's prediction"
        }
        let agree = kept.map(\.agreementSampled)
        let agreeChange = Difference.proportions(agree[l], agree[f], n1: kept[l].scored, n2: kept[f].scored)
        let agreeText = agreeChange.direction == .withinNoise
            ? "the share of decompressions that keep the class moves within its noise (\(fmt(agree[f] * 100, 0))% → \(fmt(agree[l] * 100, 0))%)"
            : agreeChange.direction == .down
            ? "the decompressions keep the digit's class less often (\(fmt(agree[f] * 100, 0))% → \(fmt(agree[l] * 100, 0))%): the decoder draws a plausible digit, not necessarily yours"
            : "the decompressions keep the class more often (\(fmt(agree[f] * 100, 0))% → \(fmt(agree[l] * 100, 0))%)"
        let active = models.map { $0.test.activeUnits() }
        let activeText = active[l] < active[f]
            ? "the KL bars sink, with \(active[f]) → \(active[l]) dimensions still above 0.1 nats"
            : "the number of dimensions above 0.1 nats goes \(active[f]) → \(active[l])"
        let elbo = models.map { -$0.test.elbo }
        let elboChange = models[l].negELBODifference(models[f])
        let elboText = elboChange.direction == .withinNoise
            ? "and the −ELBO moves within its noise (\(fmt(elbo[f], 1)) → \(fmt(elbo[l], 1)) nats)"
            : elboChange.direction == .down
            ? "while the −ELBO *improves* (\(fmt(elbo[f], 1)) → \(fmt(elbo[l], 1)) nats): the better density model says less in its code"
            : "and the −ELBO does not improve (\(fmt(elbo[f], 1)) → \(fmt(elbo[l], 1)) nats)"
        return "**What to watch.** Slide right: the decoder sees from \(seen[f]) to \(seen[l]) earlier pixels; \(bitsText); \(agreeText); \(activeText); \(elboText)."
    }
}

Chapter7.main()
