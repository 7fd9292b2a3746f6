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
    /// The part of the computation that reads x but not z, per image (nil when there is none).
    /// The importance-weighted bound scores many codes z of one image; this part is computed
    /// once per image, not once per code.
    func xTerm(_ t: Tape, x: Tensor) -> Tensor?
    /// Logits [B*s,28,28,1] for s codes of each of B images: row n*s + j is image n with code j.
    /// `xTerm` is xTerm(t, x:) of the B images, `h` the conditioning features of the B*s codes.
    func logits(_ t: Tape, xTerm: Tensor?, samplesPerImage s: Int, h: Tensor) -> Tensor
}

public final class FactorizedDecoder: Decoder {
    public let out: Conv
    public init(conditioningChannels: Int, rng: inout RNG) {
        out = Conv(conditioningChannels, 1, ConvGeometry(kernel: 1, pad: 0), rng: &rng)
    }
    public func logits(_ t: Tape, x: Tensor, h: Tensor?) -> Tensor { out(t, h!) }
    public var isAutoregressive: Bool { false }
    public func xTerm(_ t: Tape, x: Tensor) -> Tensor? { nil }
    public func logits(_ t: Tape, xTerm: Tensor?, samplesPerImage s: Int, h: Tensor) -> Tensor { out(t, h) }
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

    // @cell pixelcnn-decoder
    // p(x|z) = prod_i Bernoulli(x_i | sigmoid(logit_i)), logit_i a function of z and x_<i in a window:
    //   a_1 = ELU(maskA(x) + W_1 h)                      h = the conditioning network's features of z
    //   a_l = a_{l-1} + ELU(maskB(a_{l-1}) + W_l h)      l = 2..L
    //   logits = conv1x1(a_L)
    public func logits(_ t: Tape, x: Tensor, h: Tensor?) -> Tensor {
        let condAll = cond.map { $0(t, h!) }          // [N,28,28,L*C]: every layer's W_l h
        // each conv adds its layer's slice of condAll in the same pass (Conv2D.swift)
        let pre = condAll.map { first(t, x, plusColumnsOf: $0, start: 0) } ?? first(t, x)
        return upperLayers(t, t.elu(pre), condAll: condAll)
    }

    /// Type-B layers 2...L and the output, from the first layer's activation a_1: each layer
    /// adds its slice of condAll (when conditioned) and keeps the residual path.
    func upperLayers(_ t: Tape, _ a1: Tensor, condAll: Tensor?) -> Tensor {
        let c = config.channels
        var a = a1
        for (l, block) in blocks.enumerated() {
            let u = condAll.map { block(t, a, plusColumnsOf: $0, start: (l + 1) * c) } ?? block(t, a)
            a = t.addELU(a, u)                        // a + ELU(u), one pass
        }
        return out(t, a)
    }
    // @end

    // @cell shared-x-term
    // Which part of the PixelCNN reads x alone? Only the type-A layer's convolution maskA(x):
    // every later layer reads a_{l-1}, which already holds ELU(maskA(x) + W_1 h(z)), so it
    // depends on z. For s codes of one image, maskA(x) is computed once and added to each
    // code's W_1 h; the other layers run once per code.
    public func xTerm(_ t: Tape, x: Tensor) -> Tensor? {
        cond == nil ? nil : first(t, x)                   // conditioned: the first layer has no bias
    }

    public func logits(_ t: Tape, xTerm: Tensor?, samplesPerImage s: Int, h: Tensor) -> Tensor {
        guard let xTerm, let cond else { preconditionFailure("logits(xTerm:) needs a conditioned PixelCNN and its xTerm") }
        let condAll = cond(t, h)                          // [B*s,28,28,L*C]
        let a1 = t.elu(t.addRepeated(xTerm, repeats: s, plusColumnsOf: condAll, start: 0))
        return upperLayers(t, a1, condAll: condAll)       // once per code
    }
    // @end

    public func namedParameters() -> [(String, Tensor)] {
        var p = prefixed("first", first.namedParameters())
        for (i, b) in blocks.enumerated() { p += prefixed("block\(i + 1)", b.namedParameters()) }
        if let cond { p += prefixed("cond", cond.namedParameters()) }
        return p + prefixed("out", out.namedParameters())
    }
}
