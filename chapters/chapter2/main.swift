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
        nothing. This is **posterior collapse**. The paper explains why it is not a failure of optimisation
        but a preference of the objective. Coding an image through $z$ has a price the decoder does not pay:
        the posterior $q(z \\mid x)$ is only an approximation of the true posterior, and the ELBO charges for
        the gap,
        $$\\log p(x) - \\mathcal{L}(x) = D_{\\mathrm{KL}}\\left(q(z \\mid x) \\| p(z \\mid x)\\right) \\ge 0 .$$
        If the decoder $p(x \\mid z)$ can describe the data without $z$, the best ELBO has $z$ ignored: then
        $q(z \\mid x) = p(z) = p(z \\mid x)$ and the gap is exactly zero.
        """)
        r.callout(.note, """
        Collapse does not happen by itself in every small setup. With the reference 6-layer PixelCNN on MNIST
        digits the code stays in use (chapter 4 measures how much), because a 3×3, 6-layer decoder cannot
        see a whole digit. To show collapse honestly, this chapter first uses data that such a decoder
        **provably** can model alone, then returns to MNIST.
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
        let perDim = plain.test.kl / Double(plain.model.latentDim)
        let collapsed = perDim < 0.1
        s.record(plain, extra: ["collapsed": .bool(collapsed), "kl_nats_per_dim": .number(perDim),
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
        The KL \(collapsed ? "collapsed" : "did not collapse"): it ended at **\(fmt(plain.test.kl, 3)) nats** on
        the test set, \(fmt(perDim, 4)) nats per dimension, with \(plain.test.activeUnits()) of
        \(plain.model.latentDim) dimensions above the 0.1-nat threshold.\(steps.isEmpty ? "" : " During training the batch KL peaked at \(fmt(peak, 2)) nats (step \(1 + (steps.firstIndex(of: peak) ?? 0)) of \(steps.count)) and ended the last epoch at \(fmt(steps.suffix(10).reduce(0, +) / Double(min(10, steps.count)), 3)) (mean of the last 10 batches).")
        Meanwhile the bound reached \(fmt(-plain.test.elbo)) nats against the true \(fmt(exactNLL)) nats:
        the decoder learnt the data without help from $z$.
        """)
        if !steps.isEmpty {
            try r.figure(LineChart(title: "Batch KL during training (no remedies)", xLabel: "optimiser step", yLabel: "KL (nats per image)",
                                   series: [Series(name: plain.name, values: steps)]),
                         name: "kl-steps", caption: "KL(q(z|x) || p(z)) of each training batch: it rises while the encoder starts to talk, then the decoder learns to do without it.")
        }
        try r.figure(Figures.klHeatmap(plain), name: "kl-heatmap",
                     caption: "KL of each latent dimension (rows) after each epoch (validation): every row goes dark.")

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
                     name: "decompressions-collapsed", caption: "Collapsed model: the samples are new textures, not copies of x.")

        r.section("The same data through a factorized decoder")
        r.prose("""
        Collapse is a property of the decoder, not of the data. A factorized decoder cannot produce XOR
        patterns without being told where the pixels are, so on the same images it must use $z$.
        """)
        // @cell factorized
        let factorized = try s.train(ModelConfig(latentDim: options.latentDim, decoder: .factorized), options.training(epochs: epochs))
        // @end
        r.code("factorized")
        s.record(factorized, extra: ["collapsed": .bool(factorized.test.kl / Double(factorized.model.latentDim) < 0.1)])
        let factDecoded = factorized.model.decompress(originals.flatMap { $0 }, count: shown, samples: per, rng: &rng)
        try r.figure(Figures.decompressionGrid(originals: originals, samples: factDecoded, rowLabels: (1...shown).map { "x\($0)" }),
                     name: "decompressions-factorized", caption: "Factorized decoder: z carries the picture, so samples resemble x (blurred by the pixels z does not pin down).")
        let agreePlain = pixelAgreement(originals, plainDecoded), agreeFact = pixelAgreement(originals, factDecoded)
        r.prose("""
        The factorized model keeps **\(fmt(factorized.test.kl)) nats** in $z$ with \(factorized.test.activeUnits())
        active dimensions, and its −ELBO is \(fmt(-factorized.test.elbo)) nats against the PixelCNN's \(fmt(-plain.test.elbo)).
        A simple check of what the code holds: the fraction of pixels where a decompression agrees with
        its original is \(fmt(agreeFact * 100, 1))% for the factorized model and \(fmt(agreePlain * 100, 1))% for
        the collapsed one (two unrelated textures from this process agree on about
        \(fmt(pixelAgreementBaseline(data.test) * 100, 1))% of pixels).
        """)

        r.section("Two remedies")
        r.prose("""
        **KL annealing** multiplies the KL term by a weight $\\beta$ that ramps from 0 to 1 during the first
        steps, so the encoder can start to carry information before it is charged for it. **Free bits**
        replace the KL term by $\\sum_j \\max(\\lambda, \\mathbb{E}_{\\text{batch}}[D_{\\mathrm{KL}, j}])$: each
        dimension may use $\\lambda$ nats for free, so there is no gradient pushing it below $\\lambda$.
        """)
        // @cell remedies
        let steps1 = (s.data.train.count + options.batchSize - 1) / options.batchSize
        let anneal = try s.train(pixelCNN, options.training(epochs: epochs, klAnnealSteps: 2 * steps1))
        let free = try s.train(pixelCNN, options.training(epochs: epochs, freeBits: freeBits))
        // @end
        r.code("remedies")
        for m in [anneal, free] {
            s.record(m, extra: ["collapsed": .bool(m.test.kl / Double(m.model.latentDim) < 0.1)])
        }
        r.table(header: ["model", "−ELBO (nats)", "reconstruction", "KL in z (nats)", "active dims", "collapsed"],
                rows: [plain, anneal, free, factorized].map { m in
                    [.text(m.name), .num(-m.test.elbo), .num(m.test.reconstruction), .num(m.test.kl, 3),
                     .text("\(m.test.activeUnits()) / \(m.model.latentDim)"),
                     .text(m.test.kl / Double(m.model.latentDim) < 0.1 ? "yes" : "no")]
                }, caption: String(format: "Test split. The true −log p(x) of this data is %.2f nats.", exactNLL))
        try r.figure(LineChart(title: "Batch KL during training", xLabel: "optimiser step", yLabel: "KL (nats per image)",
                               series: [plain, anneal, free].map { m in Series(name: m.name, values: m.history.flatMap { $0.stepKL ?? [] }) }),
                     name: "kl-remedies", caption: "KL of each training batch for the plain, annealed and free-bits runs.")
        r.prose("""
        With annealing the KL ends at \(fmt(anneal.test.kl, 3)) nats\(anneal.test.kl / Double(anneal.model.latentDim) < 0.1 ? ": the warm-up delays the decoder's takeover but, once $\\beta = 1$, nothing stops it, and the code collapses anyway" : ", above the collapse line of 0.1 nats per dimension"). With free bits
        ($\\lambda$ = \(fmt(Double(freeBits), 2)) nats per dimension, \(fmt(Double(freeBits) * Double(free.model.latentDim), 1)) nats in all) the code
        keeps **\(fmt(free.test.kl, 2)) nats** with \(free.test.activeUnits()) active dimensions.\(free.test.elbo < plain.test.elbo ? " But on this data there is nothing in $z$ worth having: its" : " Its") −ELBO is \(fmt(-free.test.elbo)) nats against \(fmt(-plain.test.elbo))
        without it. Keeping $z$ alive is not the same as making it useful; the next chapters make it useful
        by choosing what the decoder can *not* model.
        """)

        r.section("Back to MNIST")
        let mnist = options.loadData()
        let standard = options.training(epochs: options.standardEpochs)
        let sweep = ReceptiveFieldSweep.models(latentDim: options.latentDim, layers: [6])
        let found = sweep.compactMap { s.cachedModel($0, standard, on: mnist) }
        if found.count == sweep.count {
            r.prose("""
            On digits the decoders of chapter 4 show the trend as it is. As the decoder's reach grows the code
            shrinks, without collapsing completely in this training budget:
            """)
            r.table(header: ["decoder", "KL in z (nats)", "active dims (> 0.1 nats)", "−ELBO (nats)"],
                    rows: found.map { [.text($0.name), .num($0.test.kl), .text("\($0.test.activeUnits()) / \($0.model.latentDim)"), .num(-$0.test.elbo)] },
                    caption: "MNIST test split, models trained by chapter 4 (same seed and epochs), read from the model cache.")
            try r.figure(Figures.klPerDimension(found), name: "mnist-kl-per-dim",
                         caption: "KL per latent dimension on MNIST: the stronger the decoder, the more dimensions fall under 0.1 nats (partial collapse).")
            for m in found { s.record(m, as: "mnist_" + m.name) }
        } else {
            r.callout(.tip, "Run `swift run chapter4` (same flags) and then this chapter again: this section then shows how the KL of MNIST models falls as the decoder's receptive field grows, from the models chapter 4 trained.",
                      title: "MNIST models not trained yet")
        }

        r.section("Check your understanding")
        r.quiz("Why does a decoder that can model the data alone drive the KL to zero, even though z could describe the image?",
               choices: ["The encoder's gradients vanish", "Coding through z costs the gap KL(q(z|x) || p(z|x)) on top; without z that gap is zero, so the ELBO prefers not to use z",
                         "The prior is too narrow", "The learning rate is too high"],
               answer: 1,
               explanation: "The ELBO equals log p(x) minus KL(q(z|x) || p(z|x)). If p(x|z) = p(x) can fit the data, ignoring z makes the posterior equal to the prior, which q matches exactly: the bound becomes tight.")
        r.quiz("Free bits kept \(fmt(free.test.kl, 1)) nats in z. Did that make the model better on this data?",
               choices: ["Yes, more information is always better", "No: its −ELBO was \(fmt(-free.test.elbo)) nats versus \(fmt(-plain.test.elbo)) for the collapsed model"],
               answer: 1,
               explanation: "Forcing information into z costs its KL; when the decoder can already model everything, that information buys no reconstruction gain.")

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
