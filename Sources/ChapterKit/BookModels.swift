// The book's named models, defined once: every chapter that trains or reads "the VLAE" or
// "the factorized VAE" asks for it here, so chapters share one cached model and one recipe.
// Changing a recipe here (e.g. the VLAE's decoder or free-bits floor) changes it for every chapter.

import Foundation
import Notebook
import VLAE

public struct ModelRecipe {
    public let config: ModelConfig
    public let training: TrainingConfig
    /// A sentence-sized description for prose, computed from the recipe.
    public let summary: String
    public var name: String { config.name + training.nameSuffix }
}

/// One VLAE configuration: the PixelCNN decoder's depth and width, the code size, the free-bits
/// floor, the prior, the run length. Every field is part of the recipe `BookModels.vlae(o, v)`
/// builds, so of its model-cache key.
public struct VLAEVariant: Hashable, Sendable {
    public var layers: Int
    public var channels: Int
    public var latentDim: Int
    /// Free-bits floor, nats per latent dimension (0: off).
    public var freeBits: Float
    /// Training epochs by default (nil: the book's standard run length); --quick, --full and --epochs still apply.
    public var epochs: Int?
    /// Dynamic binarization (also on with --dynamic).
    public var dynamic: Bool
    /// The prior p(z): N(0, I), or chapter 6's autoregressive-flow prior.
    public var prior: PriorConfig
    /// The paper's optimiser, Adamax at a learning rate of 2e-3, instead of the book's Adam at 1e-3.
    public var adamax: Bool

    public init(layers: Int = 6, channels: Int = 32, latentDim: Int = 32, freeBits: Float = 0, epochs: Int? = nil,
                dynamic: Bool = false, prior: PriorConfig = .gaussian, adamax: Bool = false) {
        self.layers = layers; self.channels = channels; self.latentDim = latentDim; self.freeBits = freeBits
        self.epochs = epochs; self.dynamic = dynamic; self.prior = prior; self.adamax = adamax
    }

    public var decoder: PixelCNNConfig { PixelCNNConfig(layers: layers, channels: channels, kernel: 3) }
    /// The free nats: D x lambda.
    public var freeNats: Float { Float(latentDim) * freeBits }
    /// A short label for tables, kept on one line: "L6 D32 λ0.25" (+ channels, epochs, dynamic,
    /// Adamax, AF prior when not the default).
    public var label: String {
        var parts = ["L\(layers)", "D\(latentDim)", "λ" + String(format: "%.2f", freeBits)]
        if channels != 32 { parts.insert("\(channels)ch", at: 1) }
        if let epochs { parts.append("\(epochs)ep") }
        if dynamic { parts.append("dyn") }
        if adamax { parts.append("adamax") }
        if case .autoregressiveFlow = prior { parts.append("AF") }
        return parts.joined(separator: "\u{00A0}")
    }

    /// The label with the run length this run trains it for (e.g. "24ep" becomes "3ep" with --quick).
    public func label(_ o: CommonOptions) -> String {
        var v = self
        if epochs != nil { v.epochs = trainingEpochs(o) }
        return v.label
    }

    /// Epochs this variant trains under the given flags.
    public func trainingEpochs(_ o: CommonOptions) -> Int {
        epochs.map { o.epochs(default: $0, quick: 3, full: max(40, $0)) } ?? o.standardEpochs
    }
}

public enum BookModels {
    /// The book's VLAE: the one chapters 3, 4, 6, 7 and 8 train and compare (a 6-layer PixelCNN, a
    /// 32-dimensional code, free bits, N(0, I) prior). It is the second row of chapter 5's search.
    public static let vlaeDefault = VLAEVariant(layers: 6, channels: 32, latentDim: 32, freeBits: 0.25)

    /// Chapter 5's lossy code: the configuration of the measured search whose decompressions keep the
    /// digit (chapter 5 shows the search and says why): a 2-layer PixelCNN, a 16-dimensional code with
    /// 1 free nat per dimension, the AF prior, 40 epochs (a 2-layer decoder trains fast).
    public static let vlaeLossy = VLAEVariant(layers: 2, latentDim: 16, freeBits: 1.0, epochs: 40,
                                              prior: .autoregressiveFlow(BookModels.flow))

    /// Free-bits floor of the default VLAE, nats per latent dimension.
    public static var vlaeFreeBits: Float { vlaeDefault.freeBits }

    /// The VLAE configurations chapter 5's search compares.
    public static let vlaeSearch: [VLAEVariant] = [
        VLAEVariant(layers: 6, latentDim: 32, freeBits: 0),
        VLAEVariant(layers: 6, latentDim: 32, freeBits: 0.25),
        VLAEVariant(layers: 6, latentDim: 32, freeBits: 0.5),
        VLAEVariant(layers: 2, latentDim: 32, freeBits: 0.5),
        VLAEVariant(layers: 6, latentDim: 16, freeBits: 1.0),
        VLAEVariant(layers: 6, latentDim: 8, freeBits: 2.0),
        // The paper's own choices: chapter 6's AF prior, a narrower decoder (less local power),
        // its 64-dimensional code; and D16 λ1 (the best of the above when these were added) trained twice as long.
        VLAEVariant(layers: 6, latentDim: 32, freeBits: 0.25, prior: .autoregressiveFlow(BookModels.flow)),
        VLAEVariant(layers: 6, channels: 16, latentDim: 32, freeBits: 0.25),
        VLAEVariant(layers: 6, channels: 16, latentDim: 16, freeBits: 1.0),
        VLAEVariant(layers: 6, latentDim: 64, freeBits: 0.25),
        VLAEVariant(layers: 6, latentDim: 16, freeBits: 1.0, epochs: 24),
        // The AF prior together with a larger allowance; longer training helped D16 λ1 (12 -> 24
        // epochs): with the AF prior, and longer still.
        VLAEVariant(layers: 6, latentDim: 16, freeBits: 1.0, prior: .autoregressiveFlow(BookModels.flow)),
        VLAEVariant(layers: 6, latentDim: 16, freeBits: 1.0, epochs: 24, prior: .autoregressiveFlow(BookModels.flow)),
        VLAEVariant(layers: 6, latentDim: 16, freeBits: 1.0, epochs: 40),
        VLAEVariant(layers: 6, latentDim: 32, freeBits: 0.5, prior: .autoregressiveFlow(BookModels.flow)),
        // The paper's optimiser; the AF prior with the shortest reach; binarization redrawn every epoch.
        VLAEVariant(layers: 6, latentDim: 16, freeBits: 1.0, prior: .autoregressiveFlow(BookModels.flow), adamax: true),
        VLAEVariant(layers: 2, latentDim: 16, freeBits: 1.0, prior: .autoregressiveFlow(BookModels.flow)),
        VLAEVariant(layers: 2, latentDim: 16, freeBits: 1.0, epochs: 24, prior: .autoregressiveFlow(BookModels.flow)),
        VLAEVariant(layers: 2, latentDim: 16, freeBits: 1.0, epochs: 24, dynamic: true, prior: .autoregressiveFlow(BookModels.flow)),
        VLAEVariant(layers: 2, latentDim: 16, freeBits: 1.0, epochs: 40, prior: .autoregressiveFlow(BookModels.flow)),
    ]

    /// Chapter 1's VAE: the factorized decoder.
    public static func factorized(_ o: CommonOptions) -> ModelRecipe {
        ModelRecipe(config: ModelConfig(latentDim: o.latentDim, decoder: .factorized),
                    training: o.training(epochs: o.standardEpochs),
                    summary: "the factorized decoder (every pixel independent given z)")
    }

    /// The book's VLAE (`vlaeDefault`); `freeBits` overrides its floor.
    public static func vlae(_ o: CommonOptions, freeBits: Float? = nil) -> ModelRecipe {
        var v = vlaeDefault
        if let freeBits { v.freeBits = freeBits }
        return vlae(o, v)
    }

    /// A VLAE of the given configuration at the standard run length.
    public static func vlae(_ o: CommonOptions, _ v: VLAEVariant) -> ModelRecipe {
        let d = v.decoder
        var training = o.training(epochs: v.trainingEpochs(o), freeBits: v.freeBits)
        if v.dynamic { training.dynamicBinarization = true }
        if v.adamax { training.optimizer = .adamax; training.learningRate = 2e-3 }
        let recipe = ModelRecipe(config: ModelConfig(latentDim: v.latentDim, decoder: .pixelCNN(d)),
                                 training: training,
                                 summary: "a \(d.layers)-layer \(d.kernel)×\(d.kernel) PixelCNN decoder"
                                     + (d.channels != 32 ? " of \(d.channels) channels" : "")
                                     + " and a \(v.latentDim)-dimensional code"
                                     + (v.freeBits > 0 ? ", trained with free bits (λ = \(v.freeBits) nats per dimension)" : ""))
        // Only the prior differs, exactly as chapter 6 builds its AF-prior VLAE, so the two share a cached model.
        if case .autoregressiveFlow(let f) = v.prior { return with(recipe, prior: v.prior, flow: f) }
        return recipe
    }

    /// The flow of chapter 6's AF prior and IAF posterior (the paper's: MADE steps with two
    /// hidden layers; the same for both sides so they cost the same).
    public static let flow = FlowConfig(steps: 2, hidden: [256, 256])

    /// A recipe with only its prior and posterior changed (its training and everything else kept).
    public static func with(_ base: ModelRecipe, prior: PriorConfig = .gaussian, posterior: PosteriorConfig = .gaussian,
                            flow: FlowConfig) -> ModelRecipe {
        var c = base.config
        c.prior = prior; c.posterior = posterior
        let made = "(\(flow.steps) MADE steps of \(flow.hidden.map(String.init).joined(separator: "×")) hidden units)"
        let what: String
        switch (prior, posterior) {
        case (.autoregressiveFlow, _): what = "an autoregressive-flow prior " + made
        case (_, .inverseAutoregressiveFlow): what = "an inverse-autoregressive-flow posterior " + made
        default: what = "a Gaussian prior and posterior"
        }
        return ModelRecipe(config: c, training: base.training, summary: base.summary + ", with " + what)
    }

    /// The VLAE with an AF prior (chapter 6): `vlae(o)` with only the prior changed.
    public static func vlaeAF(_ o: CommonOptions, flow: FlowConfig = BookModels.flow) -> ModelRecipe {
        with(vlae(o), prior: .autoregressiveFlow(flow), flow: flow)
    }

    /// The VLAE with an IAF posterior (chapter 6): `vlae(o)` with only the posterior changed.
    public static func vlaeIAF(_ o: CommonOptions, flow: FlowConfig = BookModels.flow) -> ModelRecipe {
        with(vlae(o), posterior: .inverseAutoregressiveFlow(flow), flow: flow)
    }

    /// The factorized VAE with an AF prior.
    public static func factorizedAF(_ o: CommonOptions, flow: FlowConfig = BookModels.flow) -> ModelRecipe {
        with(factorized(o), prior: .autoregressiveFlow(flow), flow: flow)
    }

    /// The factorized VAE with an IAF posterior.
    public static func factorizedIAF(_ o: CommonOptions, flow: FlowConfig = BookModels.flow) -> ModelRecipe {
        with(factorized(o), posterior: .inverseAutoregressiveFlow(flow), flow: flow)
    }

    /// Chapter 4's largest decoder: the 12-layer PixelCNN with a 7×7 first layer, conditioned on z.
    public static func pixelCNNFull(_ o: CommonOptions) -> ModelRecipe {
        var c = ModelConfig.pixelCNNFull
        c.latentDim = o.latentDim
        return ModelRecipe(config: c, training: o.training(epochs: o.standardEpochs),
                           summary: "the 12-layer PixelCNN with a 7×7 first layer (chapter 4's largest receptive field)")
    }

    /// The unconditional PixelCNN ("PixelCNN alone": no latent code).
    public static func pixelCNNAlone(_ o: CommonOptions) -> ModelRecipe {
        var c = ModelConfig.pixelCNNUnconditional
        c.latentDim = o.latentDim
        return ModelRecipe(config: c, training: o.training(epochs: o.standardEpochs),
                           summary: "the same PixelCNN with no latent code")
    }
}

extension ChapterSession {
    /// Train (or fetch from the cache) one of the book's named models.
    public func train(_ recipe: ModelRecipe) throws -> TrainedModel {
        try train(recipe.config, recipe.training)
    }

    /// Fine-tune a trained model with `recipe` (same architecture): the run starts from `start`'s
    /// weights and is cached under its own key, which names the start's.
    public func fineTune(_ start: TrainedModel, _ recipe: ModelRecipe) throws -> TrainedModel {
        precondition(start.model.config == recipe.config, "fineTune: \(start.name) is not a \(recipe.config.name)")
        var t = recipe.training
        t.warmStart = start.key
        return try train(recipe.config, t, warmStart: start.model)
    }

    /// Several independent fine-tunes, two at a time (one per core; each run's own operations are
    /// mostly too small to split) and in the order given, so give the longest first. Each run
    /// is the one `fineTune` would give alone: its weights depend only on its own recipe and
    /// start, never on what runs beside it. With --serve (one live page) they run one by one.
    public func fineTuneAll(_ jobs: [(start: TrainedModel, recipe: ModelRecipe)]) throws -> [TrainedModel] {
        let lanes = options.serve ? 1 : min(computeThreads, jobs.count)
        return try inLanes(jobs.count, lanes: lanes) { try fineTune(jobs[$0].start, jobs[$0].recipe) }
    }
}

extension ModelRecipe {
    /// The same model and training with another KL weight beta and run length (the beta-VAE
    /// sweep of chapter 3). beta = 1 keeps the recipe's cache key apart from `epochs`.
    public func with(beta: Float, epochs: Int, freeBits: Float? = nil) -> ModelRecipe {
        var t = training
        t.beta = beta
        t.epochs = epochs
        if let freeBits { t.freeBits = freeBits }
        return ModelRecipe(config: config, training: t, summary: summary + (beta == 1 ? "" : ", β = \(t.betaText)"))
    }
}
