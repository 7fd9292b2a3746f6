// Decoders p(x|z): Bernoulli logits for every pixel.
//
// factorized   logits = conv1x1(h -> 1): every pixel independent given z, so everything that
//              ties pixels together (strokes, edges) must be carried by z.
// PixelCNN     logits_i depend on z (through h) AND on the pixels before i, through masked
//              convolutions:
//                a_1 = ELU(maskA(x) + W_1 h)
//                a_l = a_{l-1} + ELU(maskB(a_{l-1}) + W_l h)      l = 2..L
//                logits = conv1x1(a_L -> 1)
//              The W_l h terms for all layers are one 1x1 convolution of h into L*C channels
//              (one matrix product), sliced per layer. Without z (the "PixelCNN alone" baseline)
//              the masked convolutions get their own biases instead.

public protocol Decoder: HasParameters {
    /// Logits [N,28,28,1] for images x [N,28,28,1], given conditioning features h (nil when
    /// the decoder has no latent code).
    func logits(_ t: Tape, x: Tensor, h: Tensor?) -> Tensor
    /// Whether pixel logits depend on other pixels of x (then sampling is sequential).
    var isAutoregressive: Bool { get }
}

public final class FactorizedDecoder: Decoder {
    public let out: Conv
    public init(conditioningChannels: Int, rng: inout RNG) {
        out = Conv(conditioningChannels, 1, ConvGeometry(kernel: 1, pad: 0), rng: &rng)
    }
    public func logits(_ t: Tape, x: Tensor, h: Tensor?) -> Tensor { out(t, h!) }
    public var isAutoregressive: Bool { false }
    public func namedParameters() -> [(String, Tensor)] { prefixed("out", out.namedParameters()) }
}

public final class PixelCNNDecoder: Decoder {
    public let config: PixelCNNConfig
    public let first: Conv
    public let blocks: [Conv]
    public let cond: Conv?
    public let out: Conv

    public init(_ config: PixelCNNConfig, conditioningChannels: Int, rng: inout RNG) {
        self.config = config
        let c = config.channels
        let ownBias = !config.conditioned
        first = Conv(1, c, .masked(.a, kernel: config.firstKernel), bias: ownBias, rng: &rng)
        var blocks: [Conv] = []
        for _ in 1..<config.layers { blocks.append(Conv(c, c, .masked(.b, kernel: config.kernel), bias: ownBias, rng: &rng)) }
        self.blocks = blocks
        cond = config.conditioned
            ? Conv(conditioningChannels, config.layers * c, ConvGeometry(kernel: 1, pad: 0), rng: &rng) : nil
        out = Conv(c, 1, ConvGeometry(kernel: 1, pad: 0), rng: &rng)
    }

    public var isAutoregressive: Bool { true }

    public func logits(_ t: Tape, x: Tensor, h: Tensor?) -> Tensor {
        let c = config.channels
        let condAll = cond.map { $0(t, h!) }          // [N,28,28,L*C]: every layer's W_l h
        // each conv adds its layer's slice of condAll in the same pass (Conv2D.swift)
        let pre = condAll.map { first(t, x, plusColumnsOf: $0, start: 0) } ?? first(t, x)
        var a = t.elu(pre)
        for (l, block) in blocks.enumerated() {
            let u = condAll.map { block(t, a, plusColumnsOf: $0, start: (l + 1) * c) } ?? block(t, a)
            a = t.addELU(a, u)                        // a + ELU(u), one pass
        }
        return out(t, a)
    }

    public func namedParameters() -> [(String, Tensor)] {
        var p = prefixed("first", first.namedParameters())
        for (i, b) in blocks.enumerated() { p += prefixed("block\(i + 1)", b.namedParameters()) }
        if let cond { p += prefixed("cond", cond.namedParameters()) }
        return p + prefixed("out", out.namedParameters())
    }
}
