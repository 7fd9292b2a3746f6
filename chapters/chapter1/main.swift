// Chapter 1: the variational autoencoder, a refresher.
//
// Run it:   swift run chapter1            (about two minutes; --quick for a classroom demo)
// Read it:  output/chapter1/index.html    (or swift run chapter1 --serve to watch it train)

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Chapter1: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter1",
        abstract: "Chapter 1: a VAE refresher. Trains the factorized-decoder VAE and writes its report.")

    @OptionGroup var options: CommonOptions

    func run() throws { runChapter { try chapter() } }

    func chapter() throws {
        let s = ChapterSession(chapter: 1, subtitle: "Encoder, decoder, and the evidence lower bound", options: options)
        let r = s.report

        r.prose("""
        A variational autoencoder (VAE) learns a generative model of images $p(x) = \\int p(x \\mid z)\\, p(z)\\, dz$
        with a latent code $z$. The prior is a standard normal, $p(z) = \\mathcal{N}(0, I)$ with
        \(options.latentDim) dimensions here. The decoder $p(x \\mid z)$ turns a code into a distribution over
        images, and the encoder $q(z \\mid x) = \\mathcal{N}(\\mu(x), \\operatorname{diag} \\sigma^2(x))$ guesses which
        codes could have produced an image. This whole book is about one question: **what ends up in $z$?**
        This chapter trains the plainest VAE, whose decoder draws every pixel independently given $z$
        (a *factorized* decoder), on \(s.data.train.count) binarized digits.
        """)

        r.section("The evidence lower bound")
        r.prose("""
        The log-likelihood $\\log p(x)$ is intractable, so a VAE maximises a lower bound on it, the ELBO:
        $$\\log p(x) \\ge \\mathcal{L}(x) = \\mathbb{E}_{q(z \\mid x)}\\left[\\log p(x \\mid z)\\right] - D_{\\mathrm{KL}}\\left(q(z \\mid x) \\| p(z)\\right)$$
        The first term is the **reconstruction**: how well the decoder explains $x$ from a code drawn from
        the encoder. The second is the **rate**: how many nats the code carries about $x$, measured as the
        divergence of the posterior from the prior. For two Gaussians it has a closed form, summed over the
        latent dimensions $j$:
        $$D_{\\mathrm{KL}} = \\sum_j \\tfrac{1}{2}\\left(\\mu_j^2 + \\sigma_j^2 - 1 - \\log \\sigma_j^2\\right)$$
        Pixels are binary, so the decoder outputs a logit $\\ell_i$ per pixel and
        $\\log p(x \\mid z) = \\sum_i x_i \\ell_i - \\log(1 + e^{\\ell_i})$.
        Everything here is in nats; divide by $\\ln 2$ for bits.
        """)

        r.section("The reparameterisation trick")
        r.prose("""
        The expectation over $q(z \\mid x)$ is estimated with one sample per image. To let gradients flow
        back into the encoder, the sample is written as a deterministic function of the encoder's outputs and
        independent noise: $z = \\mu(x) + \\sigma(x) \\odot \\epsilon$ with $\\epsilon \\sim \\mathcal{N}(0, I)$.
        Then $\\partial z / \\partial \\mu = 1$ and $\\partial z / \\partial \\log \\sigma^2 = \\epsilon \\sigma / 2$,
        and the whole bound is differentiable. In the model module this is one op,
        `Tape.reparameterize`, whose backward is those two lines.
        """)

        r.section("Training")
        r.prose("""
        The encoder is three convolutions (28×28, then stride 2 to 14×14 and 7×7) and a linear layer to
        $(\\mu, \\log\\sigma^2)$; the decoder maps $z$ back up through a linear layer and two
        upsample-and-convolve steps to a 28×28 feature map, then a 1×1 convolution gives each pixel's logit.
        This is the code that ran:
        """)
        // @cell train
        let recipe = BookModels.factorized(options)
        let vae = try s.train(recipe)
        // @end
        r.code("train")
        s.record(vae)

        let t = vae.test
        r.keyNumbers([
            KeyNumber("Test ELBO", t.elbo, unit: "nats", digits: 2),
            KeyNumber("Reconstruction", t.reconstruction, unit: "nats", digits: 2),
            KeyNumber("KL (rate)", t.kl, unit: "nats", digits: 2, note: String(format: "%.1f bits", t.klBits)),
            KeyNumber("Active units", text: "\(t.activeUnits()) / \(vae.model.latentDim)"),
        ])
        r.prose("""
        The model was \(vae.originText). On the \(t.count) test digits its ELBO is
        **\(fmt(t.elbo)) nats**: the decoder pays \(fmt(t.reconstruction)) nats to describe an image given
        its code, and the code itself costs \(fmt(t.kl)) nats (\(fmt(t.klBits, 1)) bits).
        """)
        try r.figure(Figures.elboTerms(vae), name: "elbo-terms",
                     caption: "Validation −ELBO and its two terms after each epoch. The KL rises early: the factorized decoder can only reconstruct what z tells it.")

        r.section("What each latent dimension carries")
        let dims = t.klPerDim
        let active = t.activeUnits()
        let top = dims.enumerated().sorted { $0.element > $1.element }
        r.prose("""
        The KL term is a sum over dimensions, so it tells how much each dimension is used. A common rule
        of thumb calls a dimension **active** when its average KL is above 0.1 nats: below that, $q(z_j \\mid x)$
        is the prior whatever the image, and the decoder cannot be reading it. Here \(active) of
        \(dims.count) dimensions are active; the busiest carries \(fmt(top.first?.element ?? 0)) nats and the
        quietest \(fmt(top.last?.element ?? 0)).
        """)
        try r.figure(Figures.klPerDimension([vae]), name: "kl-per-dim",
                     caption: "Test KL of each latent dimension, sorted. Dimensions under 0.1 nats are inactive.")
        try r.figure(Figures.klHeatmap(vae), name: "kl-heatmap",
                     caption: "KL of every dimension (rows) after each epoch (columns), validation split.")

        r.section("Reconstructions")
        let test = s.binary.test
        let picks = test.examples(perClass: 1)
        let originals = picks.map { test.image($0) }
        let recon = vae.model.reconstructionProbabilities(originals.flatMap { $0 }, count: picks.count)
        let reconImages = (0..<picks.count).map { Array(recon[($0 * 784)..<(($0 + 1) * 784)]) }
        try r.figure(ImageGrid(rows: [originals, reconImages], rowLabels: ["x", "p(x|μ)"],
                               columnLabels: picks.map { "\(test.labels[$0])" }),
                     name: "reconstructions",
                     caption: "Top: one test digit per class. Bottom: the decoder's pixel probabilities given the posterior mean (grey = uncertain).")
        r.prose("""
        The reconstructions are blurry: each pixel is an independent Bernoulli given $z$, so wherever the code
        leaves a stroke's exact position uncertain the decoder can only hedge with grey. Chapter 5 returns to
        this: a decoder that models pixels *jointly* no longer needs $z$ to describe strokes.
        """)

        r.section("Samples from the prior")
        var rng = RNG(seed: options.seed).fork(77)
        let z = Tensor.randomNormal([32, vae.model.latentDim], std: 1, rng: &rng)
        let means = vae.model.decodeMeans(z: z)
        try r.figure(Figures.grid(means, columns: 16), name: "samples",
                     caption: "Decoder means p(x|z) for 32 codes z ~ N(0, I).")

        r.section("A latent traversal")
        let first = top[0].offset, second = top[1].offset
        let steps: [Float] = [-2.5, -1.5, -0.75, 0, 0.75, 1.5, 2.5]
        let base = picks.count > 3 ? picks[3] : picks[0]
        let mu = Array(t.mu[(base * vae.model.latentDim)..<((base + 1) * vae.model.latentDim)])
        var traversal: [[[Float]]] = []
        for dim in [first, second] {
            let codes = steps.flatMap { v -> [Float] in var c = mu; c[dim] = v; return c }
            let imgs = vae.model.decodeMeans(z: Tensor(codes, shape: [steps.count, vae.model.latentDim]))
            traversal.append((0..<steps.count).map { Array(imgs[($0 * 784)..<(($0 + 1) * 784)]) })
        }
        try r.figure(ImageGrid(rows: traversal, rowLabels: ["z\(first)", "z\(second)"],
                               columnLabels: steps.map { String(format: "%+.2g", Double($0)) }),
                     name: "traversal",
                     caption: "Starting from the posterior mean of a test digit (a \(test.labels[base])), one latent dimension is set to each value in turn. Rows: the two dimensions with the largest KL.")

        r.section("Check your understanding")
        r.quiz("A latent dimension has an average KL of 0.02 nats on the test set. What does that say?",
               choices: ["It carries the most information about the digit",
                         "Its posterior is almost the prior for every image, so the decoder cannot be using it",
                         "The decoder ignores the other dimensions",
                         "The encoder's variance for it is very small"],
               answer: 1,
               explanation: "KL(q(z_j|x) || p(z_j)) near zero means q(z_j|x) ≈ N(0,1) whatever x is: that coordinate of z says nothing about the image. Here \(dims.count - active) of \(dims.count) dimensions were like that.")
        r.quiz("Why does the reparameterisation z = μ + σ·ε matter for training?",
               choices: ["It makes the KL term exact",
                         "It lets the gradient of the reconstruction term reach the encoder's μ and σ",
                         "It makes samples from the prior look better",
                         "It removes the need for a prior"],
               answer: 1,
               explanation: "Sampling z directly from q(z|x) is not differentiable in the encoder's outputs; writing z as μ + σ·ε moves the randomness into ε, so ∂z/∂μ and ∂z/∂σ exist and backpropagation works.")
        r.quiz(String(format: "This model's rate is %.1f nats. How many bits is that?", t.kl),
               choices: [String(format: "%.1f", t.kl * 0.5), String(format: "%.1f", t.klBits), String(format: "%.1f", t.kl * 2.0)],
               answer: 1,
               explanation: String(format: "Bits = nats / ln 2 = %.2f / 0.693 = %.1f bits.", t.kl, t.klBits))

        try s.finish()
    }
}


Chapter1.main()
