// MADE: a masked autoencoder (Germain et al. 2015) that outputs, for every latent dimension i,
// a shift mu_i and a scale pre-activation s_i that depend only on the dimensions before i:
//
//   x [N, D] -> masked dense -> ELU -> ... -> masked dense -> ELU   (hidden widths H_1..H_L)
//            -> two masked output heads: mu [N, D] and s [N, D]     (strict masks: out i sees in < i)
//
// With an optional context h [N, C] (the IAF posterior's summary of x), added to the first
// hidden layer's pre-activation through a plain dense map: h may reach every hidden unit,
// because it does not depend on z at all, so the triangular structure in z is untouched.
//
// Degrees and the staircase storage are in Layers/MaskedDense.swift. The output heads start
// at zero, so a new flow is the identity (mu = 0, sigma = 1) and training starts from the
// Gaussian model.

public final class MADE: HasParameters {
    public let dim: Int
    public let hiddenLayers: [MaskedLinear]
    /// Context weights [C, H_1] (nil without a context).
    public let contextWeights: Tensor?
    public let muHead: MaskedLinear, scaleHead: MaskedLinear

    public init(dim: Int, hidden: [Int], contextDim: Int = 0, rng: inout RNG) {
        self.dim = dim
        var degrees = MADEDegrees.input(dim)
        var layers: [MaskedLinear] = []
        for h in hidden {
            let next = MADEDegrees.hidden(h, dim: dim)
            layers.append(MaskedLinear(inDegrees: degrees, outDegrees: next, strict: false, rng: &rng))
            degrees = next
        }
        hiddenLayers = layers
        if contextDim > 0, let first = hidden.first {
            let bound = 1 / Float(contextDim).squareRoot()
            let wc = Tensor(uninitialized: [contextDim, first], requiresGrad: true)
            rng.fillUniform(wc.buffer, -bound, bound)
            contextWeights = wc
        } else {
            contextWeights = nil
        }
        muHead = MaskedLinear(inDegrees: degrees, outDegrees: MADEDegrees.input(dim), strict: true, zeroInit: true, rng: &rng)
        scaleHead = MaskedLinear(inDegrees: degrees, outDegrees: MADEDegrees.input(dim), strict: true, zeroInit: true, rng: &rng)
    }

    /// (mu, s), each [N, D]: column i depends on x[:, 0..<i] (and on the context) only.
    public func callAsFunction(_ t: Tape, _ x: Tensor, context h: Tensor? = nil) -> (mu: Tensor, s: Tensor) {
        var a = x
        for (l, layer) in hiddenLayers.enumerated() {
            var pre = layer(t, a)
            if l == 0, let wc = contextWeights {
                precondition(h != nil, "this MADE was built with a context; pass one")
                pre = t.add(pre, t.dense(h!, wc, nil))
            }
            a = t.elu(pre)
        }
        return (muHead(t, a), scaleHead(t, a))
    }

    public func namedParameters() -> [(String, Tensor)] {
        var p: [(String, Tensor)] = []
        for (i, l) in hiddenLayers.enumerated() { p += prefixed("l\(i + 1)", l.namedParameters()) }
        if let contextWeights { p.append(("context.w", contextWeights)) }
        return p + prefixed("mu", muHead.namedParameters()) + prefixed("s", scaleHead.namedParameters())
    }
}
