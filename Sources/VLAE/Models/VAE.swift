import Foundation

// The variational autoencoder: encoder q(z|x), prior p(z) = N(0, I), conditioning net h(z) and
// a decoder p(x|z). Built from a ModelConfig and a seed, so the same config and seed give the
// same initial weights.

public final class VAE: HasParameters {
    public let config: ModelConfig
    public let encoder: Encoder?
    public let conditioning: ConditioningNet?
    public let decoder: any Decoder

    public init(_ config: ModelConfig, seed: UInt64) {
        self.config = config
        var rng = RNG(seed: seed).fork(0x1417)
        if config.hasLatent {
            encoder = Encoder(channels: config.encoderChannels, latentDim: config.latentDim, rng: &rng)
            conditioning = ConditioningNet(latentDim: config.latentDim, channels: config.conditioningChannels, rng: &rng)
        } else {
            encoder = nil; conditioning = nil
        }
        let hc = config.conditioningChannels[2]
        switch config.decoder {
        case .factorized: decoder = FactorizedDecoder(conditioningChannels: hc, rng: &rng)
        case .pixelCNN(let p): decoder = PixelCNNDecoder(p, conditioningChannels: hc, rng: &rng)
        }
    }

    public var latentDim: Int { config.hasLatent ? config.latentDim : 0 }

    /// q(z|x): (mu, logvar), each [N, D].
    public func encode(_ t: Tape, _ x: Tensor) -> (mu: Tensor, logvar: Tensor) { encoder!(t, x) }

    /// Logits of p(x|z) [N,28,28,1]; z is nil for the unconditional decoder.
    public func decode(_ t: Tape, x: Tensor, z: Tensor?) -> Tensor {
        let h = z.map { conditioning!(t, $0) }
        return decoder.logits(t, x: x, h: h)
    }

    public func namedParameters() -> [(String, Tensor)] {
        var p: [(String, Tensor)] = []
        if let encoder { p += prefixed("encoder", encoder.namedParameters()) }
        if let conditioning { p += prefixed("conditioning", conditioning.namedParameters()) }
        return p + prefixed("decoder", decoder.namedParameters())
    }
}

extension VAE {
    /// Start the decoder's output bias at the log-odds of the mean pixel of the training data, so
    /// the first steps are not spent learning that most pixels are background (a common
    /// initialisation for Bernoulli decoders; it shortens the initial plateau of the loss).
    public func initializeOutputBias(meanPixel: Double) {
        let p = min(max(meanPixel, 1e-4), 1 - 1e-4)
        let logit = Float(Foundation.log(p / (1 - p)))
        let out: Conv = (decoder as? PixelCNNDecoder)?.out ?? (decoder as! FactorizedDecoder).out
        out.b?.fill(logit)
    }
}
