// Chapter 9: connections.
//
// Run it:   swift run chapter9            (trains nothing: reads every chapter's metrics.json; run it last)
// Read it:  output/chapter9/index.html

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter9: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter9",
        abstract: "Chapter 9: connections. The book's own results in one table, and where the ideas went next.")

    @OptionGroup var options: CommonOptions

    func run() throws { runChapter { try chapter() } }

    func chapter() throws {
        let s = ChapterSession(chapter: 9, subtitle: "What the book measured, and where the ideas went next", options: options)
        let r = s.report

        r.prose("""
        The paper's argument \(r.cite("chen2017")) fits in three sentences. A VAE's objective charges for every bit in the code, so
        whatever the decoder can model by itself stays out of $z$ (chapters 2 and 4). Choosing what the
        decoder can see is therefore choosing what the code keeps: a decoder with a small receptive field
        leaves $z$ the global structure, a *lossy* code (chapters 5 and 7). And the bits the code does keep can
        be made cheaper with a learned prior (chapter 6), which is what the paper's likelihoods rest on
        (chapter 8). This chapter puts the book's own numbers side by side, then follows the ideas forward.
        """)

        r.section("The book's results in one table")
        // @cell read
        let chapters = ChapterResults.all(outputRoot: options.pagesRoot).filter { $0.number != 9 }
        // @end
        r.code("read", caption: "Every chapter's `output/chapterN/metrics.json` and `report.json`, read back; nothing here is recomputed.")
        let ran = chapters.filter(\.ran)
        let missing = chapters.filter { !$0.ran }
        var rows: [[TableCell]] = []
        func num(_ v: Double?, _ digits: Int) -> TableCell { v.map { .num($0, digits) } ?? .text("–") }
        let datasets = Set(ran.compactMap(\.dataset))
        for c in chapters {
            let chapter = "\(c.number) · " + (c.ran ? "[\(c.title)](../chapter\(c.number)/index.html)" : c.title)
            guard c.ran else {
                rows.append([.text(chapter), .text("*not run yet*"), "", "", "", "", ""])
                continue
            }
            if c.models.isEmpty {
                rows.append([.text(chapter), .text(c.keyNumber ?? "(no models)"), "", "", "", "", ""])
            }
            for name in c.models.keys.sorted() {
                let elbo = c.number(name, "test_elbo_nats").map { -$0 }
                let nll = c.number(name, "nll_iwae_nats")
                // A model without a latent code (latent_dims 0) has an exact likelihood and no dimensions to count.
                let noCode = c.number(name, "latent_dims") == 0
                let k = noCode ? " (exact)" : c.number(name, "iwae_k").map { " (k=\(Int($0)))" } ?? ""
                let active = noCode ? "–" : c.number(name, "active_units").map { a in
                    "\(Int(a))" + (c.number(name, "latent_dims").map { " / \(Int($0))" } ?? "")
                } ?? "–"
                // A model's own "dataset" (chapter 2 records chapter 4's MNIST models beside its rule-90 ones) before its chapter's.
                var dataset = c.dataset
                if case .string(let d)? = c.models[name]?["dataset"] { dataset = d }
                let data = datasets.count > 1 ? (dataset.map { $0.isEmpty ? "" : " · \($0)" } ?? "") : ""
                rows.append([.text(chapter), .text("`\(name)`" + data),
                             num(c.number(name, "kl_bits"), 1), num(elbo, 2), nll.map { .text(fmt($0, 2) + k) } ?? "–",
                             .text(active), num(c.number(name, "class_agreement").map { $0 * 100 }, 1)])
            }
        }
        r.table(header: ["chapter", "model", "bits in z", "−ELBO (nats)", "NLL, IWAE (nats)", "active dims", "class agreement (%)"],
                rows: rows,
                caption: "Every model every chapter recorded, test split\(datasets.count == 1 ? " of \(datasets.first!)" : ""), from the chapters' metrics.json in `\(options.pagesRoot)`. "
                    + (missing.isEmpty ? "All chapters have run." : "Chapters \(missing.map { "\($0.number)" }.joined(separator: ", ")) have not run yet in this output folder: run them (`swift run chapterN`, or `swift run book` for all) and then this chapter again."))

        // Statements computed from the table: the MNIST models, pooled over chapters (the same recipe
        // in two chapters is one cached model, so duplicates by name are dropped).
        struct Point { var chapter: Int; var name: String; var bits: Double; var negELBO: Double; var hasCode: Bool }
        var seen: Set<String> = []
        var points: [Point] = []
        for c in ran where c.dataset == s.data.name {
            for name in c.models.keys.sorted() {
                guard let bits = c.number(name, "kl_bits"), let elbo = c.number(name, "test_elbo_nats"),
                      !seen.contains(name) else { continue }
                seen.insert(name)
                points.append(Point(chapter: c.number, name: name, bits: bits, negELBO: -elbo, hasCode: c.number(name, "latent_dims") != 0))
            }
        }
        r.keyNumbers([KeyNumber("Chapters with results", text: "\(ran.count) / \(chapters.count)"),
                      KeyNumber("\(s.data.name) models compared", Double(points.count), digits: 0)])
        let coded = points.filter(\.hasCode)
        if points.count >= 2, !coded.isEmpty {
            let best = points.min { $0.negELBO < $1.negELBO }!
            let mostBits = coded.max { $0.bits < $1.bits }!
            // The smallest code among models that have one: a model without z has no code to compare.
            let fewestBits = coded.min { $0.bits < $1.bits }!
            // Pairs of models ordered the paradox's way: the better bound (lower −ELBO) with the smaller code.
            var paradoxWay = 0, pairs = 0
            for i in points.indices { for j in points.indices where j > i {
                let a = points[i], b = points[j]
                guard a.negELBO != b.negELBO, a.bits != b.bits else { continue }
                pairs += 1
                if (a.negELBO < b.negELBO) == (a.bits < b.bits) { paradoxWay += 1 }
            } }
            try r.figure(ScatterChart(title: "Every \(s.data.name) model of the book: code size against density",
                                      xLabel: "bits in z", yLabel: "−ELBO (nats, lower is better)",
                                      groups: Dictionary(grouping: points, by: \.chapter).sorted { $0.key < $1.key }.map { ch, ps in
                                          ScatterGroup(name: "chapter \(ch)", points: ps.map { ($0.bits, $0.negELBO) })
                                      }),
                         name: "bits-vs-elbo", caption: "One point per distinct model (a model two chapters share is shown once, under the first).", width: 700, height: 420)
            r.prose("""
            Over the \(points.count) distinct models trained on \(s.data.name), the best bound belongs to `\(best.name)`
            (chapter \(best.chapter), −ELBO \(fmt(best.negELBO)) nats, \(fmt(best.bits, 1)) bits in $z$); the biggest code to
            `\(mostBits.name)` (\(fmt(mostBits.bits, 1)) bits) and the smallest to `\(fewestBits.name)` (\(fmt(fewestBits.bits, 1)) bits)\(coded.count < points.count ? ", among the \(coded.count) that have a latent code" : "").
            Of the \(pairs) pairs of models, \(paradoxWay) are ordered the paradox's way (the better density model has
            the smaller code) and \(pairs - paradoxWay) the other way\(2 * paradoxWay > pairs ? ": across the book, better models mostly say less in $z$" : ": across the book the paradox's ordering is not the majority, so the trend of chapter 4 does not carry over to every pair (different objectives, free bits and priors sit in one pool)").
            """)
            r.section("Check your understanding")
            // Four choices: the three models named above and others, alphabetically.
            var options4: [String] = []
            for name in [fewestBits.name, best.name, mostBits.name] + coded.map(\.name).sorted()
            where options4.count < 4 && !options4.contains(name) { options4.append(name) }
            options4.sort()
            r.quiz("Of the book's \(s.data.name) models with a latent code, which one's code carries the fewest bits?",
                   choices: options4.map { "`\($0)`" }, answer: options4.firstIndex(of: fewestBits.name)!,
                   explanation: "`\(fewestBits.name)`, \(fmt(fewestBits.bits, 1)) bits in z (chapter \(fewestBits.chapter)); the largest code is `\(mostBits.name)`'s, \(fmt(mostBits.bits, 1)) bits.")
            r.quiz("Which of them has the best (lowest) −ELBO?",
                   choices: options4.map { "`\($0)`" }, answer: options4.firstIndex(of: best.name)!,
                   explanation: "`\(best.name)`, \(fmt(best.negELBO)) nats (chapter \(best.chapter)), with \(fmt(best.bits, 1)) bits in z.")
        } else {
            r.callout(.tip, "Fewer than two \(s.data.name) models are recorded in `\(options.pagesRoot)` yet: run the chapters (or `swift run book`) and then this one again to compare them here.",
                      title: "Not enough results yet")
            r.section("Check your understanding")
        }

        r.section("Where the ideas went next")
        r.prose("""
        **PixelVAE** \(r.cite("gulrajani2017")), published alongside this paper, reached the same design from the
        other side: a VAE whose decoder is a PixelCNN with only a few layers, so that the latent code keeps
        the global structure and the decoder the fine detail, with a hierarchy of latent variables for larger
        images. It is the same lever as chapter 5's small receptive field.

        **VQ-VAE** \(r.cite("oord2017")) removed the continuous Gaussian code altogether: $z$ is a grid of
        indices into a learned codebook, the encoder picks the nearest code vector, and the KL term becomes a
        constant ($\\log K$ per position for a uniform prior), so there is nothing for the objective to
        collapse. As here, the prior over codes is then learned with an autoregressive model (a PixelCNN),
        the discrete cousin of chapter 6's autoregressive-flow prior.

        **Bits-back coding** turned the ELBO into an actual compressor. BB-ANS \(r.cite("townsend2019")) codes an
        image with a VAE at the −ELBO in bits (chapter 3 builds one); **Bit-Swap** \(r.cite("kingma2019")) makes
        it recursive over a hierarchy of latents so the extra initial bits stay small, and **HiLLoC**
        \(r.cite("townsend2020")) scales it to full-size images with fully convolutional hierarchical VAEs. The
        paper's "bits in $z$" are, in these systems, bits on disk.

        **Latent diffusion** \(r.cite("rombach2022")) is the lossy code at scale. Its first stage is an
        autoencoder trained (with a slight KL penalty or vector quantization, plus perceptual and adversarial
        losses) to drop perceptually irrelevant detail; the expensive generative model, a diffusion model, then
        works only in that compressed latent space. Separating what the code must carry from what a decoder
        can fill in locally is the question this book measured on digits.

        Posterior collapse itself got a closer look. \(r.citet("lucas2019")) show with linear VAEs that collapse
        can come from the marginal likelihood itself (too large an observation noise makes the collapsed
        solution the better one), not only from the ELBO's approximation or a powerful decoder: in the linear
        case the ELBO adds no spurious optima. The **δ-VAE** \(r.cite("razavi2019")) prevents collapse by
        construction, choosing prior and posterior families whose KL can never fall below a chosen δ (with
        an autoregressive prior), instead of free bits.
        """)
        r.prose("""
        For contrast, the term VQ-VAE turns into a constant and the δ-VAE keeps above δ: the Gaussian code's KL,
        as every chapter of this book computes it \(r.cite("kingma2014")), in the model module:
        """)
        r.moduleCode("gaussian-kl", in: "Objectives/Gaussian.swift",
                     paper: "$$-D_{KL}(q_{\\phi}(\\mathbf{z}) \\| p_{\\theta}(\\mathbf{z})) = \\frac{1}{2} \\sum_{j=1}^{J} \\left(1 + \\log((\\sigma_j)^2) - (\\mu_j)^2 - (\\sigma_j)^2\\right)$$",
                     source: r.citet("kingma2014") + ", appendix B")
        let paperFactorizedBits = 37.3, paperVLAEBits = 19.2   // the paper's numbers (Chen et al. 2017, MNIST)
        r.quiz(String(format: "The paper reports %.1f bits in z for its VAE with a factorized decoder and %.1f bits for the VLAE on MNIST (the paper's numbers, %.1f%% of the former). What do the missing bits mean?", paperFactorizedBits, paperVLAEBits, 100 * paperVLAEBits / paperFactorizedBits),
               choices: ["The VLAE's encoder is worse at compressing",
                         "The VLAE's code leaves out local detail (the exact strokes) that its PixelCNN decoder models itself, and keeps the global structure",
                         "The VLAE has half as many latent dimensions",
                         "The VLAE's bound is worse, so it can afford fewer bits"],
               answer: 1,
               explanation: String(format: "Information preference: whatever the decoder can model from the pixels it sees stays out of z. The VLAE's z keeps %.1f%% of the factorized code's bits, the part a small-receptive-field decoder cannot draw by itself (chapter 5 measures this book's ratio).", 100 * paperVLAEBits / paperFactorizedBits))
        r.quiz("VQ-VAE's code cannot collapse the way a Gaussian VAE's can. Why?",
               choices: ["Its decoder is factorized", "The KL term is a constant (log K per position for a uniform prior), so the objective gains nothing by ignoring the code",
                         "It uses free bits", "It is trained without a decoder"],
               answer: 1,
               explanation: "With a deterministic nearest-codebook posterior and a uniform prior, KL(q || p) = log K regardless of the input: there is no price to save by making q match the prior.")

        r.references()

        s.report.metrics.record("book", ["chapters_run": .number(Double(ran.count)),
                                         "chapters_listed": .number(Double(chapters.count)),
                                         "models_compared": .number(Double(points.count))])
        try s.finish()
    }
}

Chapter9.main()
