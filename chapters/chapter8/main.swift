// Chapter 8: the experiments. The paper's results table at this machine's scale, the ablation,
// and how the importance-weighted bound tightens with k.
//
// Run it:   swift run chapter8            (--quick for a classroom demo, --iwae-k 4096 for the paper's k)
// Read it:  output/chapter8/index.html
// Score the book's models on your own test files: swift run evaluate --dataset idx:DIR

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter8: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter8",
        abstract: "Chapter 8: the paper's experiments at this machine's scale, beside its numbers.")

    @OptionGroup var options: CommonOptions

    @OptionGroup var iwae: IWAEOptions

    @Option(name: .long, help: "Largest k of the bound-against-k curve (a power of 4, at most 4096).")
    var curveK: Int?

    @Option(name: .long, help: "Test images the bound-against-k curve is computed on (one per class: 10).")
    var curveImages: Int?

    @OptionGroup var paper: PaperOptions

    func validate() throws {
        if let k = curveK, !Chapter8.curveKs(upTo: k).contains(k) { throw ValidationError("--curve-k must be one of 4, 16, 64, 256, 1024, 4096") }
        if let n = curveImages, n < 10 { throw ValidationError("--curve-images must be at least 10 (one per class)") }
    }

    /// 1, 4, 16, ... up to kMax (at most 4096).
    static func curveKs(upTo kMax: Int) -> [Int] { [1, 4, 16, 64, 256, 1024, 4096].filter { $0 <= kMax } }

    func run() throws { runChapter { try chapter() } }

    func chapter() throws {
        if paper.paper || paper.rows != nil { return try paperProtocol() }
        let s = ChapterSession(chapter: 8, subtitle: "The paper's results table, measured here and set beside the paper's", options: options)
        let recordedPaperRows = PaperProtocol.rowIDs.filter {
            PaperProtocol.read(PaperProtocol.file(PaperProtocol.recordsFolder, id: $0, binarization: options.dynamic ? "dynamic" : "static")) != nil
        }.count
        let r = s.report
        let test = s.binary.test
        // Chapter 6's defaults (IWAEOptions), so its bounds are read back from the memo rather than computed again.
        let k = iwae.k(options)
        let nllCount = iwae.images(options, testCount: test.count)
        let kMax = curveK ?? (options.quick ? 256 : 4096)
        let curveCount = min(curveImages ?? 10, test.count)
        let ks = Chapter8.curveKs(upTo: kMax)
        let onMNIST = s.data.name.lowercased().contains("mnist") && !s.data.name.lowercased().contains("fashion")
        // training images the models saw (--quick trains on a subset)
        let trainImages = options.maxTrainImages > 0 ? min(options.maxTrainImages, s.data.train.count) : s.data.train.count

        r.prose("""
        The paper's results are negative log-likelihoods, $-\\log p(x)$ in nats per image, bounded from above with
        the importance-weighted bound of \(r.citet("burda2016")) at $k$ = 4096 samples per test image, and set against the
        best density models of the time. This chapter builds the same table for every model the book trains, with the
        paper's numbers beside it **labelled as the paper's**, then the paper's ablation on our data, and then a look
        at the bound itself: how much it tightens as $k$ grows. Nothing here is trained specially: the models are the
        ones chapters 1, 4, 5 and 6 trained, read from the shared model cache (and trained now only if missing).
        Your own test files can be scored by the same models with `swift run evaluate --dataset idx:DIR`.
        The paper's own protocol, on full MNIST (50,000 training digits, the bound at $k$ = 4096 on 1,000 of the official test digits),
        is `swift run chapter8 --dataset mnist --paper`, one row per command (docs/paper-protocol.md); \(recordedPaperRows == 0 ? "none of its rows is recorded yet" : "\(recordedPaperRows) of its \(PaperProtocol.rowIDs.count) rows are recorded in records/chapter8-paper/ and shown there").
        """)

        // MARK: the bound
        r.section("The bound the table reports")
        r.prose("""
        For $z_1, \\dots, z_k \\sim q(z \\mid x)$,
        $$\\log p(x) \\;\\ge\\; \\mathcal{L}_k(x) = \\log \\frac{1}{k} \\sum_{i=1}^{k} \\frac{p(x \\mid z_i)\\, p(z_i)}{q(z_i \\mid x)} ,$$
        $\\mathcal{L}_1$ is the ELBO, $\\mathbb{E}[\\mathcal{L}_k]$ never decreases with $k$, and it tends to $\\log p(x)$ \(r.cite("burda2016")).
        Each term is a *log weight* $w_i = \\log p(x \\mid z_i) + \\log p(z_i) - \\log q(z_i \\mid x)$, a log-probability of a whole
        image (tens of nats below zero, so its exponential underflows): the average is taken with a log-sum-exp. The weights for one batch of codes, as the model module computes them
        (the prior and posterior may be flows, chapter 6):
        """)
        r.moduleCode("iwae-weights", in: "Objectives/IWAE.swift")
        r.moduleCode("iwae-log-weights", in: "Objectives/IWAE.swift",
                     paper: "$$\\mathcal{L}_k(x) = \\mathbb{E}_{h_1, \\ldots, h_k \\sim q(h \\mid x)}\\left[\\log \\frac{1}{k} \\sum_{i=1}^{k} \\frac{p(x, h_i)}{q(h_i \\mid x)}\\right]$$ (their $h$ is our $z$, and $p(x, z) = p(x \\mid z)\\, p(z)$)",
                     source: r.citet("burda2016") + ", §3")
        r.prose("""
        It is the heaviest computation of the book: $k$ decoder passes per image, \(500 * 4096) for the paper's $k$ = 4096 on 500
        test digits. What reads $x$ but not $z$ is computed once per image, not once per code. In the PixelCNN that is
        only the first (type-A) layer's convolution of $x$: every later layer reads a feature map that already holds $z$.
        """)
        r.moduleCode("shared-x-term", in: "Models/Decoders.swift")

        // MARK: models
        r.section("The models")
        let entries = BookModel.all
        r.prose("""
        \(entries.count) models, all trained on \(trainImages) training images of \(s.data.name) with the book's recipes
        (`Sources/ChapterKit/BookModels.swift`): \(entries.map { "the \($0.label) (chapter \($0.chapter))" }.joined(separator: ", ")).
        """)
        // @cell models
        var models: [TrainedModel] = []
        for entry in BookModel.all {
            models.append(try s.train(entry.recipe(options)))
        }
        // @end
        r.code("models")
        let trainedHere = models.filter { if case .cached = $0.origin { return false } else { return true } }
        let trainSecondsHere = trainedHere.reduce(0) { $0 + $1.run.trainSeconds }
        func model(_ id: String) -> TrainedModel { models[entries.firstIndex { $0.id == id }!] }
        let fact = model("factorized"), vlae = model("vlae"), vlaeAF = model("vlae-af"), vlaeIAF = model("vlae-iaf")
        let full = model("pixelcnn-full"), alone = model("pixelcnn-alone")

        // MARK: the table
        r.section("The results table")
        let loadBefore = loadAverage()
        var nll: [String: IWAEResult] = [:]
        // @cell table
        for m in models {
            nll[m.name] = try s.iwaeNLL(m, k: k, images: nllCount)
        }
        // @end
        let loadAfter = loadAverage()
        let digitIndices = s.iwaeDigitIndices(nllCount)
        func iw(_ m: TrainedModel) -> Double { nll[m.name]!.mean }
        /// -ELBO on the same digits as the bound (one posterior sample each).
        func negELBOSubset(_ m: TrainedModel) -> Double {
            digitIndices.map { Double(m.test.negativeELBOPerImage[$0]) }.reduce(0, +) / Double(digitIndices.count)
        }
        let loadText = [loadBefore, loadAfter].compactMap { $0 }.map { fmt($0, 2) }.joined(separator: " → ")
        r.prose("""
        −ELBO and bits in $z$ on all \(test.count) test images; the bound with $k$ = \(k) on \(digitIndices.count) of them
        (\(digitIndices.count == test.count ? "all" : "\(digitIndices.count / 10) of each class"), the same for every model; `--iwae-images` and `--iwae-k` change them).
        The PixelCNN alone has no $z$: its likelihood is exact.
        """)
        r.table(header: ["model", "−ELBO (nats)", "−ELBO, same images", "NLL, IWAE k=\(k)", "bits in z", "parameters", "training", "bound time"],
                rows: zip(entries, models).map { e, m in
                    [.text(e.label), .num(-m.test.elbo), .num(negELBOSubset(m)), .num(iw(m)), .num(m.test.klBits, 1),
                     .number(Double(m.model.parameterCount), digits: 0),
                     .text("\(m.run.epochsDone) ep, \(formatDuration(m.run.trainSeconds))"), .text(formatDuration(nll[m.name]!.seconds))]
                },
                caption: "\(s.data.name), static binarization, computed by this run (training times as measured when each model was trained; the bound's time in this run or when it was first computed, load average now \(loadText) on 2 cores).")

        // the checks the prose states, each from the numbers above
        let tighter = models.filter { $0.model.config.hasLatent }.map { ($0, negELBOSubset($0) - iw($0)) }
        let notTighter = tighter.filter { $0.1 < 0 }
        let vlaeVsAlone = pairedDifference(nll[alone.name]!.nllPerImage, nll[vlae.name]!.nllPerImage)
        let afVsGauss = pairedDifference(nll[vlae.name]!.nllPerImage, nll[vlaeAF.name]!.nllPerImage)
        let afVsIAF = pairedDifference(nll[vlaeIAF.name]!.nllPerImage, nll[vlaeAF.name]!.nllPerImage)
        let best = models.min { iw($0) < iw($1) }!
        let bestLabel = entries[models.firstIndex { $0.name == best.name }!].label
        func significance(_ x: (mean: Double, se: Double)) -> String {
            abs(x.mean) > 2 * x.se ? "more than twice its standard error of \(fmt(x.se)) nats" : "less than twice its standard error of \(fmt(x.se)) nats, within the noise of these \(digitIndices.count) images"
        }
        r.prose("""
        The best density model here is the **\(bestLabel)** at \(fmt(iw(best))) nats. The bound is
        \(notTighter.isEmpty ? "at or below the ELBO for every model with a code, as it must be in expectation: it tightened by \(tighter.map { fmt($0.1) }.joined(separator: ", ")) nats (in table order)"
                             : "**above** the ELBO for \(notTighter.map { pair in entries[models.firstIndex { $0.name == pair.0.name }!].label }.joined(separator: ", ")) on these images (by \(notTighter.map { fmt(-$0.1) }.joined(separator: ", ")) nats): the one-sample ELBO is itself noisy, and with \(digitIndices.count) images the two estimates can cross").
        The VLAE (Gaussian prior) is \(vlaeVsAlone.mean > 0 ? "**\(fmt(vlaeVsAlone.mean)) nats below** the PixelCNN alone" : "**not** below the PixelCNN alone (\(fmt(-vlaeVsAlone.mean)) nats above it)")
        (\(significance(vlaeVsAlone))). The AF prior \(afVsGauss.mean > 0 ? "improves on the Gaussian prior by \(fmt(afVsGauss.mean)) nats" : "does **not** improve on the Gaussian prior: it is \(fmt(-afVsGauss.mean)) nats behind") (\(significance(afVsGauss))),
        and it \(afVsIAF.mean > 0 ? "beats the IAF posterior by \(fmt(afVsIAF.mean)) nats" : "does **not** beat the IAF posterior: it is \(fmt(-afVsIAF.mean)) nats behind") (\(significance(afVsIAF))).
        """)

        // MARK: the paper's table
        r.section("The paper's table", level: 3)
        let paper = (staticVLAE: 79.03, staticAFVAE: 79.30, staticIAFVAE: 79.88, pixelRNN: 79.20, dynamicVLAE: 78.53,
                     alone: 87.55, gaussian: 79.48, af: 78.94, omniglot: 89.83, caltech: 77.36, cifarBits: 2.95)
        r.table(header: ["data (the paper's)", "model (the paper's)", "NLL as published"],
                rows: [
                    ["MNIST, static binarization", "VLAE (AF prior)", .num(paper.staticVLAE)],
                    ["MNIST, static binarization", "AF VAE", .num(paper.staticAFVAE)],
                    ["MNIST, static binarization", "IAF VAE", .num(paper.staticIAFVAE)],
                    ["MNIST, static binarization", "PixelRNN", .num(paper.pixelRNN)],
                    ["MNIST, dynamic binarization", "VLAE", .num(paper.dynamicVLAE)],
                    ["MNIST, dynamic (ablation)", "PixelCNN alone", .num(paper.alone)],
                    ["MNIST, dynamic (ablation)", "+ z, Gaussian prior", .num(paper.gaussian)],
                    ["MNIST, dynamic (ablation)", "+ z, AF prior", .num(paper.af)],
                    ["OMNIGLOT", "VLAE", .num(paper.omniglot)],
                    ["Caltech-101 Silhouettes", "VLAE", .num(paper.caltech)],
                    ["CIFAR-10", "VLAE", .text("\(fmt(paper.cifarBits)) bits/dim")],
                ],
                caption: "The paper's numbers (\(r.citet("chen2017")), its results tables), nats per image unless marked, IWAE with k = 4096; printed as published, not computed by this run.")
        let ourVLAE = iw(vlaeAF)
        r.prose("""
        Our AF-prior VLAE reaches \(fmt(ourVLAE)) nats where the paper's reaches \(fmt(paper.staticVLAE)) on statically binarized MNIST,
        \(fmt(ourVLAE - paper.staticVLAE)) nats \(ourVLAE > paper.staticVLAE ? "more" : "less"). The two numbers measure different things, and the differences are these:
        **data size**, \(trainImages) training images here against the paper's 50,000\(onMNIST ? "" : " (and not MNIST at all: this run is on \(s.data.name))");
        **binarization**, our own seeded threshold draw of the grey images against Larochelle's fixed binarized MNIST (and the paper's dynamic runs redraw it every epoch);
        **code size**, $D$ = \(options.latentDim) latent dimensions here against the paper's 64, and a \(BookModels.vlaeDefault.channels)-channel, \(BookModels.vlaeDefault.layers)-layer PixelCNN;
        **training**, \(vlaeAF.run.epochsDone) epochs of Adam here against the paper's much longer runs with Adamax and Polyak averaging;
        and **the bound**, $k$ = \(k) on \(digitIndices.count) test images here against $k$ = 4096 on all 10,000. What can be compared is the direction of each effect, not the digits.
        """)

        // MARK: ablation
        r.section("The ablation on our data")
        let ablationOurs = [iw(alone), iw(vlae), iw(vlaeAF)]
        try r.figure(BarChart(title: "The ablation: NLL, lower is better", xLabel: "", yLabel: "nats",
                              categories: ["PixelCNN alone", "+ z, Gaussian prior", "+ z, AF prior"],
                              series: [BarSeries(name: "this run (\(s.data.name), IWAE k=\(k))", values: ablationOurs),
                                       BarSeries(name: "paper (dynamic MNIST)", values: [paper.alone, paper.gaussian, paper.af])],
                              showValues: true, valueDigits: 2),
                     name: "ablation",
                     caption: "The paper's ablation (its numbers as published, labelled) beside ours, computed by this run on the same \(digitIndices.count) test images for every model.")
        let ourOrder = ablationOurs[0] > ablationOurs[1] && ablationOurs[1] > ablationOurs[2]
        r.prose("""
        In the paper each step helps: $z$ takes \(fmt(paper.alone - paper.gaussian)) nats off the PixelCNN alone and the AF prior another
        \(fmt(paper.gaussian - paper.af)). Here $z$ with a Gaussian prior \(vlaeVsAlone.mean > 0 ? "takes \(fmt(vlaeVsAlone.mean)) nats off" : "adds \(fmt(-vlaeVsAlone.mean)) nats to") the PixelCNN alone and the AF prior
        \(afVsGauss.mean > 0 ? "takes off another \(fmt(afVsGauss.mean))" : "adds \(fmt(-afVsGauss.mean)) back")\(ourOrder ? ": the paper's order, alone > Gaussian > AF." : ": **not** the paper's order in every step; the numbers are shown as they came out.")
        The PixelCNN alone here has \(fmt(iw(alone))) nats against the paper's \(fmt(paper.alone)); \(vlaeVsAlone.mean > 0 ? "a code with a Gaussian prior takes \(fmt(100 * vlaeVsAlone.mean / iw(alone), 1))% off it here" : "a code with a Gaussian prior does not lower it here"),
        \(fmt(100 * (paper.alone - paper.gaussian) / paper.alone, 1))% in the paper:
        the data, binarization and training differ (above), so it is the direction and the rough size of each step that compare.
        """)

        // MARK: the curve
        r.section("How the bound tightens with k")
        r.prose("""
        For the VLAE and the factorized VAE, \(kMax) log weights per image are drawn once, on \(min(curveCount, test.count)) test images
        (\(curveCount >= 10 ? "\(curveCount / 10) of each class" : "the first"); `--curve-k`, `--curve-images`). For each $k$ = \(ks.map(String.init).joined(separator: ", ")) the weights are split into
        \(kMax)/$k$ disjoint groups of $k$ and $-\\mathcal{L}_k$ is averaged over the groups: an estimate of $\\mathbb{E}[-\\mathcal{L}_k]$ that uses
        the same samples for every $k$.
        """)
        r.moduleCode("iwae-by-k", in: "Objectives/IWAE.swift")
        var curves: [(TrainedModel, [[Double]], Double)] = []
        for m in [vlae, fact] {
            let w = try s.iwaeLogWeights(m, k: kMax, images: curveCount)
            curves.append((m, w.value.map { boundByK($0, ks: ks) }, w.seconds))
        }
        func meanAt(_ perImage: [[Double]], _ i: Int) -> Double { perImage.map { $0[i] }.reduce(0, +) / Double(perImage.count) }
        func sdAt(_ perImage: [[Double]], _ i: Int) -> Double {
            let m = meanAt(perImage, i)
            return (perImage.map { ($0[i] - m) * ($0[i] - m) }.reduce(0, +) / Double(max(perImage.count - 1, 1))).squareRoot()
        }
        // the curve relative to k = 1 (the ELBO), so both models fit one chart; spread over images as ±1 sd
        var series: [Series] = []
        for (i, (m, perImage, _)) in curves.enumerated() {
            let name = i == 0 ? "VLAE" : "factorized"
            let drop = ks.indices.map { meanAt(perImage, $0) - meanAt(perImage, 0) }
            let sd = ks.indices.map { j in sdAt(perImage.map { img in img.map { $0 - img[0] } }, j) }
            series.append(Series(name: "\(name): mean over images", points: zip(ks, drop).map { (log2(Double($0)), $1) }, color: Palette.color(i, of: 2)))
            series.append(Series(name: "\(name): −1 sd", points: zip(ks, zip(drop, sd)).map { (log2(Double($0)), $1.0 - $1.1) }, color: Palette.color(i, of: 2), dashed: true))
            series.append(Series(name: "\(name): +1 sd", points: zip(ks, zip(drop, sd)).map { (log2(Double($0)), $1.0 + $1.1) }, color: Palette.color(i, of: 2), dashed: true))
            _ = m
        }
        try r.figure(LineChart(title: "−L_k minus −L_1 (the ELBO), nats", xLabel: "log₂ k", yLabel: "nats relative to k = 1", series: series, markers: true),
                     name: "bound-vs-k",
                     caption: "How much the bound tightens from k = 1 to k = \(kMax): mean over \(curves[0].1.count) test images (solid) and ±1 standard deviation over the images (dashed).")
        var curveRows: [[TableCell]] = []
        var violations: [String: Int] = [:]
        for (i, (m, perImage, seconds)) in curves.enumerated() {
            let means = ks.indices.map { meanAt(perImage, $0) }
            violations[m.name] = zip(means, means.dropFirst()).filter { $1 > $0 + 1e-9 }.count
            curveRows.append([.text(i == 0 ? "VLAE" : "factorized")] + means.map { .num($0) } + [.text(formatDuration(seconds))])
        }
        r.table(header: ["model"] + ks.map { "k = \($0)" } + ["time"], rows: curveRows,
                caption: "−L_k in nats, mean over the same \(curves[0].1.count) test images; time to draw the \(kMax) log weights per image (this run or when first computed).")
        let vlaeGain = meanAt(curves[0].1, 0) - meanAt(curves[0].1, ks.count - 1)
        let factGain = meanAt(curves[1].1, 0) - meanAt(curves[1].1, ks.count - 1)
        let monotone = violations.values.allSatisfy { $0 == 0 }
        r.prose("""
        From $k$ = 1 to $k$ = \(kMax) the bound tightens by **\(fmt(vlaeGain)) nats** for the VLAE and **\(fmt(factGain)) nats** for the factorized VAE.
        \(monotone ? "On average over the images it never increases with $k$, as the theory says it must in expectation."
                   : "On average it increased at \(violations.values.reduce(0, +)) step(s) of $k$: with few images and few groups at the largest $k$ the estimate is noisy (the theory only promises it in expectation).")
        What the bound gains is part of the ELBO's gap to $\\log p(x)$, which is $\\mathrm{KL}(q(z \\mid x) \\,\\|\\, p(z \\mid x))$:
        \(factGain > vlaeGain ? "the gain is larger for the factorized model, whose code also holds more bits (\(fmt(fact.test.klBits, 1)) against \(fmt(vlae.test.klBits, 1)))"
                              : "the gain is larger for the VLAE here, though its code holds fewer bits (\(fmt(vlae.test.klBits, 1)) against \(fmt(fact.test.klBits, 1)))").
        """)

        // MARK: time
        r.section("What the bound costs")
        let vlaeResult = nll[vlae.name]!
        let rate = Double(vlaeResult.nllPerImage.count * vlaeResult.k) / max(vlaeResult.seconds, 1e-9)
        let fullK = 4096.0 * 500
        r.prose("""
        The VLAE's bound took \(formatDuration(vlaeResult.seconds)) for \(vlaeResult.nllPerImage.count) images × $k$ = \(vlaeResult.k),
        **\(fmt(rate, 0)) samples per second** (load average \(loadText) on 2 cores when this run measured; a bound read from the memo keeps the time of its first run).
        At that rate the paper's $k$ = 4096 on 500 test images would take about **\(formatDuration(fullK / rate))**
        (`swift run chapter8 --iwae-k 4096 --iwae-images 500`; `swift run bench` times the same computation with the rows per pass it uses).
        \(k == 4096 ? "This run used $k$ = 4096: the table's bound times above are what it cost." : "")
        \(trainedHere.isEmpty ? "Every model came from the model cache." : "This run trained or resumed \(trainedHere.count) \(trainedHere.count == 1 ? "model" : "models") (\(trainedHere.map(\.name).joined(separator: ", "))); their training took \(formatDuration(trainSecondsHere)) in all, counting epochs trained before a resume\(onMNIST ? "" : "; on \(s.data.name) the whole table is long: that is the training time it took").")
        """)

        // MARK: metrics
        for (e, m) in zip(entries, models) {
            let res = nll[m.name]!
            s.record(m, extra: ["nll_iwae_nats": .number(res.mean), "iwae_k": .number(Double(res.k)),
                                "iwae_images": .number(Double(res.nllPerImage.count)), "iwae_seconds": .number(res.seconds),
                                "neg_elbo_same_images_nats": .number(negELBOSubset(m)), "label": .string(e.label)])
        }
        for (i, (m, perImage, seconds)) in curves.enumerated() {
            r.metrics.modelLists[m.name, default: [:]]["iwae_curve"] = ks.indices.map { ["k": .number(Double(ks[$0])), "nll_nats": .number(meanAt(perImage, $0))] }
            r.metrics.record(m.name, ["iwae_curve_images": .number(Double(perImage.count)), "iwae_curve_seconds": .number(seconds),
                                      "iwae_curve_increases": .number(Double(violations[m.name] ?? 0))])
            _ = i
        }
        r.metrics.record(vlae.name, ["iwae_samples_per_second": .number(rate)])
        r.keyNumbers([
            KeyNumber("VLAE (AF prior) NLL", iw(vlaeAF), unit: "nats", digits: 2, note: "IWAE k=\(k); paper \(fmt(paper.staticVLAE))"),
            KeyNumber("PixelCNN alone", iw(alone), unit: "nats", digits: 2, note: "exact; paper \(fmt(paper.alone)) (dynamic)"),
            KeyNumber("Bound k=1→\(kMax), VLAE", vlaeGain, unit: "nats", digits: 2, note: "how much k tightens it"),
        ])

        // MARK: quizzes
        r.section("Check your understanding")
        let vlaeK1 = meanAt(curves[0].1, 0)
        r.quiz("For the VLAE on these \(curves[0].1.count) images, −L_1 came out at \(fmt(vlaeK1)) nats and −L_\(kMax) at \(fmt(meanAt(curves[0].1, ks.count - 1))). What is −L_1?",
               choices: ["The negative ELBO, estimated with one posterior sample", "The exact −log p(x)", "The KL term alone", "A bound that is always below −log p(x)"],
               answer: 0,
               explanation: "With k = 1 the importance weight is p(x, z)/q(z|x) at a single z ~ q(z|x): its log is the one-sample ELBO. Averaging more weights inside the log tightens the bound, here by \(fmt(vlaeGain)) nats; −L_k stays an upper bound on −log p(x) for every k.")
        let factLooser = factGain > vlaeGain
        r.quiz("From k = 1 to k = \(kMax), which model's bound tightened more on these \(curves[0].1.count) images, and what does that gain measure?",
               choices: ["The VLAE's; the gain is part of its ELBO gap, KL(q(z|x) ‖ p(z|x))",
                         "The factorized VAE's; the gain is part of its ELBO gap, KL(q(z|x) ‖ p(z|x))",
                         "Neither; L_k does not depend on k"],
               answer: factLooser ? 1 : 0,
               explanation: "The VLAE's bound moved by \(fmt(vlaeGain)) nats and the factorized VAE's by \(fmt(factGain)). As k grows, −L_k comes down towards −log p(x); everything it gains was part of the gap between the ELBO and log p(x), which is KL(q(z|x) ‖ p(z|x)). The gain is a lower bound on that gap, not the gap itself: −L_\(kMax) is still above −log p(x).")
        r.quiz("This run's VLAE scored \(fmt(rate, 0)) importance samples per second. About how long would the paper's k = 4096 on 500 test images take at that rate?",
               choices: [formatDuration(fullK / rate / 8), formatDuration(fullK / rate), formatDuration(fullK / rate * 8)],
               answer: 1,
               explanation: "500 × 4096 = \(500 * 4096) decoder passes; \(500 * 4096) / \(fmt(rate, 0)) per second ≈ \(formatDuration(fullK / rate)). Every pass is a full PixelCNN forward: only its first layer's convolution of x is shared between the samples of one image.")

        r.prose("""
        Works this chapter relies on: the paper \(r.cite("chen2017")) and its baselines, PixelRNN and PixelCNN \(r.cite("oord2016pixel")),
        the IAF VAE \(r.cite("kingma2016")); the bound \(r.cite("burda2016")); the statically binarized MNIST of the paper's static
        rows \(r.cite("larochelle2011")) and OMNIGLOT \(r.cite("lake2015")).
        """)
        r.references()

        try s.finish()
    }
}

Chapter8.main()
