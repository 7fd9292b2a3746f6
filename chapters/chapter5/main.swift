// Chapter 5: the lossy code.
//
// Run it:   swift run chapter5            (--quick for a classroom demo, --full for longer training)
// Read it:  output/chapter5/index.html

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter5: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter5",
        abstract: "Chapter 5: a PixelCNN decoder with a small receptive field makes z a lossy code of global structure.")

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Free-bits floor per latent dimension for the VLAE, nats (default: the book's VLAE).")
    var freeBits: Float?

    @Option(name: .long, help: "Latent dimensions of the VLAE (default: the book's VLAE; --latent sets the factorized model's).")
    var vlaeLatent: Int?

    @Option(name: .long, help: "Masked layers of the VLAE's PixelCNN decoder (default: the book's VLAE).")
    var vlaeLayers: Int?

    @Option(name: .long, help: "Importance samples per test image for the NLL bound (the paper: 4096).")
    var iwaeK: Int?

    @Option(name: .long, help: "Test digits whose decompressions are scored by the classifier.")
    var scored: Int?

    @Flag(name: .long, help: "Also train every VLAE configuration of the search table that the cache does not hold (long: several minutes each).")
    var search: Bool = false

    func run() throws { runChapter { try chapter() } }

    func chapter() throws {
        let s = ChapterSession(chapter: 5, subtitle: "A decoder that draws strokes: what does its code keep?", options: options)
        let r = s.report
        let k = iwaeK ?? (options.quick ? 8 : options.full ? 1000 : 64)
        let scoredCount = min(scored ?? s.defaultScoredDigits, s.binary.test.count)
        var variant = BookModels.vlaeLossy
        if let freeBits { variant.freeBits = freeBits }
        if let vlaeLatent { variant.latentDim = vlaeLatent }
        if let vlaeLayers { variant.layers = vlaeLayers }
        let field = ReceptiveField(variant.decoder)

        let prose = try ProseTemplate.beside()
        var v = LossyCode.Prose()
        v.citetBowman = r.citet("bowman2016"); v.citeChen = r.cite("chen2017")
        r.prose(try prose.render("intro", v))

        r.section("Two decoders")
        let up1 = field.extent(rowsUp: 1)
        v.citeOord = r.cite("oord2016pixel"); v.citeOordConditional = r.cite("oord2016conditional")
        v.layers = "\(variant.layers)"; v.channels = "\(variant.channels)"; v.latentDim = "\(variant.latentDim)"
        v.fieldCount = "\(field.count)"; v.rowsAbove = "\(field.rowsAbove)"; v.columnsLeft = "\(field.columnsLeftInRow)"
        v.rowAbove = up1.map { "\($0.left) columns to the left and \($0.right) to the right" } ?? "nothing"
        v.priorSentence = variant.prior == .gaussian ? "" : " Its prior is not N(0, I) but chapter 6's autoregressive flow (the AF prior, as in the paper's VLAE)."
        v.epochs = "\(variant.trainingEpochs(options))"
        v.objective = variant.freeBits > 0 ? "free bits \(r.cite("kingma2016")) ($\\lambda$ = \(fmt(Double(variant.freeBits), 2)) nats per dimension)" : "the plain ELBO (no free bits)"
        v.configurationSentence = variant == BookModels.vlaeLossy
            ? "This is not the book's VLAE of chapters 3, 6, 7 and 8 (\(BookModels.vlaeDefault.label): \(BookModels.vlaeDefault.layers) layers, a \(BookModels.vlaeDefault.latentDim)-dimensional code, prior N(0, I)); it is the configuration chosen from the measured search at the end of this chapter, which shows both and says why."
            : "Its settings were changed from this chapter's default (\(BookModels.vlaeLossy.label)) by this run's flags."
        r.prose(try prose.render("twoDecoders", v))
        // @cell models
        let factorized = try s.train(BookModels.factorized(options))
        let vlae = try s.train(BookModels.vlae(options, variant))
        // @end
        r.code("models")
        r.prose(try prose.render("decoderCode", v))
        r.moduleCode("pixelcnn-decoder", in: "Models/Decoders.swift",
                     paper: "$$p_{\\mathrm{local}}(x \\mid z) = \\prod_i p(x_i \\mid z, x_{\\mathrm{WindowAround}(i)})$$",
                     source: r.citet("chen2017") + ", §3.1")
        r.moduleCode("free-bits", in: "Objectives/FreeBits.swift",
                     caption: "Free bits, from the model module: below λ nats a dimension's KL costs nothing, above it costs as usual.",
                     paper: "… using the free bits objective … $$\\widetilde{\\mathcal{L}}_\\lambda = \\mathbb{E}_{x \\sim \\mathcal{M}}\\left[\\mathbb{E}_{q(z \\mid x)}[\\log p(x \\mid z)]\\right] - \\sum_{j=1}^{K} \\operatorname{maximum}\\left(\\lambda, \\mathbb{E}_{x \\sim \\mathcal{M}}\\left[D_{KL}(q(z_j \\mid x) \\| p(z_j))\\right]\\right)$$ The VLAE paper trains its models with this objective; here every latent dimension is its own group $j$.",
                     source: r.citet("kingma2016") + ", appendix; used by " + r.citet("chen2017"))

        r.section("Bits in z")
        let paperVLAE = 19.2, paperFactorized = 37.3, paperVLAELayers = 6
        let ratio = vlae.test.klBits / factorized.test.klBits
        r.keyNumbers([
            KeyNumber("Factorized: bits in z", factorized.test.klBits, unit: "bits", digits: 1, note: "paper: \(paperFactorized)"),
            KeyNumber("VLAE: bits in z", vlae.test.klBits, unit: "bits", digits: 1, note: "paper: \(paperVLAE)"),
            KeyNumber("Ratio", ratio, digits: 2, note: String(format: "paper: %.3f", paperVLAE / paperFactorized)),
        ])
        let floorBits = Double(variant.freeNats) / log(2)
        let belowFloor = vlae.test.klPerDim.filter { $0 < Double(variant.freeBits) }.count
        let aboveFloorBits = vlae.test.klPerDim.reduce(0) { $0 + max(0, $1 - Double(variant.freeBits)) } / log(2)
        v.factorizedBits = fmt(factorized.test.klBits, 1); v.vlaeBits = fmt(vlae.test.klBits, 1); v.ratioPercent = fmt(100 * ratio, 1)
        v.paperFactorized = "\(paperFactorized)"; v.paperVLAE = "\(paperVLAE)"; v.paperRatioPercent = fmt(100 * paperVLAE / paperFactorized, 1)
        v.paperVLAELayers = "\(paperVLAELayers)"; v.layersText = "\(variant.layers) \(variant.layers == 1 ? "layer" : "layers")"
        v.ourPrior = variant.prior == .gaussian ? "N(0, I)" : "the AF prior too"
        v.trainDigits = "\(s.data.train.count)"; v.codeSizeNote = variant.latentDim < 64 ? ", code size" : ""
        v.allowanceNote = LossyCode.allowanceNote(vlaeBits: vlae.test.klBits, withinAllowanceBits: vlae.test.klBits - aboveFloorBits, allowanceBits: floorBits)
        v.lambda = fmt(Double(variant.freeBits), 2); v.allowanceBits = fmt(floorBits, 1)
        v.withinAllowanceBits = fmt(vlae.test.klBits - aboveFloorBits, 1); v.aboveAllowanceBits = fmt(aboveFloorBits, 1); v.dimsBelow = "\(belowFloor)"
        r.prose(try prose.render("bits", v) + (variant.freeBits > 0 ? "\n" + (try prose.render("freeBits", v)) : ""))

        r.section("Decompressions")
        r.prose(try prose.render("decompressions", v))
        // @cell what-z-keeps
        let keptF = try s.whatZKeeps(factorized, scored: scoredCount)
        let keptV = try s.whatZKeeps(vlae, scored: scoredCount)
        // @end
        r.code("what-z-keeps", caption: "One shared measurement (Sources/ChapterKit/WhatZKeeps.swift), memoised beside the model cache.")
        try r.figure(keptV.grid(), name: "decompress-vlae",
                     caption: "VLAE decompressions, z ~ q(z|x): the strokes are redrawn every time; how often the digit's identity survives is measured below.")
        try r.figure(keptV.grid(atMean: true), name: "decompress-vlae-mean",
                     caption: "VLAE decompressions at the posterior mean, z = μ(x): the code's noise removed, only the decoder's sampling left.")
        try r.figure(keptF.grid(), name: "decompress-factorized",
                     caption: "Factorized decoder, z ~ q(z|x): every pixel is drawn independently given z, so samples are speckled around a blurry mean.")

        r.section("What the code knows")
        v.scored = "\(scoredCount)"
        r.prose(try prose.render("whatTheCodeKnows", v))
        let clf = keptV.classifierAccuracy
        let measuresCaption: String = "MNIST-5k test split. The classifier reaches " + fmt(clf * 100, 1)
            + "% on the real test digits themselves and " + fmt(keptF.agreementSampled * 100, 1) + "% on the factorized model's speckled decompressions."
        func measureRow(_ name: String, _ w: WhatZKeeps) -> [TableCell] {
            [.text(name), .num(w.bitsInZ, 1), .num(w.probeAccuracy * 100, 1), .num(w.probeAccuracySampledZ * 100, 1),
             .num(w.agreementSampled * 100, 1), .num(w.agreementMean * 100, 1)]
        }
        r.table(header: ["model", "bits in z", "probe on μ(x) (%)", "probe on z ~ q (%)", "agreement, z ~ q (%)", "agreement, z = μ (%)"],
                rows: [measureRow(factorized.name, keptF), measureRow(vlae.name, keptV)],
                caption: measuresCaption)
        v.classifierPercent = fmt(clf * 100, 1); v.vlaeAgreement = fmt(keptV.agreementSampled * 100, 1)
        v.vlaeAgreementAtMean = fmt(keptV.agreementMean * 100, 1); v.factorizedAgreement = fmt(keptF.agreementSampled * 100, 1)
        v.factorizedAgreementAtMean = fmt(keptF.agreementMean * 100, 1); v.ratioPercentRounded = fmt(100 * ratio, 0)
        v.keepsSentence = LossyCode.keepsSentence(keptV.agreementSampled, n: keptV.scored)
        v.vlaeProbe = fmt(keptV.probeAccuracy * 100, 1); v.vlaeProbeSampled = fmt(keptV.probeAccuracySampledZ * 100, 1)
        v.factorizedProbe = fmt(keptF.probeAccuracy * 100, 1); v.factorizedProbeSampled = fmt(keptF.probeAccuracySampledZ * 100, 1)
        r.prose(try prose.render("agreement", v))
        // How far the agreement is from the bar, in standard errors of a proportion over the scored digits.
        let barTest = LossyCode.againstBar(keptV.agreementSampled, n: keptV.scored)
        if variant == BookModels.vlaeLossy {
            r.prose(try prose.render("chosen", v))
        }
        // The same measurement on digits that neither training nor the search looked at.
        let heldF = try s.heldOutAgreement(factorized, scored: scoredCount)
        let heldV = try s.heldOutAgreement(vlae, scored: scoredCount)
        r.table(header: ["model", "agreement, z ~ q, test (%)", "agreement, z ~ q, validation (%)", "agreement, z = μ, validation (%)"],
                rows: [[.text(factorized.name), .num(keptF.agreementSampled * 100, 1), .num(heldF.agreementSampled * 100, 1), .num(heldF.agreementMean * 100, 1)],
                       [.text(vlae.name), .num(keptV.agreementSampled * 100, 1), .num(heldV.agreementSampled * 100, 1), .num(heldV.agreementMean * 100, 1)]],
                caption: "Class agreement on the first \(keptV.scored) test digits (above) and on the first \(heldV.scored) validation digits, which training only reports on and the search never looked at; the classifier labels \(fmt(heldV.classifierAccuracy * 100, 1))% of those real validation digits correctly.")
        let heldDelta = Difference.proportions(heldV.agreementSampled, keptV.agreementSampled, n1: heldV.scored, n2: keptV.scored)
        let barValidation = LossyCode.againstBar(heldV.agreementSampled, n: heldV.scored)
        v.validationScored = "\(heldV.scored)"; v.validationAgreement = fmt(heldV.agreementSampled * 100, 1)
        v.validationAgreementAtMean = fmt(heldV.agreementMean * 100, 1)
        v.validationVsTest = LossyCode.validationVsTest(heldDelta, testAgreement: keptV.agreementSampled)
        v.validationBar = LossyCode.validationBar(barValidation); v.validationFactorized = fmt(heldF.agreementSampled * 100, 1)
        r.prose(try prose.render("validation", v))

        r.section("Test NLL")
        v.citetBurda = r.citet("burda2016"); v.k = "\(k)"; v.testDigits = "\(s.binary.test.count)"
        r.prose(try prose.render("nllIntro", v))
        r.moduleCode("iwae-log-weights", in: "Objectives/IWAE.swift",
                     paper: "$$\\mathcal{L}_k(x) = \\mathbb{E}_{h_1, \\ldots, h_k \\sim q(h \\mid x)}\\left[\\log \\frac{1}{k} \\sum_{i=1}^{k} \\frac{p(x, h_i)}{q(h_i \\mid x)}\\right]$$ (their $h$ is our $z$, and $p(x, z) = p(x \\mid z)\\, p(z)$)",
                     source: r.citet("burda2016") + ", §3")
        r.moduleCode("iwae-bound", in: "Objectives/IWAE.swift")
        r.moduleCode("logsumexp", in: "Layers/Reductions.swift")
        func iwae(_ m: TrainedModel) throws -> IWAEResult { try s.iwaeNLLOnTestSplit(m, k: k) }
        let nllF = try iwae(factorized).mean, nllV = try iwae(vlae).mean
        let vlaeVsFactorizedNLL = Difference(paired: try iwae(vlae).nllPerImage, try iwae(factorized).nllPerImage)   // < 0: the VLAE is better
        r.table(header: ["model", "bits in z", "−ELBO (nats)", "NLL, IWAE k=\(k) (nats)"],
                rows: [[.text(factorized.name), .num(factorized.test.klBits, 1), .num(-factorized.test.elbo), .num(nllF)],
                       [.text(vlae.name), .num(vlae.test.klBits, 1), .num(-vlae.test.elbo), .num(nllV)]],
                caption: "MNIST-5k test split, every digit.")
        v.nllVerdict = LossyCode.nllVerdict(vlaeVsFactorizedNLL); v.vlaeNLL = fmt(nllV); v.factorizedNLL = fmt(nllF)
        v.nllClause = vlaeVsFactorizedNLL.clause(unit: "nats", over: "these \(s.binary.test.count) digits")
        r.prose(try prose.render("nllVerdict", v))
        try s.recordProseValues(v)

        // The measured search: every VLAE configuration tried, from the cache (or trained with --search).
        r.section("Which VLAE keeps the digit: the measured search")
        var rows: [SearchRow] = []
        var seen: Set<String> = []
        let record = SearchRecord.committed()
        for v in BookModels.vlaeSearch + (BookModels.vlaeSearch.contains(variant) ? [] : [variant]) {
            let recipe = BookModels.vlae(options, v)
            let key = ModelCache.key(recipe.config, recipe.training, fingerprint: s.data.fingerprint)
            // With --quick or --epochs, run lengths collapse: a recipe met before is not a new row.
            guard seen.insert(key).inserted else { continue }
            let m: TrainedModel?
            if v == variant { m = vlae }
            else if search { m = try s.train(recipe) }
            else { m = s.cachedModel(recipe.config, recipe.training, on: s.data) }
            if let m {
                let w = try s.whatZKeeps(m, scored: scoredCount)
                rows.append(SearchRow(variant: v, key: key, bits: w.bitsInZ, agreementSampled: w.agreementSampled,
                                      agreementMean: w.agreementMean, probe: w.probeAccuracy, nll: try iwae(m).mean,
                                      seconds: m.run.trainSeconds, recorded: false, fromCache: m.origin.isCached))
            } else if let rec = record?.row(key: key, dataset: s.data.name, fingerprint: s.data.fingerprint, iwaeK: k, scored: scoredCount, classifierAccuracy: clf) {
                rows.append(SearchRow(variant: v, key: key, bits: rec.bitsInZ, agreementSampled: rec.agreementSampled,
                                      agreementMean: rec.agreementMean, probe: rec.probeAccuracy, nll: rec.nllNats,
                                      seconds: rec.trainSeconds, recorded: true))
            } else {
                rows.append(SearchRow(variant: v, key: key))
            }
        }
        let missing = rows.filter { $0.bits == nil }
        let recorded = rows.filter(\.recorded)
        let budget = 0.6 * factorized.test.klBits
        r.prose("""
        To find out what makes a VLAE's code keep the digit, the configurations below change one or two things
        at a time: \(searchAxes(BookModels.vlaeSearch, options).joined(separator: "; ")). The targets: class agreement of at least 90%
        for $z \\sim q(z \\mid x)$, at most 60% of the factorized model's bits (\(fmt(budget, 1)) bits here) and a
        better NLL than the factorized model's \(fmt(nllF)) nats.
        """ + (recorded.isEmpty ? "" : """
         Training the search's models takes long here (the \(recorded.count) recorded rows' models took \(formatDuration(recorded.compactMap(\.seconds).reduce(0, +))) to train), so those \(recorded.count) of the \(rows.count) rows, marked *recorded*, are not this
        run's: they are the numbers a run that measured the whole search (`swift run chapter5 --search`) wrote to
        `records/chapter5-search.json` (commit \(record?.commit ?? "?"), \(record?.date ?? "?")), shown because this run's recipe, data, $k$ and
        classifier are the same as that run's. Rows marked *trained* were trained and measured by this run, rows marked *cache* were measured by this run on a model an earlier run trained (output/models); `--search` trains the others and measures them all.
        """) + (missing.isEmpty ? "" : """
         \(missing.count) of the \(rows.count) configurations \(missing.count == 1 ? "is" : "are") neither in this run's model cache nor in the record
        for these settings; `swift run chapter5 --search` trains \(missing.count == 1 ? "it" : "them") (several minutes each) and fills in \(missing.count == 1 ? "its row" : "their rows").
        """))
        r.table(header: ["VLAE", "bits in z", "allowance (bits)", "agree, z ~ q (%)", "agree, z = μ (%)", "probe (%)", "NLL", "all three", "train", "measured"],
                rows: rows.map { row in
                    let v = row.variant
                    let label = v == variant ? "**\(v.label(options))**" : v.label(options)
                    guard let bits = row.bits, let aS = row.agreementSampled, let aM = row.agreementMean, let probe = row.probe,
                          let nll = row.nll else {
                        return [.text(label), "–", .num(Double(v.freeNats) / log(2), 1), "–", "–", "–", "–", "not run", "–", "–"]
                    }
                    let ok = aS >= 0.9 && bits <= budget && nll < nllF
                    return [.text(label), .num(bits, 1), .num(Double(v.freeNats) / log(2), 1), .num(aS * 100, 1),
                            .num(aM * 100, 1), .num(probe * 100, 1), .num(nll), .text(ok ? "yes" : "no"),
                            .text(row.seconds.map { formatDuration($0) } ?? "–"), .text(row.recorded ? "*recorded*" : row.fromCache ? "cache" : "trained")]
                },
                caption: "In bold: this chapter's VLAE. Every VLAE at \(options.standardEpochs) epochs unless its label says otherwise (ep), Adam at 1e-3 unless marked adamax (the paper's Adamax at 2e-3), static binarization unless marked dyn, seed \(options.seed); L = masked layers, D = code size, λ = free bits per dimension (nats), 32 channels unless marked ch, prior N(0, I) unless marked AF (chapter 6's autoregressive-flow prior). Allowance: D × λ in bits. Agreement: class agreement of decompressions; probe: linear probe on μ(x); NLL: IWAE bound, k = \(k). Train times are as measured on a shared machine. The factorized model: \(fmt(factorized.test.klBits, 1)) bits, \(fmt(keptF.agreementSampled * 100, 1))% agreement, NLL \(fmt(nllF)).")
        let measured = rows.filter { $0.bits != nil }
        // A run that measured every row itself writes them down, for records/ (see SearchRecord).
        if search && missing.isEmpty && recorded.isEmpty {
            let out = SearchRecord(date: ISO8601DateFormatter().string(from: Date()), commit: SearchRecord.currentCommit(),
                                   dataset: s.data.name, fingerprint: s.data.fingerprint, iwaeK: k, scored: scoredCount, classifierAccuracy: clf,
                                   rows: measured.map { SearchRecord.Row(label: $0.variant.label(options), key: $0.key, bitsInZ: $0.bits!,
                                                                          agreementSampled: $0.agreementSampled!, agreementMean: $0.agreementMean!,
                                                                          probeAccuracy: $0.probe!, nllNats: $0.nll!, trainSeconds: $0.seconds ?? 0) })
            try FileManager.default.createDirectory(atPath: r.directory, withIntermediateDirectories: true)
            try out.write(to: r.directory + "/search-record.json")
            print("chapter 5: the whole search measured; \(r.directory)/search-record.json is what records/chapter5-search.json keeps")
        }
        if measured.count >= 2 {
            // Points grouped by the decoder's reach and the prior (a legend per configuration would not be read); this chapter's VLAE apart.
            var groupOrder: [String] = []
            var groupPoints: [String: [(Double, Double)]] = [:]
            for row in measured where row.variant != variant {
                let name = "\(row.variant.layers) layers, " + (row.variant.prior == .gaussian ? "prior N(0, I)" : "AF prior")
                if groupPoints[name] == nil { groupOrder.append(name) }
                groupPoints[name, default: []].append((row.bits!, row.agreementSampled! * 100))
            }
            let mineGroup = measured.filter { $0.variant == variant }.map { ScatterGroup(name: "this chapter's VLAE", points: [($0.bits!, $0.agreementSampled! * 100)], color: Color(hex: 0xC0392B)) }
            var chart = ScatterChart(title: "Class agreement of decompressions against bits in z",
                                     xLabel: "bits in z", yLabel: "class agreement, z ~ q(z|x) (%)",
                                     groups: groupOrder.map { ScatterGroup(name: $0, points: groupPoints[$0]!) } + mineGroup
                                        + [ScatterGroup(name: "factorized", points: [(keptF.bitsInZ, keptF.agreementSampled * 100)], color: Color(hex: 0x444444))])
            chart.pointRadius = 4.5
            try r.figure(chart, name: "search",
                         caption: "Each point is one configuration of the table above\(recorded.isEmpty ? "" : " (recorded rows included)"), coloured by the decoder's reach and the prior. The targets: at least 90% up the vertical axis, at most \(fmt(budget, 1)) bits along the horizontal one.",
                         width: 720, height: 420)
            let corr = pearsonCorrelation(measured.map { $0.bits! }, measured.map { $0.agreementSampled! })
            let gains = measured.map { $0.agreementMean! - $0.agreementSampled! }
            let gainMean = gains.reduce(0, +) / Double(measured.count)
            // the spread of the configurations' gains gives the standard error of their mean
            let gainSE = gains.count < 2 ? 0 : (gains.map { ($0 - gainMean) * ($0 - gainMean) }.reduce(0, +) / Double(gains.count - 1) / Double(gains.count)).squareRoot()
            let gain = Difference(gainMean, se: gainSE)
            r.metrics.extra["search_correlation_bits_agreement"] = corr
            r.metrics.extra["search_mean_gain_at_mean"] = gainMean
            r.metrics.extra["search_mean_gain_at_mean_standard_error"] = gainSE
            let winners = measured.filter { $0.agreementSampled! >= 0.9 && $0.bits! <= budget && $0.nll! < nllF }
            let inBudget = measured.filter { $0.bits! <= budget && $0.nll! < nllF }
            let bestInBudget = inBudget.max { $0.agreementSampled! < $1.agreementSampled! }
            r.prose("""
            What the search measured: \(measured.count >= 3 ? "across the \(measured.count) VLAEs, agreement and bits in $z$ have a correlation of \(fmt(corr, 2))" : "\(measured.count) VLAEs, too few for a correlation of agreement with bits in $z$"); decoding at $z = \\mu(x)$ instead of a sampled $z$ \(gainMean >= 0 ? "adds" : "takes away") \(fmt(abs(gainMean) * 100, 1)) points of agreement on
            average (standard error \(fmt(gainSE * 100, 1)) points over the configurations)\(gain.direction == .up ? ", so part of what is lost is the code's own noise, not the decoder" : gain.isClear ? "" : ", within the noise"). \(winners.isEmpty ? "**No configuration meets all three targets.**" : "Configurations that meet all three targets: \(winners.map { $0.variant.label(options) }.joined(separator: "; ")).")
            \(winners.isEmpty ? (bestInBudget.map { "Within the bit budget and with the better NLL, the most decompressions keep the digit with \($0.variant.label(options)): \(fmt($0.agreementSampled! * 100, 1))% with a sampled $z$, \(fmt($0.agreementMean! * 100, 1))% at $z = \\mu(x)$." } ?? "") : "")
            """)
            // Why this chapter's VLAE: its own row, and the measured rows that differ from it in one setting.
            if let mine = measured.first(where: { $0.variant == variant }) {
                let meets = winners.contains { $0.variant == variant }
                let neighbours = measured.filter { $0.variant.differences(from: variant).count == 1 }
                let isBest = bestInBudget?.variant == variant
                let verdict = meets
                    ? "This chapter's VLAE, \(variant.label(options)), is one of them, which is why this chapter uses it: \(fmt(mine.agreementSampled! * 100, 1))% agreement with a sampled $z$, \(fmt(mine.bits!, 1)) bits in $z$ (\(fmt(100 * mine.bits! / factorized.test.klBits, 0))% of the factorized model's) and an NLL of \(fmt(mine.nll!)) nats against \(fmt(nllF))."
                    : "This chapter's VLAE, \(variant.label(options)), does not meet them: \(fmt(mine.agreementSampled! * 100, 1))% agreement with a sampled $z$, \(fmt(mine.bits!, 1)) bits in $z$ (\(fmt(100 * mine.bits! / factorized.test.klBits, 0))% of the factorized model's), NLL \(fmt(mine.nll!)) nats."
                        + (isBest ? " It is the configuration closest to the bar within the budget, which is why this chapter uses it." : "")
                let around = neighbours.map { n in
                    "\(n.variant.label(options)) (\(n.variant.differences(from: variant)[0]) changed: \(fmt(n.agreementSampled! * 100, 1))% agreement, \(fmt(n.bits!, 1)) bits, NLL \(fmt(n.nll!)))"
                }
                r.prose(verdict + (around.isEmpty ? "" : " The measured configurations that differ from it in one setting: " + around.joined(separator: "; ") + "."))
            }
        }

        // Every number of the search table and its prose, in metrics.json.
        r.metrics.extra["search_budget_bits"] = budget
        r.metrics.extra["search"] = rows.map { row -> [String: Any] in
            var o: [String: Any] = ["label": row.variant.label(options), "allowance_bits": Double(row.variant.freeNats) / log(2),
                                    "source": row.bits == nil ? "not run" : row.recorded ? "recorded" : row.fromCache ? "cache" : "trained"]
            if let v = row.bits { o["bits_in_z"] = v }
            if let v = row.agreementSampled { o["class_agreement"] = v }
            if let v = row.agreementMean { o["class_agreement_at_mean"] = v }
            if let v = row.probe { o["probe_accuracy"] = v }
            if let v = row.nll { o["nll_iwae_nats"] = v }
            if let v = row.seconds { o["train_seconds"] = v }
            return o
        }
        // The reference figures beside this run's, labelled as such (not computed here).
        r.metrics.extra["reference_figures"] = ["paper_bits_factorized": paperFactorized, "paper_bits_vlae": paperVLAE,
                                                "paper_vlae_nll_nats": 79.03, "paper_vlae_decoder_layers": Double(paperVLAELayers),
                                                "pytorch_bits_factorized": 45.2, "pytorch_bits_vlae": 17.3, "pytorch_vlae_nll_nats": 87.1]

        // What the search says about the 90% bar, for the quiz below.
        let keepers = measured.filter { $0.agreementSampled! >= 0.9 }
        let bestSearch = measured.max { $0.agreementSampled! < $1.agreementSampled! }
        let searchVerdict: String
        if !keepers.isEmpty {
            searchVerdict = "In the search, \(keepers.map { "\($0.variant.label(options)) (\(fmt($0.agreementSampled! * 100, 1))%)" }.joined(separator: ", ")) \(keepers.count == 1 ? "reaches" : "reach") it: the table shows what changed."
        } else if let best = bestSearch {
            searchVerdict = "None of the \(measured.count) configurations of the search reaches 90% either (best: \(best.variant.label(options)), \(fmt(best.agreementSampled! * 100, 1))%)."
        } else {
            searchVerdict = "The search section (`--search`) measures configurations that might."
        }

        r.section("Against the paper and the PyTorch reference")
        r.table(header: ["", "bits in z, factorized", "bits in z, VLAE", "VLAE NLL (nats)"],
                rows: [
                    [.text("this run (MNIST-5k, VLAE D=\(variant.latentDim), \(variant.prior == .gaussian ? "no AF prior" : "AF prior"), \(vlae.run.epochsDone) epochs, k=\(k))"), .num(factorized.test.klBits, 1), .num(vlae.test.klBits, 1), .num(nllV)],
                    ["PyTorch reference (MNIST-5k, the book's 6-layer VLAE: D=32, no AF prior, 30 epochs, k=500)", .num(45.2, 1), .num(17.3, 1), .num(87.1)],
                    [.text("paper (MNIST 50k, D=64, VLAE: \(paperVLAELayers)-layer PixelCNN, AF prior, k=4096)"), .num(paperFactorized, 1), .num(paperVLAE, 1), .num(79.03)],
                ],
                caption: "Reference figures as published (paper) or as measured with PyTorch on the same model and data (docs/anchors.md); they are labelled, not computed by this run. \(variant.prior == .gaussian ? "This run's VLAE has a plain N(0, I) prior: the autoregressive-flow prior is chapter 6." : "This run's VLAE has chapter 6's autoregressive-flow prior.")")

        r.section("How decompressions are sampled")
        let few = 4
        let speed = try s.memo("sampling-speed", key: [vlae.key, "\(few)", "stepper"]) { () -> SamplingSpeed in
            var r1 = RNG(seed: 3)
            let z = Tensor.randomNormal([few, vlae.model.latentDim], std: 1, rng: &r1)
            var r2 = r1, r3 = r1
            let naive = timed { vlae.model.sample(z: z, rng: &r1, method: .naive) }
            let windowed = timed { vlae.model.sample(z: z, rng: &r2, method: .windowed) }
            let stepper = timed { vlae.model.sample(z: z, rng: &r3, method: .stepper) }
            return SamplingSpeed(naiveSeconds: naive.seconds, windowedSeconds: windowed.seconds, stepperSeconds: stepper.seconds,
                                 identical: naive.value == windowed.value, stepperIdentical: naive.value == stepper.value)
        }
        let reach = variant.decoder.receptiveRowsAbove
        r.prose("""
        A PixelCNN samples one pixel at a time: 784 decoder passes per image, if each pass runs the whole decoder
        (the naive sampler). But the logit of pixel $i$ only depends on pixels inside a window of \(reach + 1) rows ×
        \(2 * reach + 1) columns around it (its receptive field, \(field.count) pixels, fits inside), so a pass can run
        the decoder on that window alone (the windowed sampler). Better still, a feature of any layer at a pixel never
        changes once the pixels before it are drawn, so each can be computed once, when its pixel comes up, and kept
        (the stepper, `Sources/VLAE/Evaluation/PixelCNNStepper.swift`, also chapter 3's coder): one decoder pass per
        image in all. For \(few) images the naive sampler took \(fmt(speed.naiveSeconds, 2)) s, the windowed one
        \(fmt(speed.windowedSeconds, 2)) s (\(fmt(speed.naiveSeconds / speed.windowedSeconds, 1))× faster) and the stepper
        \(fmt(speed.stepperSeconds, 2)) s (\(fmt(speed.naiveSeconds / speed.stepperSeconds, 1))× faster). With the same seed the
        windowed sampler gave \(speed.identical ? "the naive sampler's images" : "DIFFERENT images from the naive sampler (a bug: please report it)"),
        and the stepper \(speed.stepperIdentical ? "them too" : "images that differ from them in some pixels (its sums run in another order, so a draw that falls within rounding of a probability can flip)").
        The decompressions and class agreements of this chapter are drawn with the stepper.
        """)

        let change = LossyCode.meanVsSample(sampled: keptV.agreementSampled, atMean: keptV.agreementMean, n: keptV.scored)
        s.record(factorized, extra: ["nll_iwae_nats": .number(nllF), "iwae_k": .number(Double(k)),
                                     "probe_accuracy": .number(keptF.probeAccuracy), "class_agreement": .number(keptF.agreementSampled),
                                     "probe_accuracy_sampled_z": .number(keptF.probeAccuracySampledZ),
                                     "class_agreement_at_mean": .number(keptF.agreementMean),
                                     "class_agreement_validation": .number(heldF.agreementSampled),
                                     "class_agreement_validation_at_mean": .number(heldF.agreementMean)])
        s.record(vlae, extra: ["nll_iwae_nats": .number(nllV), "iwae_k": .number(Double(k)),
                               "probe_accuracy": .number(keptV.probeAccuracy), "class_agreement": .number(keptV.agreementSampled),
                               "class_agreement_at_mean": .number(keptV.agreementMean),
                               "free_bits_nats_per_dim": .number(Double(variant.freeBits)),
                               "decoder_layers": .number(Double(variant.layers)),
                               "sampling_speedup": .number(speed.naiveSeconds / speed.windowedSeconds),
                               "sampling_speedup_stepper": .number(speed.naiveSeconds / speed.stepperSeconds),
                               "classifier_test_accuracy": .number(clf), "scored_digits": .number(Double(scoredCount)),
                               "class_agreement_validation": .number(heldV.agreementSampled),
                               "class_agreement_validation_at_mean": .number(heldV.agreementMean),
                               "bits_ratio_to_factorized": .number(ratio),
                               "probe_accuracy_sampled_z": .number(keptV.probeAccuracySampledZ),
                               "class_agreement_standard_error": .number(barTest.se),
                               "class_agreement_standard_errors_from_bar": .number(barTest.mean / max(barTest.se, 1e-12)),
                               "class_agreement_validation_standard_errors_from_bar": .number(barValidation.mean / max(barValidation.se, 1e-12)),
                               "validation_scored_digits": .number(Double(heldV.scored)),
                               "classifier_validation_accuracy": .number(heldV.classifierAccuracy),
                               "class_agreement_at_mean_change": .number(change.mean),
                               "class_agreement_at_mean_change_standard_error": .number(change.se),
                               "validation_minus_test_agreement_standard_error": .number(heldDelta.se),
                               "nll_minus_factorized_nats": .number(vlaeVsFactorizedNLL.mean),
                               "nll_minus_factorized_standard_error": .number(vlaeVsFactorizedNLL.se),
                               "free_bits_allowance_bits": .number(floorBits),
                               "bits_within_allowance": .number(vlae.test.klBits - aboveFloorBits),
                               "bits_above_allowance": .number(aboveFloorBits),
                               "dims_below_allowance": .number(Double(belowFloor)),
                               "receptive_field_pixels": .number(Double(field.count)),
                               "receptive_rows_above": .number(Double(field.rowsAbove)),
                               "sampling_seconds_naive": .number(speed.naiveSeconds),
                               "sampling_seconds_windowed": .number(speed.windowedSeconds),
                               "sampling_seconds_stepper": .number(speed.stepperSeconds),
                               "sampling_windowed_identical": .bool(speed.identical),
                               "sampling_stepper_identical": .bool(speed.stepperIdentical)])

        r.section("Check your understanding")
        r.quiz("Why should a PixelCNN with a small receptive field leave the digit's identity in z instead of modelling it itself?",
               choices: ["Its receptive field is too small to see the whole digit, so global structure is cheaper to send through z",
                         "Free bits forbid it", "The encoder is stronger than the decoder", "PixelCNNs cannot model binary images"],
               answer: 0,
               explanation: "Each logit sees only \(field.count) earlier pixels. Whether the image is a 3 or an 8 is a global fact the decoder cannot infer locally, so coding it in z pays off; local stroke detail it can model itself, and keeps out of z.")
        r.quiz(String(format: "This run's VLAE code holds %.1f bits and %.1f%% of its decompressions (z ~ q(z|x)) of %d test digits are recognised as the original digit, a standard error of %.1f points. Does the code keep the digit's class, by the book's bar of 90%%?", vlae.test.klBits, keptV.agreementSampled * 100, keptV.scored, barTest.se * 100),
               choices: LossyCode.barChoices,
               answer: LossyCode.barAnswer(keptV.agreementSampled, n: keptV.scored),
               explanation: LossyCode.keepsSentence(keptV.agreementSampled, n: keptV.scored)
                   + " On the validation digits, which the search never saw, it is \(fmt(heldV.agreementSampled * 100, 1))%."
                   + (barTest.direction == .down ? " " + searchVerdict : ""))
        r.quiz(String(format: "Free bits with λ = %.2f nats over %d dimensions: what do they do to a dimension whose KL is below λ?", variant.freeBits, variant.latentDim),
               choices: ["Force it up to λ nats", "Remove its KL penalty, without forcing it to carry anything", "Set it to zero"],
               answer: 1,
               explanation: "The objective uses max(λ, KL) per dimension: below λ the KL costs nothing, but nothing pushes it up either. In this run \(belowFloor) of \(variant.latentDim) dimensions carry less than λ on the test digits.")
        r.quiz(String(format: "Decoding the VLAE at z = μ(x) instead of a sampled z ~ q(z|x): in this run (%.1f%% agreement with a sampled z), did class agreement go up, down, or stay within twice its standard error?", keptV.agreementSampled * 100),
               choices: LossyCode.meanVsSampleChoices,
               answer: LossyCode.meanVsSampleAnswer(change),
               explanation: LossyCode.meanVsSampleExplanation(sampled: keptV.agreementSampled, atMean: keptV.agreementMean,
                                                              classifierAccuracy: clf, n: keptV.scored))

        r.references()

        try s.finish()
    }

}

extension VLAEVariant {
    /// The settings in which this configuration differs from `other`, in words.
    func differences(from other: VLAEVariant) -> [String] {
        var d: [String] = []
        if layers != other.layers { d.append("layers") }
        if channels != other.channels { d.append("channels") }
        if latentDim != other.latentDim { d.append("code size") }
        if freeBits != other.freeBits { d.append("free bits") }
        if epochs != other.epochs { d.append("run length") }
        if dynamic != other.dynamic { d.append("binarization") }
        if prior != other.prior { d.append("prior") }
        if adamax != other.adamax { d.append("optimiser") }
        return d
    }
}

/// What the search varies, in words, each axis computed from the configurations it holds
/// (an axis with a single value is left out).
func searchAxes(_ search: [VLAEVariant], _ o: CommonOptions) -> [String] {
    func values<T: Comparable & Hashable>(_ f: (VLAEVariant) -> T) -> [T] { Array(Set(search.map(f))).sorted() }
    func list<T>(_ xs: [T], _ show: (T) -> String) -> String {
        let s = xs.map(show)
        return s.count <= 2 ? s.joined(separator: " or ") : s.dropLast().joined(separator: ", ") + " or " + s.last!
    }
    var axes: [String] = []
    let lambdas = values { $0.freeBits }
    if lambdas.count > 1 {
        axes.append("the free-bits floor ($\\lambda$ = \(list(lambdas) { String(format: "%g", $0) }) nats per dimension; D × λ is the allowance of free nats, spread over the D dimensions)")
    }
    let layers = values { $0.layers }
    if layers.count > 1 { axes.append("the decoder's reach (\(list(layers) { "\($0)" }) masked layers)") }
    let channels = values { $0.channels }
    if channels.count > 1 {
        axes.append("the decoder's width (\(list(channels) { "\($0)" }) channels, marked ch: fewer channels give it less power to model strokes locally)")
    }
    let dims = values { $0.latentDim }
    if dims.count > 1 { axes.append("the code size (D = \(list(dims) { "\($0)" }) dimensions; the paper's is 64)") }
    if search.contains(where: { $0.prior != .gaussian }) && search.contains(where: { $0.prior == .gaussian }) {
        axes.append("the prior (N(0, I), or chapter 6's autoregressive-flow prior, marked AF, as the paper's VLAE has)")
    }
    if search.contains(where: \.dynamic) && search.contains(where: { !$0.dynamic }) {
        axes.append("the binarization (static, or redrawn every epoch, marked dyn)")
    }
    if search.contains(where: \.adamax) && search.contains(where: { !$0.adamax }) {
        axes.append("the optimiser (Adam at 1e-3, or the paper's Adamax at 2e-3, marked adamax)")
    }
    let runs = values { $0.trainingEpochs(o) }
    if runs.count > 1 { axes.append("the run length (\(list(runs) { "\($0)" }) epochs, marked ep when not the standard \(o.standardEpochs))") }
    return axes
}

/// One row of the search: measured by this run, read from the record (`recorded`), or neither (all nil).
struct SearchRow {
    var variant: VLAEVariant
    var key: String
    var bits: Double? = nil
    var agreementSampled: Double? = nil
    var agreementMean: Double? = nil
    var probe: Double? = nil
    var nll: Double? = nil
    var seconds: Double? = nil
    var recorded = false
    var fromCache = false
}

extension ModelCache.Origin {
    var isCached: Bool { if case .cached = self { return true } else { return false } }
}

struct SamplingSpeed: Codable {
    var naiveSeconds: Double, windowedSeconds: Double, stepperSeconds: Double, identical: Bool, stepperIdentical: Bool
}

Chapter5.main()
