// Chapter 3: bits-back coding.
//
// Run it:   swift run chapter3            (reads the models of chapters 1 and 5 from the cache; trains what is missing)
// Read it:  output/chapter3/index.html    (the coders' table and chart, the gap to the ELBO, a β slider)

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter3: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter3",
        abstract: "Chapter 3: bits-back coding. The ELBO as the length of a real lossless code (BB-ANS), and the rate-distortion trade-off.")

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Test digits each coder codes into one message (default: all of them; with --quick 100).")
    var digits: Int?

    @Option(name: .long, help: "Digits to decode back with the two PixelCNN coders, pixel by pixel (default: all coded). The factorized coder always decodes all.")
    var decodeDigits: Int?

    @Option(name: .long, help: "Epochs of each beta-VAE's fine-tune in the rate-distortion sweep, from the book's trained model (default 1).")
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
        let settings = BBANSSettings()
        let test = s.binary.test
        let n = min(digits ?? (options.quick ? 100 : test.count), test.count)
        let images = (0..<n).map { Array(test.pixels[($0 * 784)..<($0 * 784 + 784)]) }
        let slowDecode = min(decodeDigits ?? n, n)

        r.prose("""
        A probabilistic model of digits is also a compressor: a digit the model gives probability $p(x)$ can be
        sent in about $-\\log_2 p(x)$ bits, and no code does better on average (Shannon). A VAE does not give
        $p(x)$, only the ELBO, a lower bound on $\\log p(x)$. This chapter shows that the negative ELBO is
        nevertheless the length of a real code, *bits-back coding* \(r.cite("hinton1993", "frey1997")), built here with asymmetric
        numeral systems as in BB-ANS \(r.cite("townsend2019")).
        We build the coder, run it on \(n == test.count ? "all \(n)" : "\(n) of the \(test.count)") test digits with three of the book's models,
        decode the messages back and compare the bits written with the ELBO. That reading of the ELBO is the
        argument the paper rests on \(r.cite("chen2017")), in its Section 2.2: a decoder that can model the data alone
        has no reason to pay for a code $z$.
        """)

        // MARK: the models
        r.section("The three models")
        let fRecipe = BookModels.factorized(options), vRecipe = BookModels.vlae(options), aRecipe = BookModels.pixelCNNAlone(options)
        // @cell models
        let factorized = try s.train(fRecipe)   // chapter 1's VAE
        let vlae = try s.train(vRecipe)         // the book's VLAE (chapters 6-8)
        let alone = try s.train(aRecipe)        // the PixelCNN with no latent code
        // @end
        r.code("models", caption: "The book's recipes (`Sources/ChapterKit/BookModels.swift`), shared through the model cache: the factorized VAE with chapter 1, the VLAE with chapters 6 to 8 (chapter 5 measures it in its search), the PixelCNN alone with chapter 6.")
        r.prose("""
        - **Factorized VAE** (chapter 1): \(fRecipe.summary), a \(factorized.model.latentDim)-dimensional code; test −ELBO \(fmt(-factorized.test.elbo)) nats.
        - **VLAE** (the book's, chapters 6 to 8): \(vRecipe.summary); test −ELBO \(fmt(-vlae.test.elbo)) nats, of which the KL (what $z$ carries) is \(fmt(vlae.test.kl)).
        - **PixelCNN alone**: \(aRecipe.summary); its −log p(x) is exact: \(fmt(-alone.test.elbo)) nats.
        """)

        // MARK: ANS
        r.section("A code length is −log₂ p")
        r.prose("""
        Asymmetric numeral systems \(r.cite("duda2013")) turn probabilities into bits with almost no overhead. The
        message is one big number, held as a 64-bit *head* and a stack of 32-bit words. To *push* a symbol of
        probability $f/2^{n}$, the head is divided by $f$ and multiplied by $2^{n}$: it grows by
        $\\log_2(2^{n}/f)$ bits, the symbol's ideal length. *Popping* is the exact inverse. Push and pop are
        last in, first out: ANS is a stack, and that is what bits-back coding needs.
        """)
        r.moduleCode("rans-push-pop", in: "Coding/ANSMessage.swift",
                     caption: "`Sources/VLAE/Coding/ANSMessage.swift` · push and pop, in integers only: the decoder reproduces the encoder bit for bit.")
        r.prose("""
        A pixel is a Bernoulli symbol. Its probability $\\sigma(\\text{logit})$ becomes an integer frequency out of
        $2^{\(settings.pixelPrecision)}$, clamped into $[1, 2^{\(settings.pixelPrecision)} - 1]$ so that no value ever gets
        frequency zero (a symbol of frequency zero cannot be coded at all).
        """)
        r.moduleCode("bernoulli", in: "Coding/BernoulliCoding.swift")

        // MARK: bits back
        r.section("The naive code, and the bits that come back")
        r.prose("""
        With a latent-variable model the obvious code is in two parts: pick a $z$ for the digit, send $z$ with
        the prior $p(z)$, then send $x$ with the decoder $p(x \\mid z)$. It costs
        $$-\\log_2 p(z) - \\log_2 p(x \\mid z)$$
        bits, far more than $-\\log_2 p(x)$: the receiver learns $x$ *and* the particular $z$, and $z$ is
        information nobody asked for. Bits-back coding gets that part back. The sender does not pick $z$ by
        itself: it *decodes* $z$ from bits already in the message, with the encoder's distribution $q(z \\mid x)$.
        Popping with $q$ reads $\\log_2 1/q(z \\mid x)$ bits off the message and yields a sample $z \\sim q(z \\mid x)$.
        Then it pushes $x$ with $p(x \\mid z)$ and $z$ with $p(z)$. Net, the message grows by
        $$\\log_2 \\frac{q(z \\mid x)}{p(z)\\,p(x \\mid z)} \\text{ bits, on average}$$
        $$\\mathbb{E}_{q}\\!\\left[-\\log_2 p(x \\mid z)\\right] + \\mathrm{KL}\\big(q(z \\mid x)\\,\\|\\,p(z)\\big) = -\\mathrm{ELBO} \\text{ (in bits)}.$$
        The receiver runs it backwards: pop $z$ with $p(z)$, pop $x$ with $p(x \\mid z)$, and now that it knows $x$
        it can compute $q(z \\mid x)$ and *push* $z$ back with it, restoring exactly the bits the sender popped.
        Those are the bits back: the encoder's own randomness, $H[q(z \\mid x)]$ bits in expectation. They are
        not any entropy of the decoder $p(x \\mid z)$, which is paid in full.
        """)
        r.prose("""
        Why −ELBO and not $-\\log_2 p(x)$? Because
        $$-\\mathrm{ELBO} = -\\log p(x) + \\mathrm{KL}\\big(q(z \\mid x)\\,\\|\\,p(z \\mid x)\\big):$$
        the sender draws $z$ from $q$, but the code would be optimal only if it drew from the true posterior
        $p(z \\mid x)$. That KL is exactly what a VAE pays over the true code length. It is zero when the
        decoder ignores $z$ (then $p(z \\mid x) = p(z)$) and the encoder says so, $q(z \\mid x) = p(z)$: every bit popped
        for $z$ is pushed straight back with the prior, and the code is simply the decoder's. So a decoder that can model the data on its own (a PixelCNN) lowers its
        code length by leaving $z$ unused, unless the inefficiency of coding through $z$ is outweighed by what
        $z$ saves it. That is the *information preference* of the paper (chapter 4).
        """)
        r.prose("""
        To code $z$ it must be discrete. Each of the \(vlae.model.latentDim) dimensions is cut into
        $2^{\(settings.latentBits)}$ buckets of equal mass under the prior $N(0, 1)$, so pushing a bucket with the prior
        costs exactly \(settings.latentBits) bits, and $z$ takes the bucket's centre. The posterior $q(z_j \\mid x)$ becomes
        an integer CDF over those buckets with $2^{\(settings.latentPrecision)}$ slots, every bucket at least one slot. Push and pop use
        the same integer table, so the CDF and its inverse agree exactly (a float CDF and a float inverse CDF do
        not, and coders built on them fail to decode on rare digits).
        """)
        r.moduleCode("bucket-push-pop", in: "Coding/LatentBuckets.swift")
        r.prose("The coder itself, one digit each way: the three moves and their reverse.")
        r.moduleCode("bits-back-encode", in: "Coding/BitsBack.swift",
                     caption: "`Sources/VLAE/Coding/BitsBack.swift` · BB-ANS for one digit. For a PixelCNN decoder the encoder computes every pixel's logit exactly as the decoder will (the stepper below, fed the known pixels instead of the popped ones), so both see the same frequencies.",
                     paper: "$$C_{\\mathrm{BitsBack}}(x) = \\mathbb{E}_{x \\sim \\mathrm{data},\\, z \\sim q(\\cdot \\mid x)}\\left[\\log q(z \\mid x) - \\log p(z) - \\log p(x \\mid z)\\right] = \\mathbb{E}_{x \\sim \\mathrm{data}}\\left[-\\mathcal{L}(x)\\right]$$ The coder's three moves pay these three terms: popping $z$ with $q$ gives back $\\log q(z \\mid x)$, pushing $x$ and $z$ costs $-\\log p(x \\mid z) - \\log p(z)$.",
                     source: "after " + r.citet("chen2017") + ", §2.2 (bits-back coding), in this book's notation")

        r.prose("""
        A PixelCNN decoder cannot hand the receiver all 784 probabilities at once: pixel $i$'s depends on the pixels before it,
        which the receiver only has once it has popped them. So both sides go through the pixels in raster order with the
        same *stepper*. The masks make every layer causal, so when pixels $0, \\dots, i-1$ are known, every layer's feature at
        pixel $i$ can be computed from features already computed, and never changes again \(r.cite("ramachandran2017")).
        A digit then costs one decoder pass each way, spread over 784 steps, not 784 passes. Each feature is summed in one
        fixed order, so the encoder, which feeds the stepper the digit's pixels, and the decoder, which feeds it the pixels it
        pops, compute the same logits bit for bit (a test in `Tests/VLAETests/CodingTests.swift` compares their bit patterns).
        """)
        r.moduleCode("pixelcnn-step", in: "Evaluation/PixelCNNStepper.swift",
                     caption: "`Sources/VLAE/Evaluation/PixelCNNStepper.swift` · one step: the L features at pixel j from the pixels and features before it, then the logit of pixel j.")

        // MARK: the run
        r.section("Three lossless coders on the test digits")
        let coders: [(m: TrainedModel, label: String, decode: Int)] = [
            (factorized, "factorized VAE (bits back)", n),
            (vlae, "VLAE (bits back)", slowDecode),
            (alone, "PixelCNN alone (plain ANS)", slowDecode),
        ]
        // @cell code-the-digits
        var measured: [CoderMeasurement] = []
        for c in coders {   // one message per model, every digit chained through it; decoded back, compared
            measured.append(try s.measureCoder(c.m, images: images, decodeCount: c.decode, settings: settings))
        }
        let packed = Baselines.packBits(images.flatMap { $0 })
        let gzipBits = Double(Baselines.gzip(packed).count * 8) / Double(n)
        let bzip2Bits = Double(Baselines.bzip2(packed).count * 8) / Double(n)
        let png = PNGBaseline.measure(try PNGBaseline.png(images.flatMap { $0 }, count: n))
        let pngFileBits = Double(png.fileBytes * 8) / Double(n), pngIDATBits = Double(png.idatBytes * 8) / Double(n)
        // @end
        r.code("code-the-digits", caption: "`measureCoder` (`Sources/ChapterKit/BitsBackRun.swift`) encodes, decodes and computes both ELBOs; it keeps its result beside the model cache, so a re-run reads it back.")
        for (c, x) in zip(coders, measured) {
            print(String(format: "%@: %.2f bits/digit (−ELBO discretised %.2f, continuous %.2f); encode %.2f digits/s, decode %.2f digits/s; %d/%d decoded exactly",
                         c.m.name, x.bitsPerDigit, x.negELBODiscreteBits, x.negELBOContinuousBits,
                         x.encodeDigitsPerSecond, x.decodeDigitsPerSecond, x.exact, x.decoded))
        }

        let raw = 784.0
        var rows: [[TableCell]] = []
        for (c, x) in zip(coders, measured) {
            rows.append([.text(c.label), .text("`\(c.m.name)`"), .num(x.bitsPerDigit), .num(x.bitsPerDigit / raw, 4), .num(raw / x.bitsPerDigit, 1)])
        }
        let baselines: [(String, String, Double)] = [
            ("gzip (zlib, level 9)", "packed bits, one stream", gzipBits),
            ("bzip2 (libbz2, 900k blocks)", "packed bits, one stream", bzip2Bits),
            ("PNG, 1-bit (libgd), whole file", "all digits in one image", pngFileBits),
            ("PNG, IDAT data only", "the compressed pixels", pngIDATBits),
        ]
        for (name, what, v) in baselines { rows.append([.text(name), .text(what), .num(v), .num(v / raw, 4), .num(raw / v, 1)]) }
        rows.append([.text("raw bits"), .text("one bit a pixel"), .num(raw, 0), .num(1, 4), .num(1, 1)])
        r.table(header: ["coder", "model / input", "bits per digit", "bits per pixel", "compression ratio"], rows: rows,
                caption: "Every coder on the same \(n) statically binarized test digits. The model coders' bits exclude the \(fmt(measured[0].cleanBits, 0)) initial clean bits (below); the baselines' include their headers, except the IDAT row.")

        let best = measured.indices.min { measured[$0].bitsPerDigit < measured[$1].bitsPerDigit }!
        let chartNames = ["factorized VAE", "VLAE", "PixelCNN alone", "gzip", "bzip2", "PNG file", "PNG IDAT"]
        let chartValues = measured.map(\.bitsPerDigit) + [gzipBits, bzip2Bits, pngFileBits, pngIDATBits]
        let chart = BarChart(title: "Bits per test digit (lower is better)", xLabel: "", yLabel: "bits per digit",
                             categories: chartNames, series: [BarSeries(name: "bits per digit", values: chartValues)],
                             showValues: true, valueDigits: 1)
        try r.figure(chart, name: "bits-per-digit", caption: "The table as a chart: the three model coders, then the general-purpose compressors.", width: 760, height: 400)

        let v = measured[1]
        let baselineBest = min(gzipBits, bzip2Bits, pngFileBits, pngIDATBits)
        let beats = [("gzip", gzipBits), ("bzip2", bzip2Bits), ("PNG (file)", pngFileBits), ("PNG (IDAT)", pngIDATBits)]
        let beaten = beats.filter { v.bitsPerDigit < $0.1 }
        r.prose("""
        The shortest code of the three comes from the \(coders[best].label) coder: \(fmt(measured[best].bitsPerDigit, 1)) bits per digit. \
        \(beaten.count == beats.count
            ? "The VLAE's coder beats every general-purpose compressor: \(beats.map { "\($0.0) by \(fmt($0.1 - v.bitsPerDigit, 1)) bits (\(fmt($0.1 / v.bitsPerDigit, 2))×)" }.joined(separator: ", "))."
            : "The VLAE's coder does **not** beat \(beats.filter { v.bitsPerDigit >= $0.1 }.map(\.0).joined(separator: " and ")) on these digits (\(fmt(v.bitsPerDigit, 1)) bits against \(fmt(baselineBest, 1)) for the best of them).") \
        The general-purpose compressors know nothing about digits; the models learned what digits look like from \(options.maxTrainImages > 0 ? min(options.maxTrainImages, s.data.train.count) : s.data.train.count) training images.
        """)

        // MARK: measured vs ELBO
        r.section("Measured bits against the ELBO")
        let vlaeLayers: Int = { if case .pixelCNN(let p) = vlae.model.config.decoder { return p.layers } else { return 0 } }()
        let ln2 = log(2.0)
        var gapRows: [[TableCell]] = []
        for (c, x) in zip(coders, measured) {
            gapRows.append([.text(c.label), .num(x.bitsPerDigit), .num(x.negELBODiscreteBits, 3), .num(x.negELBOContinuousBits, 3),
                            .text(fmt((x.bitsPerDigit - x.negELBODiscreteBits) / x.negELBODiscreteBits * 100, 2) + " %"),
                            .num(-c.m.test.elbo / ln2)])
        }
        r.table(header: ["coder", "measured (bits/digit)", "−ELBO, discretised z", "−ELBO, continuous z", "measured vs discretised", "−ELBO of the model's evaluation"],
                rows: gapRows,
                caption: "−ELBO in bits over the same digits: with the latent discretised into the coder's buckets, and with the continuous latent the model was trained with (both averaged over \(measured[0].boundSamples) draws of z per digit). The last column is the one-draw evaluation the other chapters report (all \(test.count) test digits).")
        let within = measured.filter { abs($0.relativeGap) <= 0.01 }.count
        func decomposition(_ c: (m: TrainedModel, label: String, decode: Int), _ x: CoderMeasurement) -> String {
            let disc = x.negELBODiscreteBits - x.negELBOContinuousBits
            let draw = x.idealNetFloat - x.negELBODiscreteBits
            let prec = x.idealNet - x.idealNetFloat
            let ans = x.bitsPerDigit - x.idealNet
            let parts = c.m.model.config.hasLatent
                ? "discretising $z$ \(signed(disc)), the coder's one draw of $z$ per digit against the \(x.boundSamples)-draw average \(signed(draw)) (\(Difference(draw, se: x.oneDrawStandardErrorBits ?? 0).noiseVerdict())), quantising the probabilities \(signed(prec)), ANS's own overhead \(signed(ans))"
                : "quantising the probabilities \(signed(prec)), ANS's own overhead \(signed(ans)) (no latent: nothing to discretise or draw; its −ELBO is −log₂ p(x)\(abs(draw) >= 0.0005 ? ", and the evaluation differs by \(signed(draw))" : ""))"
            return "- **\(c.label)**: measured − continuous −ELBO = \(signed(x.bitsPerDigit - x.negELBOContinuousBits)) bits per digit, made of \(parts)."
        }
        r.prose("""
        \(within == measured.count ? "For all three coders" : "For \(within) of the three coders") the measured length is within 1% of the discretised −ELBO \
        (\(zip(coders, measured).map { "\($0.0.label): \(signedPercent($0.1.relativeGap))" }.joined(separator: "; "))). The difference from the \
        continuous −ELBO, the number the model was trained on, splits exactly into four parts (bits per digit):

        \(zip(coders, measured).map { decomposition($0.0, $0.1) }.joined(separator: "\n"))

        \(biasNote(zip(coders, measured).filter { $0.0.m.model.config.hasLatent }.map { ($0.0.label, $0.1) }, n: n))

        The *clean bits*: the first digit's pop with $q(z \\mid x)$ has to read bits from a message that holds
        nothing yet, so the message starts with \(fmt(measured[0].cleanBits, 0)) seeded random bits. They are not counted above; the
        decoder ends on exactly them, so they are borrowed, not spent. Counted in, they would add
        \(fmt(measured[0].cleanBits / Double(n), 2)) bits per digit over \(n) digits, and less the longer the chain.
        """)
        // The VLAE's code against the PixelCNN alone's, with the standard error of their paired
        // per-digit −ELBO difference (bits) on the same digits: the coder lengths track it within 1%.
        let vlaeVsAlone = Difference(measured[1].bitsPerDigit - measured[2].bitsPerDigit,
                                     se: Difference(paired: vlae.test.negativeELBOPerImage.prefix(n).map { Double($0) / log(2.0) },
                                                    alone.test.negativeELBOPerImage.prefix(n).map { Double($0) / log(2.0) }).se)
        r.metrics.extra["vlae_minus_pixelcnn_alone_bits_per_digit_standard_error"] = vlaeVsAlone.se
        r.prose("""
        Where the bits go in the factorized coder, per digit on average: it pops \(fmt(measured[0].bitsBack, 1)) bits with $q(z \\mid x)$,
        pushes \(fmt(measured[0].pixelsBits, 1)) bits of pixels with $p(x \\mid z)$ and \(fmt(measured[0].priorBits, 0)) bits of $z$ with the prior
        (\(settings.latentBits) per dimension). The naive two-part code would cost \(fmt(measured[0].pixelsBits + measured[0].priorBits, 1)) bits; bits back brings it to
        \(fmt(measured[0].idealNet, 1)), and the net price of $z$ is \(fmt(measured[0].priorBits - measured[0].bitsBack, 1)) bits, against its KL of
        \(fmt(measured[0].klDiscreteBits, 1)) bits (discretised latent, averaged over draws). For the VLAE the net price of $z$ is \(fmt(measured[1].priorBits - measured[1].bitsBack, 1)) bits, its pixels \(fmt(measured[1].pixelsBits, 1)).
        \(vlaeVsAlone.direction == .withinNoise
          ? "The VLAE and the PixelCNN alone code these digits within the noise of each other (\(fmt(abs(vlaeVsAlone.mean), 1)) bits per digit apart; the standard error of their paired per-digit −ELBO difference over these \(n) digits is \(fmt(vlaeVsAlone.se, 1)) bits)."
          : vlaeVsAlone.direction == .up
          ? "And the PixelCNN alone, which pays nothing for a code, is \(fmt(measured[1].bitsPerDigit - measured[2].bitsPerDigit, 1)) bits per digit *shorter* than the VLAE: on these digits, coding through $z$ does not pay for itself, exactly the inefficiency the bits-back argument predicts."
          : "The VLAE is \(fmt(measured[2].bitsPerDigit - measured[1].bitsPerDigit, 1)) bits per digit shorter than the PixelCNN alone: what $z$ saves its \(vlaeLayers)-layer decoder outweighs what coding through $z$ costs.")
        """)

        // MARK: round trip and speed
        r.section("Every digit back, bit for bit")
        let allFull = measured.allSatisfy { $0.fullDecode }
        var rtRows: [[TableCell]] = []
        for (c, x) in zip(coders, measured) {
            rtRows.append([.text(c.label), .text("\(x.exact) / \(x.decoded)" + (x.fullDecode ? "" : " (the last \(x.decoded) coded)")),
                           .num(x.encodeDigitsPerSecond, 1), .num(x.decodeDigitsPerSecond, 1),
                           .num(Double(x.messageBytes), 0)])
        }
        r.table(header: ["coder", "decoded exactly", "encode (digits/s)", "decode (digits/s)", "message (bytes)"], rows: rtRows,
                caption: "Round trips and throughput, measured by the run that coded the digits (the times depend on the machine and on what else it was running)."
                    + (allFull ? "" : " With fewer digits decoded than coded, the stack gives back the last ones coded first."))
        let totalExact = measured.map(\.exact).reduce(0, +), totalDecoded = measured.map(\.decoded).reduce(0, +)
        r.prose("""
        \(totalExact == totalDecoded ? "Every decoded digit equals the original, pixel for pixel" : "**\(totalDecoded - totalExact) decoded digits differ from the originals**"): \
        \(zip(coders, measured).map { "\($0.1.exact)/\($0.1.decoded) for the \($0.0.label)" }.joined(separator: ", ")).\
        \(allFull ? " Each decode ran the whole message back and ended on the initial clean bits, and the digits' checksum matched." : " The factorized coder's decode ran the whole message back, ended on the initial clean bits and matched the digits' checksum; the PixelCNN coders decoded the last \(slowDecode) digits of their messages (all: `--decode-digits \(n)`).") \
        A PixelCNN coder decodes pixel by pixel, as sampling does (chapter 5), but with the stepper each feature is computed once,
        so a digit costs one decoder pass; the encoder, which knows every pixel, runs the same stepper so that both sides see
        identical floating-point probabilities.
        """)

        // MARK: rate-distortion
        r.section("Rate and distortion: a β slider over real models")
        let sweepE = sweepEpochs ?? 1
        let epochsText = "\(sweepE) epoch\(sweepE == 1 ? "" : "s")"
        r.prose("""
        The ELBO's two terms are the two parts of the code: the KL is the *rate*, the bits $z$ costs net, and
        $\\mathbb{E}_q[-\\log p(x \\mid z)]$ the *distortion*, the bits the decoder still needs for the pixels. A
        β-VAE \(r.cite("higgins2017")) trains on distortion + β × rate: β < 1 makes bits in $z$ cheap, β > 1 dear.
        Below, the factorized VAE is fine-tuned at β ∈ {\(Self.factorizedBetas.map { fmtBeta($0) }.joined(separator: ", "))} and the VLAE's decoder (without free bits, so β alone
        sets the price) at β ∈ {\(Self.vlaeBetas.map { fmtBeta($0) }.joined(separator: ", "))}. Each run starts from the trained model above (the factorized VAE of chapter 1,
        \(fRecipe.training.epochs) epochs at β = 1; the book's VLAE, \(vRecipe.training.epochs) epochs with free bits) and trains \(epochsText) at its β, the
        β = 1 points included, so that every point has had the same training. These are *warm-started* β-VAEs: a path from one
        trained model, much cheaper than training each β from scratch, and after \(epochsText) a point need not have settled where a
        whole run at that β would end. Each is kept in the model cache and measured on the test digits with the true ELBO (β = 1),
        so every point is a real code length.
        """)
        // @cell beta-sweep
        let vlaeNoFreeBits = BookModels.vlae(options, freeBits: 0)
        let vJobs = Self.vlaeBetas.map { (start: vlae, recipe: vlaeNoFreeBits.with(beta: $0, epochs: sweepE)) }
        let fJobs = Self.factorizedBetas.map { (start: factorized, recipe: fRecipe.with(beta: $0, epochs: sweepE)) }
        let tuned = try s.fineTuneAll(vJobs + fJobs)   // two at a time, the longer VLAE runs first
        let sweep: [(beta: Float, decoder: String, m: TrainedModel)] =
            zip(Self.factorizedBetas, tuned.suffix(fJobs.count)).map { ($0, "factorized", $1) }
            + zip(Self.vlaeBetas, tuned.prefix(vJobs.count)).map { ($0, "VLAE", $1) }
        // @end
        r.code("beta-sweep", caption: "`with(beta:epochs:)` changes only the KL weight and the run length of the book's recipes; `fineTune` starts a run from the trained model's weights (a fresh optimiser) and caches it under a key that names that model; `fineTuneAll` runs independent fine-tunes two at a time, one per core.")

        let fs = sweep.filter { $0.decoder == "factorized" }, vs = sweep.filter { $0.decoder == "VLAE" }
        // which way each fine-tune moved the rate from its start: up for beta < 1, down for beta > 1?
        let moves = fs.map { ($0.beta, $0.m.test.kl - factorized.test.kl) } + vs.map { ($0.beta, $0.m.test.kl - vlae.test.kl) }
        let priced = moves.filter { $0.0 != 1 }
        let movedAsPriced = priced.filter { ($0.0 < 1) == ($0.1 > 0) }.count
        r.prose("""
        From its start (a rate of \(fmt(factorized.test.kl, 1)) nats for the factorized VAE, \(fmt(vlae.test.kl, 1)) for the VLAE), \
        \(movedAsPriced == priced.count ? "every fine-tune with β < 1 raised the rate and every one with β > 1 lowered it"
            : "\(movedAsPriced) of the \(priced.count) fine-tunes with β ≠ 1 moved the rate the way β prices it (up for β < 1, down for β > 1)"): \
        \(moves.map { "β = \(fmtBeta($0.0)): \(signed1($0.1))" }.joined(separator: ", ")) nats (factorized, then VLAE). \
        At β = 1 a fine-tune is one more epoch of the start's own objective, except that the VLAE's runs drop its free-bits floor: \
        there the rate moved by \(moves.filter { $0.0 == 1 }.map { signed1($0.1) }.joined(separator: " and ")) nats.
        """)
        let curve = LineChart(title: "Rate against distortion (test digits)", xLabel: "rate: KL(q(z|x) || p(z)), nats",
                              yLabel: "distortion: E[−log p(x|z)], nats",
                              series: [Series(name: "factorized decoder", points: fs.map { ($0.m.test.kl, $0.m.test.reconstruction) }),
                                       Series(name: "VLAE decoder (PixelCNN, no free bits)", points: vs.map { ($0.m.test.kl, $0.m.test.reconstruction) })],
                              markers: true)
        let rateOrdered = [fs, vs].allSatisfy { c in zip(c, c.dropFirst()).allSatisfy { $1.m.test.kl <= $0.m.test.kl } }
        try r.figure(curve, name: "rate-distortion", caption: "Each point the book's model fine-tuned for \(epochsText) at one β (" +
                     (rateOrdered ? "β falls from left to right along each curve: " : "the rate is not ordered by β along every curve: ") +
                     "factorized " + fs.map { "β=\(fmtBeta($0.beta)): \(fmt($0.m.test.kl, 1))" }.joined(separator: ", ") + " nats of rate).")

        let pick = test.examples(perClass: 1)
        let originals = pick.map { Array(test.pixels[($0 * 784)..<($0 * 784 + 784)]) }
        var rng = RNG(seed: options.seed &+ 3)
        var stops: [SliderStop] = []
        var allRecon: [[[Float]]] = []
        var gridSize = (width: 0, height: 0)
        for (i, e) in sweep.enumerated() {
            let recon: [[Float]]
            if e.m.model.decoder.isAutoregressive {
                recon = e.m.model.decompress(originals.flatMap { $0 }, count: originals.count, samples: 1, rng: &rng, method: .stepper).map { $0[0] }
            } else {
                let p = e.m.model.reconstructionProbabilities(originals.flatMap { $0 }, count: originals.count)
                recon = (0..<originals.count).map { Array(p[($0 * 784)..<($0 * 784 + 784)]) }
            }
            allRecon.append(recon)
            let grid = ImageGrid(rows: [originals, recon], rowLabels: ["x", "x′"], zoom: 2)
            try grid.writePNG(to: "\(r.directory)/beta-\(i).png")
            gridSize = grid.displaySize
            let t = e.m.test
            stops.append(SliderStop(label: "\(e.decoder), β = \(fmtBeta(e.beta))", tick: (e.decoder == "VLAE" ? "V " : "") + fmtBeta(e.beta),
                                    images: ["beta-\(i).png"],
                                    values: [fmt(t.kl, 1), fmt(t.reconstruction, 1), fmt(t.klBits, 1), fmt(-t.elbo, 1), "\(t.activeUnits()) / \(e.m.model.latentDim)"]))
        }
        let fRates = fs.map { $0.m.test.kl }, fDist = fs.map { $0.m.test.reconstruction }
        let rateFalls = zip(fRates, fRates.dropFirst()).allSatisfy { $1 <= $0 }
        let distRises = zip(fDist, fDist.dropFirst()).allSatisfy { $1 >= $0 }
        let bestBeta = fs.min { -$0.m.test.elbo < -$1.m.test.elbo }!
        r.slider("β", stops: stops,
                 panels: [SliderPanel("Ten test digits (top) and their reconstructions (bottom): the factorized decoder's mean p(x|z = μ(x)); for the VLAE (ticks V) one sample x′ ~ p(x|z), z ~ q(z|x)",
                                      width: gridSize.width, height: gridSize.height, pixelated: true)],
                 numbers: ["rate (nats)", "distortion (nats)", "bits in z", "−ELBO (nats)", "active dims"],
                 start: fs.firstIndex { $0.beta == 1 } ?? 0,
                 note: "**What to watch.** Slide right through the factorized decoder's β: the rate "
                    + (rateFalls ? "falls at every step" : "falls overall, not at every step")
                    + " (\(fmt(fRates.first!, 1)) → \(fmt(fRates.last!, 1)) nats) and the distortion "
                    + (distRises ? "rises at every step" : (fDist.last! > fDist.first! ? "rises overall, not at every step" : "does not rise"))
                    + " (\(fmt(fDist.first!, 1)) → \(fmt(fDist.last!, 1)) nats). "
                    + "The shortest total code, the lowest −ELBO, is at β = \(fmtBeta(bestBeta.beta)) (\(fmt(-bestBeta.m.test.elbo, 1)) nats). "
                    + "The last stops are the VLAE: at equal β its PixelCNN decoder "
                    + (vs.allSatisfy { v in fs.first { $0.beta == v.beta }.map { v.m.test.kl < $0.m.test.kl } ?? true } ? "buys less rate than the factorized decoder at every β it was trained with" : "does not always buy less rate than the factorized decoder")
                    + " (\(vs.map { "β=\(fmtBeta($0.beta)): \(fmt($0.m.test.kl, 1)) nats" }.joined(separator: ", "))).")

        r.table(header: ["decoder", "β", "rate (nats)", "distortion (nats)", "bits in z", "−ELBO (nats)", "active dims"],
                rows: sweep.map { e in
                    [.text(e.decoder), .text(fmtBeta(e.beta)), .num(e.m.test.kl, 2), .num(e.m.test.reconstruction, 2),
                     .text(fmt(e.m.test.klBits, 1)), .num(-e.m.test.elbo, 2), .text("\(e.m.test.activeUnits()) / \(e.m.model.latentDim)")]
                }, caption: "The slider's numbers in one table (test split, \(test.count) digits; rate and distortion from the true ELBO at β = 1).")
        try r.figure(ImageGrid(rows: [originals] + allRecon, rowLabels: ["x"] + sweep.map { ($0.decoder == "VLAE" ? "VLAE " : "") + "β=" + fmtBeta($0.beta) }, zoom: 2),
                     name: "beta-grid", caption: "Every position of the slider at once: the test digits (top), then each model's reconstructions (factorized: mean p(x|z = μ(x)); VLAE: one sample).")

        // MARK: quizzes
        r.section("Check your understanding")
        let f0 = measured[0]
        let bbChoices = [f0.priorBits, f0.bitsBack, f0.priorBits - f0.bitsBack, 0]
        r.quiz("The factorized coder pushes \(fmt(f0.priorBits, 0)) bits of $z$ per digit with the prior. On average, how many bits per digit does it get back (the bits its pop with $q(z \\mid x)$ read)?",
               choices: bbChoices.map { "about \(fmt($0, 0)) bits" }, answer: 1,
               explanation: "\(fmt(f0.bitsBack, 1)) bits: $\\log_2 1/Q(z \\mid x)$ of the bucket it drew, the entropy of the encoder's choice. The net price of $z$ is \(fmt(f0.priorBits, 0)) − \(fmt(f0.bitsBack, 1)) = \(fmt(f0.priorBits - f0.bitsBack, 1)) bits, its KL (\(fmt(f0.klDiscreteBits, 1)) bits for the discretised latent).")
        r.quiz("Which model gives the shortest lossless code for the test digits?",
               choices: coders.map { $0.label }, answer: best,
               explanation: zip(coders, measured).map { "\($0.0.label): \(fmt($0.1.bitsPerDigit, 1))" }.joined(separator: ", ") + " bits per digit.")
        let betaQuizAnswer = fRates.last! < fRates.first! ? 0 : 1
        r.quiz("Raising β from \(fmtBeta(fs.first!.beta)) to \(fmtBeta(fs.last!.beta)) for the factorized VAE: what happens to the bits in $z$?",
               choices: ["They fall", "They rise"], answer: betaQuizAnswer,
               explanation: "From \(fmt(fs.first!.m.test.klBits, 1)) to \(fmt(fs.last!.m.test.klBits, 1)) bits. β is the price of a bit of $z$ in the training loss.")

        // MARK: metrics
        for (c, x) in zip(coders, measured) {
            s.record(c.m, extra: [
                "bbans_bits_per_digit": .number(x.bitsPerDigit), "neg_elbo_bits": .number(x.negELBODiscreteBits),
                "neg_elbo_continuous_bits": .number(x.negELBOContinuousBits), "roundtrip_exact": .number(Double(x.exact)),
                "roundtrip_decoded": .number(Double(x.decoded)), "coded_digits": .number(Double(x.digits)),
                "encode_digits_per_second": .number(x.encodeDigitsPerSecond), "decode_digits_per_second": .number(x.decodeDigitsPerSecond),
                "bits_back_per_digit": .number(x.bitsBack)])
        }
        r.metrics.extra["clean_bits"] = measured[0].cleanBits
        r.metrics.extra["baselines"] = ["gzip": gzipBits, "bzip2": bzip2Bits, "png_file": pngFileBits, "png_idat": pngIDATBits]
        r.metrics.extra["beta_sweep"] = sweep.map { ["beta": Double($0.beta), "decoder": $0.decoder, "rate_nats": $0.m.test.kl,
                                                     "distortion_nats": $0.m.test.reconstruction, "model": $0.m.name] as [String: Any] }
        r.keyNumbers([
            KeyNumber("VLAE coder", v.bitsPerDigit, unit: "bits/digit", digits: 1),
            KeyNumber("Best baseline", baselineBest, unit: "bits/digit", digits: 1),
            KeyNumber("Factorized: measured vs −ELBO", measured[0].relativeGap * 100, unit: "%", digits: 2),
            KeyNumber("Decoded exactly", text: "\(totalExact)/\(totalDecoded)"),
        ])

        r.references()
        try s.finish()
    }

    func fmtBeta(_ b: Float) -> String {
        let d = Double(b)
        return d == d.rounded() ? String(Int(d)) : String(format: "%g", d)
    }
    func signed1(_ v: Double) -> String { (v >= 0 ? "+" : "−") + fmt(abs(v), 1) }
    func signed(_ v: Double) -> String { abs(v) < 0.0005 ? "0.000" : (v > 0 ? "+" : "−") + fmt(abs(v), 3) }
    /// Where the coder's own draws of z cost more than sampling noise explains, why.
    func biasNote(_ xs: [(String, CoderMeasurement)], n: Int) -> String {
        let biased = xs.filter { x in
            let se = x.1.oneDrawStandardErrorBits ?? 0
            return se > 0 && Difference(x.1.idealNetFloat - x.1.negELBODiscreteBits, se: se).direction == .up
        }
        guard !biased.isEmpty else {
            return "The coder's draws of $z$ cost what random draws from $q$ would, up to sampling noise over \(n) digits."
        }
        return """
        For the \(biased.map(\.0).joined(separator: " and ")) the coder's draws of $z$ cost more than random draws from $q$ would. \
        The reason is the bits the pops read: they are not fresh coin flips but the bits the *previous digit* pushed last, its \
        buckets under the prior (a pop at \(BBANSSettings().latentPrecision) bits reads \(BBANSSettings().latentPrecision / BBANSSettings().latentBits) of them, \(BBANSSettings().latentBits) bits each). Those are uniform only if the posteriors, \
        pooled over the digits, match the prior $N(0, 1)$; where they do not, the sample the pop yields follows some $R \\neq q$, and \
        the net length $\\log_2 q(z \\mid x) / (p(z)\\,p(x \\mid z))$ is averaged over $R$ instead of $q$: here, to more bits. BB-ANS accounts for every bit exactly (the message grows by the \
        path's length, the ANS-overhead term above); it is the path that is slightly off. That is the excess in the \
        "measured vs discretised" column above, not a loss of exactness.
        """
    }
    func signedPercent(_ v: Double) -> String { (v >= 0 ? "+" : "−") + fmt(abs(v) * 100, 2) + "%" }
}

Chapter3.main()
