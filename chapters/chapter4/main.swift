// Chapter 4: information preference.
//
// Run it:   swift run chapter4            (seven models; --quick for a classroom demo)
// Read it:  output/chapter4/index.html

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter4: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter4",
        abstract: "Chapter 4: information preference. Sweep the decoder's receptive field and measure the bits in z.")

    @OptionGroup var options: CommonOptions

    @Option(name: .long, parsing: .upToNextOption, help: "PixelCNN depths of the sweep (3x3 kernels).")
    var layers: [Int] = ReceptiveFieldSweep.depths

    @Option(name: .long, help: "Importance samples per test image for an NLL bound of every model (0: report -ELBO only).")
    var iwaeK: Int = 0

    @Option(name: .long, help: "Test digits whose decompressions are scored by the classifier (default 500, --quick 100).")
    var scored: Int?

    func run() throws { runChapter { try chapter() } }

    func chapter() throws {
        let s = ChapterSession(chapter: 4, subtitle: "What the decoder can model locally stays out of z", options: options)
        let r = s.report
        let fieldConfigs = ReceptiveFieldSweep.models(latentDim: options.latentDim, layers: layers).compactMap { c -> (label: String, config: PixelCNNConfig)? in
            guard case .pixelCNN(let p) = c.decoder else { return nil }
            return (p.firstKernel == p.kernel ? "L = \(p.layers)" : "L = \(p.layers), \(p.firstKernel)×\(p.firstKernel) first", p)
        }
        let fullField = fieldConfigs.last.map { f -> (label: String, field: ReceptiveField) in
            ("\(f.config.layers)-layer PixelCNN whose first layer is \(f.config.firstKernel)×\(f.config.firstKernel)", ReceptiveField(f.config))
        }!
        let centre = 14, centreEarlier = centre * 28 + centre   // pixels before the centre pixel (14, 14) in raster order
        let fieldSentences = fieldConfigs.map { f -> String in
            let rf = ReceptiveField(f.config)
            let up1 = rf.extent(rowsUp: 1).map { "one row up, \($0.left) to the left and \($0.right) to the right" } ?? ""
            return "- **\(f.label)**: \(rf.count(row: centre, column: centre)) earlier pixels reach the logit of the pixel (14, 14), up to \(rf.rowsAbove) \(rf.rowsAbove == 1 ? "row" : "rows") above and \(rf.columnsLeftInRow) to the left in its own row (\(up1)); \(rf.blindSpot) earlier pixels of its \(rf.rowsAbove + 1)×\(2 * rf.rowsAbove + 1) window are blind."
        }.joined(separator: "\n")

        let prose = try ProseTemplate.beside()
        var v = InformationPreference.Prose()
        v.citeChen = r.cite("chen2017"); v.citeOord = r.cite("oord2016pixel"); v.citeOordConditional = r.cite("oord2016conditional")
        v.citeKingma = r.cite("kingma2016")
        v.depths = layers.map(String.init).joined(separator: ", ")
        v.fullFieldLabel = fullField.label
        v.fullFieldCentre = "\(fullField.field.count(row: centre, column: centre))"
        v.centreEarlier = "\(centreEarlier)"
        v.latentDim = "\(options.latentDim)"
        v.fieldList = fieldSentences
        r.prose(try prose.render("intro", v))

        r.section("What a masked stack sees")
        r.prose(try prose.render("masks", v))
        r.prose(try prose.render("masksCode", v))
        r.moduleCode("masked-taps", in: "Layers/MaskedConv.swift",
                     paper: "We use two types of masks that we indicate with mask A and mask B … Mask A is applied only to the first convolutional layer … and restricts the connections to those neighboring pixels and to those colors in the current pixels that have already been predicted. On the other hand, mask B is applied to all the subsequent input-to-state convolutional transitions and relaxes the restrictions of mask A by also allowing the connection from a color to itself.",
                     source: r.citet("oord2016pixel") + ", §3.4 (binary images have one colour: mask B lets a pixel's features read themselves)")
        try r.figure(Figures.receptiveFields(fieldConfigs.map { ($0.label, $0.config) }), name: "receptive-fields",
                     caption: "The receptive field of one pixel's logit (mid grey) for each decoder of the sweep, drawn to the same scale: black pixels reach it, light grey pixels come earlier in raster order but never reach it (the blind spot), white pixels come later.")

        // @cell sweep
        let training = options.training(epochs: options.standardEpochs)
        var models: [TrainedModel] = []
        for config in ReceptiveFieldSweep.models(latentDim: options.latentDim, layers: layers) {
            models.append(try s.train(config, training))
        }
        // @end
        r.code("sweep", caption: "\(models.count) models, one loop; finished models come from the cache (output/models).")

        func reach(_ m: TrainedModel) -> String {
            switch m.model.config.decoder {
            case .factorized: return "none"
            case .pixelCNN(let p): return "\(p.receptiveRowsAbove) \(p.receptiveRowsAbove == 1 ? "row" : "rows")"
            }
        }
        var extras: [String: [String: MetricValue]] = [:]
        for m in models {
            let c = CollapseCheck(m.test)
            extras[m.name] = ["receptive_rows_above": .number(Double(receptiveRows(m))),
                              "inactive_dims": .number(Double(c.inactive)),
                              "collapsed_course_rule": .string(c.course.rawValue),
                              "collapsed_mean_rule": .bool(c.meanRuleCollapsed)]
        }

        r.section("Where the bits go")
        let ln2 = log(2.0)
        let names = models.map { $0.name }
        try r.figure(BarChart(title: "Bits per test digit: in z vs paid by the decoder", xLabel: "decoder", yLabel: "bits",
                              categories: names,
                              series: [BarSeries(name: "bits in z (KL)", values: models.map { $0.test.klBits }),
                                       BarSeries(name: "bits paid by the decoder (reconstruction)", values: models.map { $0.test.reconstruction / ln2 })],
                              stacked: true, showValues: true, valueDigits: 0),
                     name: "split", caption: "The stacked height is −ELBO in bits; the lower part is what the code carries.", width: 760, height: 440)
        try r.figure(BarChart(title: "Bits in z by decoder", xLabel: "decoder", yLabel: "bits in z",
                              categories: names, series: [BarSeries(name: "KL", values: models.map { $0.test.klBits })],
                              showValues: true, valueDigits: 1),
                     name: "kl-bits", caption: "The rate alone, on its own scale.", width: 760, height: 360)
        r.table(header: ["decoder", "sees above", "bits in z", "KL (nats)", "reconstruction (nats)", "−ELBO (nats)", "active dims"],
                rows: models.map { m in
                    [.text(m.name), .text(reach(m)), .num(m.test.klBits, 1), .num(m.test.kl), .num(m.test.reconstruction),
                     .num(-m.test.elbo), .text("\(m.test.activeUnits()) / \(m.model.latentDim)")]
                }, caption: "Test split, \(s.binary.test.count) digits, one posterior sample per digit.")

        // The ordering this run found, stated from the numbers.
        let byKL = models.sorted { $0.test.kl > $1.test.kl }
        let klNoise = models.map { epochToEpochNoise($0.history.map(\.validationKL)) / ln2 }   // bits
        let rising = models.filter { stillRising($0.history.map(\.validationKL)) }.map(\.name)
        let best = models.max { $0.test.elbo < $1.test.elbo }!
        let bestVsFactorized = Difference(paired: models[0].test.negativeELBOPerImage.map(Double.init),
                                          best.test.negativeELBOPerImage.map(Double.init))
        r.keyNumbers([
            KeyNumber("\(models[0].name): bits in z", models[0].test.klBits, unit: "bits", digits: 1),
            KeyNumber("\(models.last!.name): bits in z", models.last!.test.klBits, unit: "bits", digits: 1),
        ])
        v.ranking = byKL.map { "\($0.name) (\(fmt($0.test.klBits, 1)))" }.joined(separator: " > ")
        v.bitsSentence = InformationPreference.bitsSentence(names: names, bits: models.map(\.test.klBits), noise: klNoise, rising: rising, epochs: models[0].run.epochsDone)
        v.factorizedBits = fmt(models[0].test.klBits, 1)
        v.widestName = models.last!.name
        v.widestBits = fmt(models.last!.test.klBits, 1)
        v.widestActive = "\(models.last!.test.activeUnits())"
        v.bestBoundSentence = InformationPreference.bestBoundSentence(best: best.name, bestNegELBO: -best.test.elbo, factorized: models[0].name,
                                                                      difference: bestVsFactorized, digits: s.binary.test.count, hasNLL: iwaeK > 0)
        r.prose(try prose.render("bits", v))
        for (m, noise) in zip(models, klNoise) { extras[m.name]!["kl_epoch_noise_bits"] = .number(noise) }

        if iwaeK > 0 {
            v.iwaeK = "\(iwaeK)"; v.citetBurda = r.citet("burda2016")
            r.prose(try prose.render("iwae", v))
            var rows: [[TableCell]] = []
            for m in models {
                let nll = try s.iwaeNLLOnTestSplit(m, k: iwaeK)
                rows.append([.text(m.name), .num(-m.test.elbo), .num(nll.mean)])
                extras[m.name]!["nll_iwae_nats"] = .number(nll.mean)
                extras[m.name]!["iwae_k"] = .number(Double(iwaeK))
            }
            r.table(header: ["decoder", "−ELBO (nats)", "NLL, IWAE k=\(iwaeK) (nats)"], rows: rows,
                    caption: "Test split, every digit; the bound tightens towards the NLL as k grows (the paper uses k = 4096).")
        }

        r.section("What z keeps, decoder by decoder")
        let scoredCount = min(scored ?? s.defaultScoredDigits, s.binary.test.count)
        v.scored = "\(scoredCount)"
        r.prose(try prose.render("whatZKeeps", v))
        // @cell what-z-keeps
        var kept: [WhatZKeeps] = []
        for m in models {
            kept.append(try s.whatZKeeps(m, samples: 2, scored: scoredCount))
        }
        // @end
        r.code("what-z-keeps")
        let classifierAccuracy = kept[0].classifierAccuracy
        for (m, w) in zip(models, kept) {
            extras[m.name]!["class_agreement"] = .number(w.agreementSampled)
            extras[m.name]!["class_agreement_at_mean"] = .number(w.agreementMean)
            extras[m.name]!["probe_accuracy"] = .number(w.probeAccuracy)
            extras[m.name]!["probe_accuracy_sampled_z"] = .number(w.probeAccuracySampledZ)
        }
        r.table(header: ["decoder", "sees above", "bits in z", "probe on μ(x) (%)", "probe on z ~ q (%)", "agreement, z ~ q (%)", "agreement, z = μ (%)"],
                rows: zip(models, kept).map { m, w in
                    [.text(m.name), .text(reach(m)), .num(w.bitsInZ, 1), .num(w.probeAccuracy * 100, 1), .num(w.probeAccuracySampledZ * 100, 1),
                     .num(w.agreementSampled * 100, 1), .num(w.agreementMean * 100, 1)]
                }, caption: "Test split. The classifier reaches \(fmt(classifierAccuracy * 100, 1))% on the real test digits; agreement is over \(scoredCount) test digits, one decompression each.")
        let x = models.map { Double(receptiveRows($0)) }
        try r.figure(LineChart(title: "What z keeps against the decoder's reach", xLabel: "rows above a pixel that reach its logit (0: factorized)",
                               yLabel: "% of test digits",
                               series: [Series(name: "class agreement, z ~ q(z|x)", points: Array(zip(x, kept.map { $0.agreementSampled * 100 }))),
                                        Series(name: "class agreement, z = μ(x)", points: Array(zip(x, kept.map { $0.agreementMean * 100 }))),
                                        Series(name: "linear probe on μ(x)", points: Array(zip(x, kept.map { $0.probeAccuracy * 100 }))),
                                        Series(name: "classifier on the real digits", points: [(x.min()!, classifierAccuracy * 100), (x.max()!, classifierAccuracy * 100)],
                                               color: Color(hex: 0x888888), dashed: true)],
                               markers: true),
                     name: "agreement-vs-reach", caption: "Class agreement of decompressions and the linear probe, for each decoder of the sweep, against how far up its logits see.", width: 760, height: 420)
        let shortName: (TrainedModel) -> String = { m in
            switch m.model.config.decoder {
            case .factorized: return "fact."
            case .pixelCNN(let p): return p.firstKernel == p.kernel ? "L\(p.layers)" : "full"
            }
        }
        let rowsOfImages = (0..<kept[0].originals.count).map { i in
            [kept[0].originals[i]] + kept.flatMap { $0.decompressions[i] }
        }
        try r.figure(ImageGrid(rows: rowsOfImages, rowLabels: kept[0].digitLabels.map { "\($0)" },
                               columnLabels: ["x"] + models.flatMap { [shortName($0), shortName($0)] },
                               zoom: 1, highlightFirstColumn: true),
                     name: "decompressions-by-decoder",
                     caption: "The same ten test digits (first column), then two decompressions x′ ~ p(x|z), z ~ q(z|x), from each decoder of the sweep, left to right by reach.")
        let bestAgree = zip(models, kept).max { $0.1.agreementSampled < $1.1.agreementSampled }!
        let worstAgree = zip(models, kept).min { $0.1.agreementSampled < $1.1.agreementSampled }!
        let bitsAgreeCorr = pearsonCorrelation(kept.map(\.bitsInZ), kept.map(\.agreementSampled))
        v.bestAgreeName = bestAgree.0.name; v.bestAgree = fmt(bestAgree.1.agreementSampled * 100, 1)
        v.worstAgreeName = worstAgree.0.name; v.worstAgree = fmt(worstAgree.1.agreementSampled * 100, 1)
        v.agreementSentence = InformationPreference.agreementSentence(names: names, agreement: kept.map(\.agreementSampled), scored: scoredCount)
        v.correlation = fmt(bitsAgreeCorr, 2)
        v.correlationSentence = InformationPreference.correlationSentence(bitsAgreeCorr)
        v.probeSentence = InformationPreference.probeSentence(probeOnMean: kept.map(\.probeAccuracy), probeOnSample: kept.map(\.probeAccuracySampledZ))
        r.prose(try prose.render("agreement", v))

        r.section("Dimension by dimension")
        let inactive = models.map { CollapseCheck($0.test).inactive }
        let inactiveMonotone = zip(inactive, inactive.dropFirst()).allSatisfy { $0 <= $1 }
        let inactiveText = zip(models, inactive).map { "\($0.name) \($1)" }.joined(separator: ", ")
        try r.figure(Figures.klPerDimension(models), name: "kl-per-dim",
                     caption: "Test KL per latent dimension, sorted, for every decoder. Dimensions under 0.1 nats: \(inactiveText)"
                        + (inactiveMonotone ? " (never fewer as the reach grows)." : " (not monotone in the reach)."))
        try r.figure(Figures.curves(models, title: "KL in z during training (validation)", yLabel: "KL (nats)") { $0.validationKL },
                     name: "kl-curves", caption: "Validation KL after each epoch.")
        try r.figure(Figures.curves(models, title: "−ELBO during training (validation)", yLabel: "nats") { -$0.validationELBO },
                     name: "elbo-curves", caption: "Validation −ELBO after each epoch.")

        r.section("Collapsed or not? Two rules")
        let checks = models.map { CollapseCheck($0.test) }
        v.highPercent = fmt(CollapseCheck.highFraction * 100, 0); v.lowPercent = fmt(CollapseCheck.lowFraction * 100, 0)
        r.prose(try prose.render("collapseRules", v))
        r.table(header: ["decoder", "dims under 0.1 nats", "share", "course rule", "mean KL per dim (nats)", "mean rule"],
                rows: zip(models, checks).map { m, c in
                    [.text(m.name), .text("\(c.inactive) / \(c.dims)"), .text("\(fmt(c.inactiveFraction * 100, 0))%"), .text(c.course.rawValue),
                     .num(c.meanPerDim, 3), .text(c.meanRuleCollapsed ? "collapsed" : "not collapsed")]
                }, caption: "Both rules applied to the test KL per dimension of every decoder.")
        v.collapsedSentence = InformationPreference.collapsedSentence(zip(models, checks).filter { $0.1.course == .collapsed }.map { $0.0.name })
        v.rulesSentence = InformationPreference.rulesSentence(zip(models, checks).map { (name: $0.name, check: $1) })
        r.prose(try prose.render("collapseVerdict", v))

        for m in models { s.record(m, extra: extras[m.name]!) }

        r.section("Check your understanding")
        let l1 = models.first { receptiveRows($0) > 0 }!, widest = models.last!
        let widestVsL1 = Difference.independent(widest.test.klBits, seA: klNoise[models.count - 1], l1.test.klBits,
                                                seB: klNoise[models.firstIndex { $0.name == l1.name }!])
        let quiz1 = InformationPreference.widestVsNarrowestAnswer(widestVsL1)
        v.l1Name = l1.name; v.l1Bits = fmt(l1.test.klBits, 1); v.quiz1SE = fmt(widestVsL1.se, 1)
        v.quiz1Gap = fmt(abs(widestVsL1.mean), 1); v.quiz1Ses = fmt(widestVsL1.standardErrors, 1)
        r.quiz(try prose.render("quiz1", v), choices: InformationPreference.widestVsNarrowestChoices, answer: quiz1,
               explanation: try prose.render(["quiz1Fewer", "quiz1More", "quiz1Noise"][quiz1], v))
        let mostCollapsed = zip(models, checks).max { $0.1.inactive < $1.1.inactive }!
        let c = mostCollapsed.1
        v.collapsedName = mostCollapsed.0.name; v.collapsedInactive = "\(c.inactive)"; v.collapsedDims = "\(c.dims)"
        v.collapsedPercent = fmt(c.inactiveFraction * 100, 0); v.collapsedMeanRule = c.meanRuleCollapsed ? "collapsed" : "not collapsed"
        v.collapsedMeanPerDim = fmt(c.meanPerDim, 3)
        r.quiz(try prose.render("quiz2", v), choices: ["collapsed", "in the grey zone (10–20%)", "not collapsed"],
               answer: c.course == .collapsed ? 0 : c.course == .greyZone ? 1 : 2, explanation: try prose.render("quiz2Explanation", v))
        r.quiz(try prose.render("quiz3", v), choices: models.map { $0.name }, answer: models.firstIndex { $0.name == bestAgree.0.name }!,
               explanation: try prose.render("quiz3Explanation", v))
        let fieldL6 = ReceptiveField(PixelCNNConfig(layers: 6, kernel: 3))
        r.quiz(try prose.render("quiz4", v),
               choices: ["3 (one column either side)", "\(fieldL6.extent(rowsUp: 1).map { $0.left + $0.right + 1 } ?? 0) (\(fieldL6.extent(rowsUp: 1)?.left ?? 0) to the left, \(fieldL6.extent(rowsUp: 1)?.right ?? 0) to the right)", "13 (six columns either side)"],
               answer: 1,
               explanation: try prose.render("quiz4Explanation", v))
        try s.recordProseValues(v)

        r.references()

        try s.finish()
    }


    func receptiveRows(_ m: TrainedModel) -> Int {
        if case .pixelCNN(let p) = m.model.config.decoder { return p.receptiveRowsAbove }
        return 0
    }
}

Chapter4.main()
