// Chapter 2: posterior collapse.
//
// Run it:   swift run chapter2            (a few minutes; --quick for a classroom demo)
// Read it:  output/chapter2/index.html

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter2: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter2",
        abstract: "Chapter 2: posterior collapse, shown on data a PixelCNN can model alone; KL annealing and free bits.")

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Free-bits floor per latent dimension, nats.")
    var freeBits: Float = 0.25

    func run() throws { runChapter { try chapter() } }

    func chapter() throws {
        // The controlled dataset of this chapter (see the prose), and MNIST for the last section.
        let textures = Rule90Textures()
        let data = textures.dataset(train: 2000)
        let s = ChapterSession(chapter: 2, subtitle: "When the decoder can do it alone, z is ignored", options: options, data: data)
        let r = s.report

        r.prose("""
        Give a VAE a decoder strong enough to model the data by itself, and something strange can happen:
        the KL term falls to zero, $q(z \\mid x) = p(z)$ for every image, and the latent code carries
        nothing. This is **posterior collapse**, first seen with recurrent decoders of text \(r.cite("bowman2016")).
        The paper \(r.cite("chen2017")) explains why it is not a failure of optimisation
        but a preference of the objective. Coding an image through $z$ has a price the decoder does not pay:
        the posterior $q(z \\mid x)$ is only an approximation of the true posterior, and the ELBO charges for
        the gap,
        $$\\log p(x) - \\mathcal{L}(x) = D_{\\mathrm{KL}}\\left(q(z \\mid x) \\| p(z \\mid x)\\right) \\ge 0 .$$
        If the decoder $p(x \\mid z)$ can describe the data without $z$, the best ELBO has $z$ ignored: then
        $q(z \\mid x) = p(z) = p(z \\mid x)$ and the gap is exactly zero.
        """)
        r.callout(.note, """
        Collapse need not happen by itself in every small setup. On MNIST digits the reference 6-layer
        PixelCNN has a reason to keep a code, because a 3×3, 6-layer decoder cannot see a whole digit;
        whether it does is measured at the end of this chapter (and in chapter 4). To show collapse honestly,
        this chapter first uses data that such a decoder **provably** can model alone, then returns to MNIST.
        """, title: "An honest setup")

        r.section("Data a PixelCNN can model alone")
        r.prose("""
        Each image is drawn pixel by pixel in raster order. The top row is random (each pixel on with
        probability \(fmt(textures.rowZeroDensity, 2))); every later pixel is the XOR of its two upper
        neighbours ("rule 90"), flipped with probability \(fmt(textures.noise, 2)). Every pixel depends only
        on pixels that a 3×3 type-A mask shows the decoder, so a PixelCNN can represent this distribution
        exactly with no latent code. We also know its true negative log-likelihood in closed form.
        """)
        let exactNLL = (0..<data.test.count).map { textures.exactNLL(data.test.pixels[($0 * 784)..<(($0 + 1) * 784)]) }
            .reduce(0, +) / Double(data.test.count)
        try r.figure(Figures.grid(Array(data.test.pixels[0..<(16 * 784)]), columns: 8, zoom: 3), name: "textures",
                     caption: String(format: "16 test images. Their true −log p(x) averages %.2f nats over the %d test images.", exactNLL, data.test.count))

        r.section("Collapse, for real")
        r.prose("""
        The reference VAE (\(options.latentDim)-dimensional $z$, the encoder of chapter 1) with the
        6-layer 3×3 PixelCNN decoder, trained on the plain ELBO: no annealing, no free bits.
        """)
        // @cell collapse
        let epochs = options.epochs(default: 5, quick: 3, full: 15)
        let pixelCNN = ModelConfig(latentDim: options.latentDim, decoder: .pixelCNN(PixelCNNConfig(layers: 6, kernel: 3)))
        let plain = try s.train(pixelCNN, options.training(epochs: epochs))
        // @end
        r.code("collapse")
        let plainCheck = CollapseCheck(plain.test)
        let perDim = plainCheck.meanPerDim
        let collapsed = plainCheck.meanRuleCollapsed
        s.record(plain, extra: ["collapsed": .bool(collapsed), "kl_nats_per_dim": .number(perDim),
                                "collapsed_course_rule": .string(plainCheck.course.rawValue),
                                "dims_under_0_1_nats": .number(Double(plainCheck.inactive)),
                                "exact_nll_nats": .number(exactNLL)])
        r.keyNumbers([
            KeyNumber("KL in z (test)", plain.test.kl, unit: "nats", digits: 3),
            KeyNumber("Active units", text: "\(plain.test.activeUnits()) / \(plain.model.latentDim)"),
            KeyNumber("−ELBO", -plain.test.elbo, unit: "nats", digits: 2),
            KeyNumber("True −log p(x)", exactNLL, unit: "nats", digits: 2),
        ])
        let steps = plain.history.flatMap { $0.stepKL ?? [] }
        let peak = steps.max() ?? 0
        r.prose("""
        The KL ended at **\(fmt(plain.test.kl, 3)) nats** on the test set, \(fmt(perDim, 4)) nats per dimension,
        with \(plain.test.activeUnits()) of \(plain.model.latentDim) dimensions above the 0.1-nat threshold.\(steps.isEmpty ? "" : " During training the batch KL peaked at \(fmt(peak, 2)) nats (step \(1 + (steps.firstIndex(of: peak) ?? 0)) of \(steps.count)) and ended the last epoch at \(fmt(steps.suffix(10).reduce(0, +) / Double(min(10, steps.count)), 3)) (mean of the last 10 batches).")
        Meanwhile the bound reached \(fmt(-plain.test.elbo)) nats against the true \(fmt(exactNLL)) nats
        (\(fmt(-plain.test.elbo - exactNLL, 2)) nats above it)\(plain.test.kl < 1 ? ": the decoder learnt the data without help from $z$" : ", with $z$ still carrying part of it").
        """)
        r.prose("""
        Is that collapse? Two rules are in use, and they need not agree. The **mean rule** (used in this chapter
        until now) calls a model collapsed when the mean KL per dimension is under 0.1 nats. The **course's
        rule** calls it collapsed when more than 10–20% of the latent dimensions carry under 0.1 nats each
        (over \(fmt(CollapseCheck.highFraction * 100, 0))%: collapsed; \(fmt(CollapseCheck.lowFraction * 100, 0))–\(fmt(CollapseCheck.highFraction * 100, 0))%: the rule's grey zone).
        Here \(plainCheck.inactive) of \(plainCheck.dims) dimensions (\(fmt(plainCheck.inactiveFraction * 100, 0))%) are under
        0.1 nats, so the course's rule says **\(plainCheck.course.rawValue)**; the mean rule says
        **\(collapsed ? "collapsed" : "not collapsed")** (\(fmt(perDim, 4)) nats per dimension).
        \(plainCheck.rulesDisagree ? "The two rules disagree here: the nats that remain sit in a few dimensions." : "On this model the two rules agree.")
        """)
        let lastStep = steps.last ?? 0, firstStep = steps.first ?? 0
        let klStepsCaption = "KL(q(z|x) || p(z)) of each training batch: " + (peak > 2 * lastStep
            ? "it peaks at \(fmt(peak, 2)) nats while the encoder starts to talk, then falls to \(fmt(lastStep, 3)) as the decoder learns to do without it."
            : "from \(fmt(firstStep, 3)) nats at the first step to \(fmt(lastStep, 3)) at the last (peak \(fmt(peak, 2))).")
        if !steps.isEmpty {
            try r.figure(LineChart(title: "Batch KL during training (no remedies)", xLabel: "optimiser step", yLabel: "KL (nats per image)",
                                   series: [Series(name: plain.name, values: steps)]),
                         name: "kl-steps", caption: klStepsCaption)
        }
        try r.figure(Figures.klHeatmap(plain), name: "kl-heatmap",
                     caption: "KL of each latent dimension (rows) after each epoch (validation). On the test set \(plainCheck.inactive) of \(plainCheck.dims) dimensions end under 0.1 nats.")

        r.section("Decompressions that ignore the code")
        r.prose("""
        If $z$ is ignored, decoding a code gives a fresh sample of the data distribution, unrelated to the
        image that was encoded. Each row below starts with a test image $x$, followed by samples
        $x' \\sim p(x \\mid z)$ with $z \\sim q(z \\mid x)$.
        """)
        var rng = RNG(seed: options.seed).fork(22)
        let shown = 6, per = 5
        let originals = (0..<shown).map { data.test.image($0) }
        let plainDecoded = plain.model.decompress(originals.flatMap { $0 }, count: shown, samples: per, rng: &rng)
        try r.figure(Figures.decompressionGrid(originals: originals, samples: plainDecoded, rowLabels: (1...shown).map { "x\($0)" }),
                     name: "decompressions-collapsed", caption: "The PixelCNN model without remedies: each row is one x and \(per) samples decoded from its code (their agreement with x is measured below).")

        r.section("The same data through a factorized decoder")
        r.prose("""
        Collapse is a property of the decoder, not of the data. A factorized decoder draws every pixel
        independently given $z$, so it cannot produce XOR patterns by itself: whatever it knows about an image's
        pixels has to come through $z$. How much does it get there?
        """)
        // @cell factorized
        let factorized = try s.train(ModelConfig(latentDim: options.latentDim, decoder: .factorized), options.training(epochs: epochs))
        // @end
        r.code("factorized")
        let factCheck = CollapseCheck(factorized.test)
        s.record(factorized, extra: ["collapsed": .bool(factCheck.meanRuleCollapsed), "collapsed_course_rule": .string(factCheck.course.rawValue)])
        let factDecoded = factorized.model.decompress(originals.flatMap { $0 }, count: shown, samples: per, rng: &rng)
        let agreePlain = pixelAgreement(originals, plainDecoded), agreeFact = pixelAgreement(originals, factDecoded)
        let chance = pixelAgreementBaseline(data.test)
        // How much of the way from chance to a perfect copy the decompressions go (0: chance, 1: copies).
        let gainFact = (agreeFact - chance) / max(1 - chance, 1e-9), gainPlain = (agreePlain - chance) / max(1 - chance, 1e-9)
        func resemblance(_ gain: Double) -> String {
            gain >= 0.5 ? "resemble x" : gain >= 0.1 ? "resemble x only faintly" : "do not resemble x more than an unrelated texture does"
        }
        try r.figure(Figures.decompressionGrid(originals: originals, samples: factDecoded, rowLabels: (1...shown).map { "x\($0)" }),
                     name: "decompressions-factorized",
                     caption: "Factorized decoder: its samples \(resemblance(gainFact)) (\(fmt(agreeFact * 100, 1))% of pixels agree with x, \(fmt(chance * 100, 1))% by chance).")
        r.prose("""
        The factorized model keeps **\(fmt(factorized.test.kl)) nats** in $z$ with \(factorized.test.activeUnits())
        active dimensions, and its −ELBO is \(fmt(-factorized.test.elbo)) nats against the PixelCNN's \(fmt(-plain.test.elbo))
        and the true \(fmt(exactNLL)): \(fmt(-factorized.test.elbo - exactNLL, 1)) nats worse than the truth.
        A simple check of what the code holds: the fraction of pixels where a decompression agrees with
        its original is \(fmt(agreeFact * 100, 1))% for the factorized model and \(fmt(agreePlain * 100, 1))% for
        the PixelCNN model, while two unrelated textures from this process agree on about
        \(fmt(chance * 100, 1))% of pixels. So the factorized model's decompressions \(resemblance(gainFact))
        (\(fmt(gainFact * 100, 1))% of the way from chance to a copy), and the PixelCNN model's \(resemblance(gainPlain))
        (\(fmt(gainPlain * 100, 1))%). \(gainFact < 0.5 ? "A few nats cannot pin down hundreds of nearly random pixels: the factorized decoder uses $z$, but $z$ does not carry the picture, and the decoder cannot model this data well at all." : "Its code carries the picture.")
        """)

        r.section("Two remedies")
        r.prose("""
        **KL annealing** \(r.cite("bowman2016", "sonderby2016")) multiplies the KL term by a weight $\\beta$ that ramps from 0 to 1 during the first
        steps, so the encoder can start to carry information before it is charged for it. **Free bits**
        \(r.cite("kingma2016")) replace the KL term by $\\sum_j \\max(\\lambda, \\mathbb{E}_{\\text{batch}}[D_{\\mathrm{KL}, j}])$: each
        dimension may use $\\lambda$ nats for free, so there is no gradient pushing it below $\\lambda$.
        Free bits remove the penalty below $\\lambda$; they set no minimum: nothing pulls a dimension *up* to
        $\\lambda$ either. In the model module the whole idea is the `max`, and a backward that passes no
        gradient to a dimension under the floor:
        """)
        r.moduleCode("free-bits", in: "Objectives/FreeBits.swift",
                     paper: "We divide the latent dimensions into the $K$ groups … and use the following objective: $$\\widetilde{\\mathcal{L}}_\\lambda = \\mathbb{E}_{x \\sim \\mathcal{M}}\\left[\\mathbb{E}_{q(z \\mid x)}[\\log p(x \\mid z)]\\right] - \\sum_{j=1}^{K} \\operatorname{maximum}\\left(\\lambda, \\mathbb{E}_{x \\sim \\mathcal{M}}\\left[D_{KL}(q(z_j \\mid x) \\| p(z_j))\\right]\\right)$$ (Here every dimension is its own group, and $\\mathcal{M}$ is the minibatch.)",
                     source: r.citet("kingma2016") + ", appendix (free bits)")
        // @cell remedies
        let steps1 = (s.data.train.count + options.batchSize - 1) / options.batchSize
        let anneal = try s.train(pixelCNN, options.training(epochs: epochs, klAnnealSteps: 2 * steps1))
        let free = try s.train(pixelCNN, options.training(epochs: epochs, freeBits: freeBits))
        // @end
        r.code("remedies")
        for m in [anneal, free] {
            let c = CollapseCheck(m.test)
            s.record(m, extra: ["collapsed": .bool(c.meanRuleCollapsed), "collapsed_course_rule": .string(c.course.rawValue)])
        }
        let allFour = [plain, anneal, free, factorized]
        r.table(header: ["model", "−ELBO (nats)", "reconstruction", "KL in z (nats)", "dims under 0.1 nats", "course rule", "mean rule"],
                rows: allFour.map { m in
                    let c = CollapseCheck(m.test)
                    return [.text(m.name), .num(-m.test.elbo), .num(m.test.reconstruction), .num(m.test.kl, 3),
                            .text("\(c.inactive) / \(c.dims)"), .text(c.course.rawValue),
                            .text(c.meanRuleCollapsed ? "collapsed" : "not collapsed")]
                }, caption: String(format: "Test split. The true −log p(x) of this data is %.2f nats. Course rule: collapsed when over 20%% of the dimensions carry under 0.1 nats (10–20%%: grey zone); mean rule: collapsed when the mean KL per dimension is under 0.1 nats.", exactNLL))
        let disagree = allFour.filter { CollapseCheck($0.test).rulesDisagree }.map(\.name)
        r.prose(disagree.isEmpty ? "On these four models the course's rule and the mean rule agree."
                : "The two rules disagree on " + allFour.filter { CollapseCheck($0.test).rulesDisagree }.map { m in
                    let c = CollapseCheck(m.test)
                    return "\(m.name) (\(c.inactive) of \(c.dims) dimensions under 0.1 nats, \(fmt(c.inactiveFraction * 100, 0))%, while the mean is \(fmt(c.meanPerDim, 3)) nats per dimension)"
                }.joined(separator: "; ") + ": the mean hides how the nats are spread over the dimensions, the course's rule counts the idle ones.")
        try r.figure(LineChart(title: "Batch KL during training", xLabel: "optimiser step", yLabel: "KL (nats per image)",
                               series: [plain, anneal, free].map { m in Series(name: m.name, values: m.history.flatMap { $0.stepKL ?? [] }) }),
                     name: "kl-remedies", caption: "KL of each training batch for the plain, annealed and free-bits runs.")
        let floorNats = Double(freeBits) * Double(free.model.latentDim)
        let annealCheck = CollapseCheck(anneal.test), freeCheck = CollapseCheck(free.test)
        let freeVsPlain = free.negELBODifference(plain)      // < 0: free bits gave the better bound
        r.prose("""
        With annealing the KL ends at \(fmt(anneal.test.kl, 3)) nats\(annealCheck.meanRuleCollapsed ? ": the warm-up delays the decoder's takeover but, once $\\beta = 1$, nothing stops it, and the code collapses anyway by the mean rule" : ", above the mean rule's line of 0.1 nats per dimension") (course's rule: \(annealCheck.course.rawValue)). With free bits
        ($\\lambda$ = \(fmt(Double(freeBits), 2)) nats per dimension, \(fmt(floorNats, 1)) nats in all) the code
        keeps **\(fmt(free.test.kl, 2)) nats** with \(free.test.activeUnits()) active dimensions, \(free.test.kl < floorNats ? "**below** the \(fmt(floorNats, 1))-nat allowance: free bits take away the charge for the first λ nats of each dimension, they do not make the model use them" : "above the \(fmt(floorNats, 1))-nat allowance") (course's rule: \(freeCheck.course.rawValue)).
        Its −ELBO is \(fmt(-free.test.elbo)) nats against \(fmt(-plain.test.elbo)) without free bits, a difference of \(fmt(abs(freeVsPlain.mean), 3)) nats, \(freeVsPlain.clause(unit: "nats", over: "these \(free.test.count) digits", digits: 3)): \(freeVsPlain.direction == .down ? "free bits gave a better bound on this run" : freeVsPlain.direction == .up ? "the nats kept in $z$ cost more than they bought, the bound is worse" : "the nats kept in $z$ bought nothing measurable on this data").
        Keeping $z$ alive is not the same as making it useful; the next chapters make it useful
        by choosing what the decoder can *not* model.
        """)

        r.section("Back to MNIST")
        let mnist = options.loadData()
        let standard = options.training(epochs: options.standardEpochs)
        let sweep = ReceptiveFieldSweep.models(latentDim: options.latentDim, layers: [6])
        let found = sweep.compactMap { s.cachedModel($0, standard, on: mnist) }
        if found.count == sweep.count {
            r.prose("""
            On digits, \(found.count) of chapter 4's decoders (\(found.map(\.name).joined(separator: ", "))) give the numbers below;
            chapter 4 follows the code through every reach in between.
            """)
            r.table(header: ["decoder", "KL in z (nats)", "active dims (> 0.1 nats)", "−ELBO (nats)"],
                    rows: found.map { [.text($0.name), .num($0.test.kl), .text("\($0.test.activeUnits()) / \($0.model.latentDim)"), .num(-$0.test.elbo)] },
                    caption: "MNIST test split, models trained by chapter 4 (same seed and epochs), read from the model cache.")
            try r.figure(Figures.klPerDimension(found), name: "mnist-kl-per-dim",
                         caption: "KL per latent dimension on MNIST. Dimensions under 0.1 nats: " + found.map { "\($0.name) \(CollapseCheck($0.test).inactive) of \($0.model.latentDim)" }.joined(separator: ", ") + ".")
            for m in found { s.record(m, as: "mnist_" + m.name, extra: ["dataset": .string(mnist.name)]) }
            r.prose(found.map { m in
                let c = CollapseCheck(m.test)
                return "By the course's rule \(m.name) on MNIST is **\(c.course.rawValue)** (\(c.inactive) of \(c.dims) dimensions under 0.1 nats, \(fmt(c.inactiveFraction * 100, 0))%); by the mean rule it is \(c.meanRuleCollapsed ? "collapsed" : "not collapsed") (\(fmt(c.meanPerDim, 3)) nats per dimension)."
            }.joined(separator: " "))
        } else {
            r.callout(.tip, "Run `swift run chapter4` (same flags) and then this chapter again: this section then applies both collapse rules to chapter 4's MNIST models (factorized, 6-layer and widest PixelCNN), read from the model cache.",
                      title: "MNIST models not trained yet")
        }

        r.section("Check your understanding")
        r.quiz("Why does a decoder that can model the data alone drive the KL to zero, even though z could describe the image?",
               choices: ["The encoder's gradients vanish", "Coding through z costs the gap KL(q(z|x) || p(z|x)) on top; without z that gap is zero, so the ELBO prefers not to use z",
                         "The prior is too narrow", "The learning rate is too high"],
               answer: 1,
               explanation: "The ELBO equals log p(x) minus KL(q(z|x) || p(z|x)). If p(x|z) = p(x) can fit the data, ignoring z makes the posterior equal to the prior, which q matches exactly: the bound becomes tight.")
        r.quiz("Free bits kept \(fmt(free.test.kl, 1)) nats in z; its −ELBO was \(fmt(-free.test.elbo)) nats against the plain model's \(fmt(-plain.test.elbo)), a paired standard error of \(fmt(freeVsPlain.se, 3)) nats. Did free bits give a better bound (a lower −ELBO) on this data?",
               choices: Difference.costChoices,
               answer: freeVsPlain.costAnswer,
               explanation: freeVsPlain.direction == .down
                   ? "On this run the nats in z paid for themselves in reconstruction. The true −log p(x) is \(fmt(exactNLL)) nats: the decoder can model this data alone, so any gain is the optimiser's, not the data's need for z."
                   : "Information in z costs its KL; when the decoder can already model everything, that information buys no reconstruction gain.")
        r.quiz("With λ = \(fmt(Double(freeBits), 2)) nats per dimension over \(free.model.latentDim) dimensions, the free-bits model kept \(fmt(free.test.kl, 2)) nats. What do free bits guarantee?",
               choices: ["At least \(fmt(floorNats, 1)) nats in z", "No charge for the first λ nats of each dimension, but no minimum either", "Exactly λ nats in every dimension"],
               answer: 1,
               explanation: "The objective uses max(λ, KL_j): below λ the KL term is constant, so it neither pushes a dimension down nor pulls it up. This run kept \(fmt(free.test.kl, 2)) nats, \(free.test.kl < floorNats ? "below" : "above") the \(fmt(floorNats, 1))-nat allowance.")
        r.quiz("By the course's rule (collapsed when more than 10–20% of the latent dimensions carry under 0.1 nats), what is the PixelCNN model without remedies, with \(plainCheck.inactive) of \(plainCheck.dims) dimensions under 0.1 nats?",
               choices: ["collapsed", "in the grey zone (10–20%)", "not collapsed"],
               answer: plainCheck.course == .collapsed ? 0 : plainCheck.course == .greyZone ? 1 : 2,
               explanation: "\(plainCheck.inactive) of \(plainCheck.dims) is \(fmt(plainCheck.inactiveFraction * 100, 0))% of the dimensions. The mean rule says \(collapsed ? "collapsed" : "not collapsed") (\(fmt(perDim, 4)) nats per dimension).")

        r.references()

        try s.finish()
    }
}

/// The mean fraction of pixels where decompressions agree with their original.
func pixelAgreement(_ originals: [[Float]], _ decoded: [[[Float]]]) -> Double {
    var agree = 0.0, total = 0.0
    for (x, samples) in zip(originals, decoded) {
        for y in samples { agree += Double(zip(x, y).filter { $0 == $1 }.count); total += 784 }
    }
    return agree / max(total, 1)
}

/// Agreement between unrelated images of a set (consecutive pairs).
func pixelAgreementBaseline(_ set: ImageSet) -> Double {
    let n = min(set.count, 200)
    return (0..<(n - 1)).map { i in pixelAgreement([set.image(i)], [[set.image(i + 1)]]) }.reduce(0, +) / Double(n - 1)
}

Chapter2.main()
