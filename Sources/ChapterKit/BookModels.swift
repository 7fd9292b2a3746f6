// The book's named models, defined once: every chapter that trains or reads "the VLAE" or
// "the factorized VAE" asks for it here, so chapters share one cached model and one recipe.
// Changing a recipe here (e.g. the VLAE's decoder or free-bits floor) changes it for every chapter.

import Notebook
import VLAE

public struct ModelRecipe {
    public let config: ModelConfig
    public let training: TrainingConfig
    /// A sentence-sized description for prose, computed from the recipe.
    public let summary: String
    public var name: String { config.name + training.nameSuffix }
}

public enum BookModels {
    /// Free-bits floor of the VLAE, nats per latent dimension (chapter 5's default).
    public static let vlaeFreeBits: Float = 0.25

    /// Chapter 1's VAE: the factorized decoder.
    public static func factorized(_ o: CommonOptions) -> ModelRecipe {
        ModelRecipe(config: ModelConfig(latentDim: o.latentDim, decoder: .factorized),
                    training: o.training(epochs: o.standardEpochs),
                    summary: "the factorized decoder (every pixel independent given z)")
    }

    /// Chapter 5's VLAE: a local PixelCNN decoder. `freeBits` overrides the default floor.
    public static func vlae(_ o: CommonOptions, freeBits: Float? = nil) -> ModelRecipe {
        let decoder = PixelCNNConfig(layers: 6, kernel: 3)
        let fb = freeBits ?? vlaeFreeBits
        return ModelRecipe(config: ModelConfig(latentDim: o.latentDim, decoder: .pixelCNN(decoder)),
                           training: o.training(epochs: o.standardEpochs, freeBits: fb),
                           summary: "a \(decoder.layers)-layer \(decoder.kernel)×\(decoder.kernel) PixelCNN decoder"
                               + (fb > 0 ? " trained with free bits (λ = \(fb) nats per dimension)" : ""))
    }

    /// The flow of chapter 6's AF prior and IAF posterior (the paper's: MADE steps with two
    /// hidden layers; the same for both sides so they cost the same).
    public static let flow = FlowConfig(steps: 2, hidden: [256, 256])

    /// A recipe with only its prior and posterior changed (its training and everything else kept).
    public static func with(_ base: ModelRecipe, prior: PriorConfig = .gaussian, posterior: PosteriorConfig = .gaussian,
                            flow: FlowConfig) -> ModelRecipe {
        var c = base.config
        c.prior = prior; c.posterior = posterior
        let what: String
        switch (prior, posterior) {
        case (.autoregressiveFlow, _): what = "an autoregressive-flow prior (\(flow.steps) MADE steps of \(flow.hidden.map(String.init).joined(separator: "×")) hidden units)"
        case (_, .inverseAutoregressiveFlow): what = "an inverse-autoregressive-flow posterior (\(flow.steps) MADE steps of \(flow.hidden.map(String.init).joined(separator: "×")) hidden units)"
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
}

extension Report {
    /// A cell of the model module's own code (`// @cell name` ... `// @end` in Sources/VLAE/`file`),
    /// labelled with its file, e.g. `moduleCode("gaussian-kl", in: "Objectives/Gaussian.swift")`.
    public func moduleCode(_ name: String, in file: String, caption: String? = nil) {
        code(name, file: ModuleSource.path(file), caption: caption ?? "`Sources/VLAE/\(file)` · \(name)")
    }
}
