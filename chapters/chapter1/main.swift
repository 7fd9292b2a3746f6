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
        A variational autoencoder (VAE) \(r.cite("kingma2014", "rezende2014")) learns a generative model of images $p(x) = \\int p(x \\mid z)\\, p(z)\\, dz$
        with a latent code $z$. The prior is a standard normal, $p(z) = \\mathcal{N}(0, I)$ with
        \(options.latentDim) dimensions here. The decoder $p(x \\mid z)$ turns a code into a distribution over
        images, and the encoder $q(z \\mid x) = \\mathcal{N}(\\mu(x), \\operatorname{diag} \\sigma^2(x))$ guesses which
        codes could have produced an image. This whole book, which follows the Variational Lossy Autoencoder
        \(r.cite("chen2017")), is about one question: **what ends up in $z$?**
        This chapter trains the plainest VAE, whose decoder draws every pixel independently given $z$
        (a *factorized* decoder), on \(s.data.train.count) binarized digits.
        """)

        r.section("The evidence lower bound")
        r.prose("""
        The log-likelihood $\\log p(x)$ is intractable, so a VAE maximises a lower bound on it, the ELBO:
        $$\\log p(x) \\ge \\mathcal{L}(x) = \\mathbb{E}_{q(z \\mid x)}\\left[\\log p(x \\mid z)\\right] - D_{\\mathrm{KL}}\\left(q(z \\mid x) \\| p(z)\\right)$$
        The first term is the **reconstruction**: how well the decoder explains $x$ from a code drawn from
        the encoder. The second is the **rate**: the divergence of the posterior from the prior, which the
        objective charges for every image. It is not exactly the information the code carries about $x$:
        averaged over the data it splits into the mutual information between image and code and a
        non-negative remainder \(r.cite("alemi2018")),
        $$\\mathbb{E}_{x}\\, D_{\\mathrm{KL}}\\left(q(z \\mid x) \\| p(z)\\right) = I_q(x; z) + D_{\\mathrm{KL}}\\left(q(z) \\| p(z)\\right) \\ge I_q(x; z),$$
        where $q(z)$ is the average of the posteriors over the data. So the rate is an **upper bound** on how
        many nats $z$ carries about $x$: a code that costs $R$ nats tells the decoder at most $R$ nats.
        For two Gaussians the KL has a closed form, summed over the latent dimensions $j$; in the model module
        it is one op whose backward is its two derivatives:
        """)
        r.moduleCode("gaussian-kl", in: "Objectives/Gaussian.swift",
                     paper: "$$-D_{KL}(q_{\\phi}(\\mathbf{z}) \\| p_{\\theta}(\\mathbf{z})) = \\frac{1}{2} \\sum_{j=1}^{J} \\left(1 + \\log((\\sigma_j)^2) - (\\mu_j)^2 - (\\sigma_j)^2\\right)$$",
                     source: r.citet("kingma2014") + ", appendix B")
        r.prose("""
        Pixels are binary, so the decoder outputs a logit $\\ell_i$ per pixel and
        $\\log p(x \\mid z) = \\sum_i x_i \\ell_i - \\log(1 + e^{\\ell_i})$, the Bernoulli likelihood written
        with logits (so that a logit of ±80 stays finite). Everything here is in nats; divide by $\\ln 2$ for bits.
        """)
        r.moduleCode("bernoulli-likelihood", in: "Objectives/Bernoulli.swift",
                     paper: "$$\\log p(\\mathbf{x} \\mid \\mathbf{z}) = \\sum_{i=1}^{D} x_i \\log y_i + (1 - x_i) \\cdot \\log(1 - y_i)$$ where $\\mathbf{y}$ is the decoder's output through a sigmoid.",
                     source: r.citet("kingma2014") + ", appendix C.1 (Bernoulli MLP as decoder)")

        r.section("The reparameterisation trick")
        r.prose("""
        The expectation over $q(z \\mid x)$ is estimated with one sample per image. To let gradients flow
        back into the encoder, the sample is written as a deterministic function of the encoder's outputs and
        independent noise: $z = \\mu(x) + \\sigma(x) \\odot \\epsilon$ with $\\epsilon \\sim \\mathcal{N}(0, I)$.
        Then $\\partial z / \\partial \\mu = 1$ and $\\partial z / \\partial \\log \\sigma^2 = \\epsilon \\sigma / 2$,
        and the whole bound is differentiable \(r.cite("kingma2014", "rezende2014")). In the model module this is
        one op, `Tape.reparameterize`, whose backward is those two lines:
        """)
        r.moduleCode("reparameterize", in: "Objectives/Gaussian.swift",
                     paper: "It is then often possible to express the random variable $\\mathbf{z}$ as a deterministic variable $\\mathbf{z} = g_{\\phi}(\\boldsymbol{\\epsilon}, \\mathbf{x})$, where $\\boldsymbol{\\epsilon}$ is an auxiliary variable with independent marginal $p(\\boldsymbol{\\epsilon})$, and $g_{\\phi}(.)$ is some vector-valued function parameterized by $\\phi$.",
                     source: r.citet("kingma2014") + ", §2.4")
        r.prose("""
        Put together, this is the objective every model of the book trains on: encode, draw one $z$ per
        image, score the image under the decoder, and charge the KL. In the model module the negative ELBO
        of a batch reads as the equation does (with a flow prior or posterior the KL is estimated from the
        same sample, and free bits or a KL weight change only the last lines):
        """)
        r.moduleCode("elbo", in: "Objectives/ELBO.swift",
                     paper: "$$\\log p(x) \\ge \\mathcal{L}(x; \\theta) = \\mathbb{E}_{q(z \\mid x)}\\left[\\log p(x \\mid z)\\right] - D_{KL}\\left(q(z \\mid x) \\| p(z)\\right)$$",
                     source: r.citet("chen2017") + ", §2.1")

        r.section("Training")
        r.prose("""
        The encoder is three convolutions (28×28, then stride 2 to 14×14 and 7×7) and a linear layer to
        $(\\mu, \\log\\sigma^2)$; the decoder maps $z$ back up through a linear layer and two
        upsample-and-convolve steps to a 28×28 feature map, then a 1×1 convolution gives each pixel's logit.
        This is the set-up call that ran (the model itself is the module code above):
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
        its code, and the code itself costs \(fmt(t.kl)) nats (\(fmt(t.klBits, 1)) bits). By the bound above,
        $z$ therefore carries **at most \(fmt(t.kl, 1)) nats** about a digit on average; how much of that rate is
        information and how much is the remainder $D_{\\mathrm{KL}}(q(z) \\| p(z))$ this chapter does not measure.
        """)
        let klCurve = vae.history.map(\.validationKL)
        let firstKL = klCurve.first ?? 0, lastKL = klCurve.last ?? 0
        let klCaption: String
        if klCurve.count < 2 {
            klCaption = "Validation −ELBO and its two terms after each epoch."
        } else {
            let share = lastKL > 0 ? firstKL / lastKL : 0
            klCaption = "Validation −ELBO and its two terms after each epoch. After the first epoch the KL is \(fmt(firstKL, 1)) nats, "
                + "\(fmt(share * 100, 0))% of its final \(fmt(lastKL, 1)): "
                + (share >= 0.5 ? "the factorized decoder starts to read z at once, since it can only reconstruct what z tells it."
                                : "most of the code's content arrives after the first epoch.")
        }
        try r.figure(Figures.elboTerms(vae), name: "elbo-terms", caption: klCaption)

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
        let rule = CollapseCheck(t)
        r.prose("""
        The course notes turn this into a rule for the whole model: a VAE is called **collapsed** when more than
        10–20% of its latent dimensions carry under 0.1 nats. Here \(rule.inactive) of \(rule.dims) dimensions
        (\(fmt(rule.inactiveFraction * 100, 0))%) are under 0.1 nats, so by that rule this model is
        **\(rule.course.rawValue)**\(rule.course == .greyZone ? " (between the two cut-offs)" : ""). Chapter 2 sets this rule beside
        another one (the mean KL per dimension) on a decoder that can do without $z$.
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
        let grey = recon.filter { $0 > 0.1 && $0 < 0.9 }.count
        let inked = originals.flatMap { $0 }.filter { $0 > 0.5 }.count
        r.prose("""
        Each pixel is an independent Bernoulli given $z$, so wherever the code leaves a stroke's exact position
        uncertain the decoder can only hedge with grey: in these \(picks.count) reconstructions
        \(fmt(100 * Double(grey) / Double(max(recon.count, 1)), 1))% of the pixels have a probability between 0.1 and
        0.9, that is \(grey) grey pixels against the \(inked) inked pixels of the originals. Chapter 5 returns to
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
        r.quiz("What does the KL term of the ELBO, on its own, push the encoder towards?",
               choices: ["Codes that reconstruct the image as well as possible",
                         "Posteriors q(z|x) close to the prior p(z): codes that say as little about x as they can",
                         "Posteriors with zero variance",
                         "A prior that matches the data"],
               answer: 1,
               explanation: "The KL is zero exactly when q(z|x) = p(z) for every x, i.e. when z carries nothing. Every nat the code carries about x must be paid for in this term; the reconstruction term is what makes some nats worth paying. In this run the balance settled at \(fmt(t.kl, 1)) nats.")
        r.quiz("This run's rate is \(fmt(t.kl, 1)) nats per image. How much information does z carry about x?",
               choices: ["Exactly \(fmt(t.kl, 1)) nats", "At most \(fmt(t.kl, 1)) nats", "At least \(fmt(t.kl, 1)) nats",
                         "Nothing can be said"],
               answer: 1,
               explanation: "Averaged over the data, E_x KL(q(z|x) || p(z)) = I(x; z) + KL(q(z) || p(z)), and the last term is never negative: the rate bounds the mutual information from above (Alemi et al., 2018).")
        r.quiz(String(format: "This model's rate is %.1f nats. How many bits is that?", t.kl),
               choices: [String(format: "%.1f", t.kl * 0.5), String(format: "%.1f", t.klBits), String(format: "%.1f", t.kl * 2.0)],
               answer: 1,
               explanation: String(format: "Bits = nats / ln 2 = %.2f / 0.693 = %.1f bits.", t.kl, t.klBits))

        r.references()
        try s.finish()
    }
}


Chapter1.main()
