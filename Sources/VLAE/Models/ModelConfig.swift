// What a model is, as data: enough to rebuild it, name it, and key the model cache.
// Defaults are the reference model of docs/reference-model.md.

public struct PixelCNNConfig: Codable, Hashable, Sendable {
    /// Number of masked layers: one type-A layer, then layers-1 residual type-B blocks.
    public var layers: Int = 6
    public var channels: Int = 32
    /// Kernel of the type-B layers (and of the type-A layer unless firstKernel says otherwise).
    public var kernel: Int = 3
    public var firstKernel: Int = 3
    /// false: the baseline "PixelCNN alone", no latent code at all.
    public var conditioned: Bool = true

    public init(layers: Int = 6, channels: Int = 32, kernel: Int = 3, firstKernel: Int? = nil, conditioned: Bool = true) {
        self.layers = layers; self.channels = channels; self.kernel = kernel
        self.firstKernel = firstKernel ?? kernel; self.conditioned = conditioned
    }

    /// How far up and left a pixel's logit can see: the number of rows above it that reach it.
    /// Each type-A/B layer with kernel k adds k/2 rows (the first layer contributes its own).
    public var receptiveRowsAbove: Int { firstKernel / 2 + (layers - 1) * (kernel / 2) }

    /// The large-receptive-field decoder: 7x7 type A first, 12 layers in all.
    public static let full = PixelCNNConfig(layers: 12, channels: 32, kernel: 3, firstKernel: 7)
}

public enum DecoderConfig: Codable, Hashable, Sendable {
    /// Pixels independent given z: logits = 1x1 conv of the conditioning features.
    case factorized
    /// An autoregressive PixelCNN over pixels, conditioned on z (or not).
    case pixelCNN(PixelCNNConfig)
}

/// An autoregressive flow: `steps` MADE steps (ordering reversed between steps), each with
/// hidden layers of these widths (Models/Flows.swift).
public struct FlowConfig: Codable, Hashable, Sendable {
    public var steps: Int = 2
    public var hidden: [Int] = [256, 256]
    public init(steps: Int = 2, hidden: [Int] = [256, 256]) { self.steps = steps; self.hidden = hidden }
}

/// The prior p(z).
public enum PriorConfig: Codable, Hashable, Sendable {
    /// N(0, I): the KL has a closed form.
    case gaussian
    /// An autoregressive-flow prior (the paper's AF prior): the KL is estimated by sampling.
    case autoregressiveFlow(FlowConfig)
}

/// The posterior q(z|x).
public enum PosteriorConfig: Codable, Hashable, Sendable {
    /// N(mu(x), diag sigma(x)^2).
    case gaussian
    /// The Gaussian followed by an inverse autoregressive flow with an encoder context.
    case inverseAutoregressiveFlow(FlowConfig)
}

public struct ModelConfig: Codable, Hashable, Sendable {
    public var latentDim: Int = 32
    /// Encoder channels: 28x28 conv, stride-2 conv to 14x14, stride-2 conv to 7x7.
    public var encoderChannels: [Int] = [32, 32, 64]
    /// Conditioning net: linear to 7x7xC0, then upsample+conv to 14x14xC1 and 28x28xC2.
    public var conditioningChannels: [Int] = [64, 32, 32]
    public var decoder: DecoderConfig = .factorized
    /// p(z); ignored without a latent code.
    public var prior: PriorConfig = .gaussian
    /// q(z|x); ignored without a latent code.
    public var posterior: PosteriorConfig = .gaussian

    public init(latentDim: Int = 32, decoder: DecoderConfig = .factorized,
                encoderChannels: [Int] = [32, 32, 64], conditioningChannels: [Int] = [64, 32, 32],
                prior: PriorConfig = .gaussian, posterior: PosteriorConfig = .gaussian) {
        self.latentDim = latentDim; self.decoder = decoder
        self.encoderChannels = encoderChannels; self.conditioningChannels = conditioningChannels
        self.prior = prior; self.posterior = posterior
    }

    // Codable by hand for one reason: a Gaussian prior and posterior are not written at all, so
    // the configuration of every model trained before flows existed encodes exactly as it did
    // (its model-cache key and its checkpoints stay valid), and old checkpoints decode.
    enum CodingKeys: String, CodingKey {
        case latentDim, encoderChannels, conditioningChannels, decoder, prior, posterior
    }

    public init(from coder: Swift.Decoder) throws {
        let c = try coder.container(keyedBy: CodingKeys.self)
        latentDim = try c.decode(Int.self, forKey: .latentDim)
        encoderChannels = try c.decode([Int].self, forKey: .encoderChannels)
        conditioningChannels = try c.decode([Int].self, forKey: .conditioningChannels)
        decoder = try c.decode(DecoderConfig.self, forKey: .decoder)
        prior = try c.decodeIfPresent(PriorConfig.self, forKey: .prior) ?? .gaussian
        posterior = try c.decodeIfPresent(PosteriorConfig.self, forKey: .posterior) ?? .gaussian
    }

    public func encode(to coder: Swift.Encoder) throws {
        var c = coder.container(keyedBy: CodingKeys.self)
        try c.encode(latentDim, forKey: .latentDim)
        try c.encode(encoderChannels, forKey: .encoderChannels)
        try c.encode(conditioningChannels, forKey: .conditioningChannels)
        try c.encode(decoder, forKey: .decoder)
        if prior != .gaussian { try c.encode(prior, forKey: .prior) }
        if posterior != .gaussian { try c.encode(posterior, forKey: .posterior) }
    }

    /// Whether the KL has no closed form (a flow on either side): then it is estimated by sampling.
    public var hasFlow: Bool { hasLatent && (prior != .gaussian || posterior != .gaussian) }

    /// Whether the model has a latent code (false only for the unconditional PixelCNN).
    public var hasLatent: Bool {
        if case .pixelCNN(let p) = decoder { return p.conditioned }
        return true
    }

    /// The model name used in metrics.json (docs/metrics.md): factorized, pixelcnn_l6,
    /// pixelcnn_l4_k5, pixelcnn_full, pixelcnn_uncond; `_af` with an AF prior, `_iaf` with an
    /// IAF posterior (and `_s{K}_h{H}` when the flow is not the default 2 steps of 256, 256).
    public var name: String {
        guard hasLatent else { return decoderName }
        var s = decoderName
        if case .autoregressiveFlow(let f) = prior { s += "_af" + ModelConfig.flowSuffix(f) }
        if case .inverseAutoregressiveFlow(let f) = posterior { s += "_iaf" + ModelConfig.flowSuffix(f) }
        return s
    }

    static func flowSuffix(_ f: FlowConfig) -> String {
        f == FlowConfig() ? "" : "_s\(f.steps)_h" + f.hidden.map(String.init).joined(separator: "x")
    }

    /// The decoder part of the name.
    public var decoderName: String {
        switch decoder {
        case .factorized: return "factorized"
        case .pixelCNN(let p):
            if !p.conditioned { return p.layers == 6 && p.kernel == 3 ? "pixelcnn_uncond" : "pixelcnn_uncond_l\(p.layers)" }
            if p.layers == PixelCNNConfig.full.layers && p.firstKernel == PixelCNNConfig.full.firstKernel
                && p.kernel == 3 { return "pixelcnn_full" }
            var s = "pixelcnn_l\(p.layers)"
            if p.kernel != 3 { s += "_k\(p.kernel)" }
            if p.firstKernel != p.kernel { s += "_a\(p.firstKernel)" }
            return s
        }
    }

    public static let factorized = ModelConfig(decoder: .factorized)
    public static func pixelCNN(layers: Int = 6, kernel: Int = 3) -> ModelConfig {
        ModelConfig(decoder: .pixelCNN(PixelCNNConfig(layers: layers, kernel: kernel)))
    }
    public static let pixelCNNFull = ModelConfig(decoder: .pixelCNN(.full))
    public static let pixelCNNUnconditional = ModelConfig(decoder: .pixelCNN(PixelCNNConfig(conditioned: false)))
}
