// Chapter 0: the paradox.
//
// Run it:   swift run chapter0            (reads chapter 4's models from the cache; trains the two it needs if absent)
// Read it:  output/chapter0/index.html

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter0: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter0",
        abstract: "Chapter 0: the paradox. A more powerful decoder, a better model, and less information in z; a map of the book.")

    @OptionGroup var options: CommonOptions

    func run() throws { runChapter { try chapter() } }

    func chapter() throws {
        let s = ChapterSession(chapter: 0, subtitle: "A better decoder, a better model, and a code that says less", options: options)
        let r = s.report

        r.prose("""
        A variational autoencoder (VAE) learns two things at once: a **code** $z$ for each image, and a
        **decoder** $p(x \\mid z)$ that turns the code back into an image. We want the code to be a
        representation: it should say what the image is. We also want the model to be a good density model:
        it should give the data a high likelihood. The obvious way to get a better likelihood is a more
        powerful decoder. This chapter trains two VAEs that differ only in that, and measures both wishes.
        """)

        r.section("Two decoders, one experiment")
        let strongConfig: PixelCNNConfig? = ReceptiveFieldSweep.models(latentDim: options.latentDim).last.flatMap { c in
            if case .pixelCNN(let p) = c.decoder { return p } else { return nil }
        }
        let strongView = strongConfig.map { p -> String in
            let rf = ReceptiveField(p)
            return "\(p.layers) masked layers with a \(p.firstKernel)×\(p.firstKernel) first layer: \(rf.count(row: 14, column: 14)) of the \(14 * 28 + 14) earlier pixels reach the logit of the pixel (14, 14) in the middle of the image, up to \(rf.rowsAbove) rows above it, while \(rf.blindSpot) earlier pixels of that window stay hidden in the stack's blind spot (chapter 4 draws it)"
        } ?? "a stack of masked convolutions"
        r.prose("""
        Both models are VAEs \(r.cite("kingma2014")) with the same encoder and a \(options.latentDim)-dimensional Gaussian code, trained the same way on
        MNIST digits. The weak decoder is **factorized**: given $z$ every pixel is an independent coin, so
        everything about the digit (its class, its shape, each stroke) must come through $z$. The strong
        decoder is an **autoregressive PixelCNN** \(r.cite("oord2016pixel")) that also sees the pixels drawn so far
        (\(strongView)). These are the two
        ends of chapter 4's sweep; if chapter 4 ran with the same flags they come from the model cache.
        What "sees the pixels drawn so far" means is a mask on each convolution's taps; in the model module:
        """)
        r.moduleCode("masked-taps", in: "Layers/MaskedConv.swift",
                     paper: "Information that can be modeled locally by decoding distribution $p(x \\mid z)$ without access to $z$ will be encoded locally and only the remainder will be encoded in $z$.",
                     source: r.citet("chen2017") + ", §3")
        // @cell pair
        let training = options.training(epochs: options.standardEpochs)
        let sweep = ReceptiveFieldSweep.models(latentDim: options.latentDim)
        let weak = try s.train(sweep.first!, training)     // the factorized decoder
        let strong = try s.train(sweep.last!, training)    // the 12-layer PixelCNN
        // @end
        r.code("pair", caption: "Both models come from chapter 4's recipe (`ReceptiveFieldSweep`), so the chapters share one cache.")
        s.record(weak); s.record(strong)

        r.section("The paradox, measured")
        r.keyNumbers([
            KeyNumber("Bits in z, factorized", weak.test.klBits, unit: "bits", digits: 1),
            KeyNumber("Bits in z, PixelCNN", strong.test.klBits, unit: "bits", digits: 1),
            KeyNumber("−ELBO, factorized", -weak.test.elbo, unit: "nats", digits: 1),
            KeyNumber("−ELBO, PixelCNN", -strong.test.elbo, unit: "nats", digits: 1),
        ])
        r.table(header: ["decoder", "−ELBO (nats)", "bits in z", "active dims (> 0.1 nats)", "epochs"],
                rows: [weak, strong].map { m in
                    [.text(m.name), .num(-m.test.elbo), .num(m.test.klBits, 1), .text("\(m.test.activeUnits()) / \(m.model.latentDim)"),
                     .text("\(m.run.epochsDone)")]
                },
                caption: "Test split, \(s.binary.test.count) digits. −ELBO is an upper bound on −log p(x): lower is a better density model. Bits in z is the KL term, the size of the code.")

        let strongVsWeak = strong.negELBODifference(weak)    // < 0: the strong decoder's bound is better
        let better = strongVsWeak.direction == .down
        let lessInZ = strong.test.kl < weak.test.kl
        let share = strong.test.kl / max(weak.test.kl, 1e-9)
        if better && lessInZ {
            r.prose("""
            The strong decoder is the better density model (−ELBO **\(fmt(-strong.test.elbo, 1))** nats against
            \(fmt(-weak.test.elbo, 1)), a difference \(strongVsWeak.clause(unit: "nats", over: "these \(strong.test.count) digits"))), and its code holds **\(fmt(strong.test.klBits, 1)) bits**
            against \(fmt(weak.test.klBits, 1)): \(fmt(100 * share, 0))% of the factorized model's code, with
            \(strong.test.activeUnits()) of \(strong.model.latentDim) dimensions still in use. That is the paradox: **the better the
            model of the images, the less its code says about them**. Taken to its end, a decoder that can model
            the data alone ignores $z$ entirely (*posterior collapse*, chapter 2; \(r.citet("bowman2016")) saw it first with text), and the "autoencoder" no
            longer encodes anything.
            """)
        } else {
            r.prose("""
            In this run the strong decoder's −ELBO is \(fmt(-strong.test.elbo, 1)) nats against \(fmt(-weak.test.elbo, 1))
            (\(strongVsWeak.costWord), \(strongVsWeak.clause(unit: "nats", over: "these \(strong.test.count) digits"))), and its code holds \(fmt(strong.test.klBits, 1)) bits against
            \(fmt(weak.test.klBits, 1)) (\(lessInZ ? "less" : "not less")). The paradox the paper describes (a better
            density model whose code says less) does **not** show in full here\(options.quick ? "; this was a --quick run, whose models are trained too briefly for the strong decoder to pay off. Run without --quick" : ""). Chapter 4
            sweeps the decoders in between and looks at the trend.
            """)
        }
        try r.figure(Figures.klPerDimension([weak, strong]), name: "kl-per-dim",
                     caption: "How the code's nats spread over its \(options.latentDim) dimensions, largest first (test split). Under the dashed line a dimension carries next to nothing.")

        r.prose("""
        The paper \(r.cite("chen2017")) reads the paradox the other way round: it is not a bug but a
        **lever**. Whatever the decoder can model by itself stays out of $z$. So choose what the decoder
        can see, and you choose what the code keeps: a decoder that sees only a small neighbourhood of each
        pixel draws the strokes itself and leaves $z$ the global picture, which digit it is. That is a
        *lossy* code, and the model is the **Variational Lossy Autoencoder**.
        """)

        r.section("A map of the book")
        let questions: [Int: String] = [
            0: "Why does a better decoder make a worse code?",
            1: "What does a VAE optimise, term by term?",
            2: "When and why is the code ignored altogether?",
            3: "Why is the KL term a price in bits, paid for real by a compressor?",
            4: "What stays out of z as the decoder sees more?",
            5: "How does a small receptive field make z a lossy code of global structure?",
            6: "How does a learned prior make the code cheaper?",
            7: "Slide the decoder's receptive field and watch the code change.",
            8: "How close do we get to the paper's numbers?",
            9: "What did the book measure, and where did these ideas go next?",
        ]
        r.table(header: ["chapter", "title", "the question"],
                rows: Book.chapters.map { c in
                    let written = FileManager.default.fileExists(atPath: "\(options.pagesRoot)/chapter\(c.number)/index.html") || c.number == 0
                    return [.text("\(c.number)"), .text(written ? "[\(c.title)](../chapter\(c.number)/index.html)" : c.title),
                            .text(questions[c.number] ?? "")]
                },
                caption: "Chapter N runs with `swift run chapterN`, the whole book with `swift run book`. Chapters whose report exists in this output folder are linked; the book index (`output/index.html`) shows every chapter's status.")

        r.section("Check your understanding")
        let names = [weak.name, strong.name]
        let moreBits = weak.test.kl >= strong.test.kl ? 0 : 1
        r.quiz("In this run, which model's code carries more bits about the digit?",
               choices: names, answer: moreBits,
               explanation: "\(names[moreBits]) puts \(fmt(max(weak.test.klBits, strong.test.klBits), 1)) bits into z, the other \(fmt(min(weak.test.klBits, strong.test.klBits), 1)). \(moreBits == 0 ? "The decoder that sees the pixels drawn so far needs the code less." : "Here the PixelCNN's code is the larger one: this run does not show the decoder that sees more needing the code less.")")
        let lowerBound = weak.test.elbo >= strong.test.elbo ? 0 : 1
        r.quiz("Which model is the better density model of the test digits (lower −ELBO)?",
               choices: names, answer: lowerBound,
               explanation: "\(names[lowerBound]): \(fmt(-max(weak.test.elbo, strong.test.elbo), 1)) nats against \(fmt(-min(weak.test.elbo, strong.test.elbo), 1)). \(lowerBound == moreBits ? "Here the better model is also the one with the bigger code, so this run does not show the paradox." : "The better model has the smaller code: the paradox.")")

        r.quiz("By the paper's reading of the paradox, what stays out of z when the decoder can see more of the image?",
               choices: ["Nothing: a VAE's code always keeps everything about x",
                         "Whatever the decoder can model by itself from the pixels it sees; z keeps the rest",
                         "The digit's class, always first",
                         "Only the pixel noise"],
               answer: 1,
               explanation: "Coding a fact through z costs nats in the KL term; modelling it in the decoder does not. So the objective moves into the decoder whatever the decoder can predict from what it sees, and z keeps what lies outside its reach. In this run the code went from \(fmt(weak.test.klBits, 1)) bits (factorized) to \(fmt(strong.test.klBits, 1)) bits (PixelCNN).")
        r.references()

        try s.finish()
    }
}

Chapter0.main()
