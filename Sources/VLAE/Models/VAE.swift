import Foundation

// The variational autoencoder: encoder q(z|x), prior p(z), conditioning net h(z) and a decoder
// p(x|z). The prior is N(0, I) or an autoregressive flow; the posterior a diagonal Gaussian,
// optionally followed by an inverse autoregressive flow (Flows.swift). Built from a ModelConfig
// and a seed, so the same config and seed give the same initial weights (the flows draw theirs
// from their own random stream, so a Gaussian model's weights do not depend on them).

public final class VAE: HasParameters {
    public let config: ModelConfig
    public let encoder: Encoder?
    public let conditioning: ConditioningNet?
    public let decoder: any Decoder
    /// The AF prior (nil: N(0, I)).
    public let flowPrior: AutoregressiveFlowPrior?
    /// The IAF on top of the Gaussian posterior (nil: Gaussian posterior).
    public let flowPosterior: InverseAutoregressiveFlowPosterior?

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
        var flowRNG = RNG(seed: seed).fork(0xF10)
        if config.hasLatent, case .autoregressiveFlow(let f) = config.prior {
            flowPrior = AutoregressiveFlowPrior(dim: config.latentDim, config: f, rng: &flowRNG)
        } else { flowPrior = nil }
        if config.hasLatent, case .inverseAutoregressiveFlow(let f) = config.posterior {
            flowPosterior = InverseAutoregressiveFlowPosterior(dim: config.latentDim, config: f, rng: &flowRNG)
        } else { flowPosterior = nil }
    }

    public var latentDim: Int { config.hasLatent ? config.latentDim : 0 }

    /// q(z|x): (mu, logvar), each [N, D].
    public func encode(_ t: Tape, _ x: Tensor) -> (mu: Tensor, logvar: Tensor) { encoder!(t, x) }

    /// Logits of p(x|z) [N,28,28,1]; z is nil for the unconditional decoder.
    public func decode(_ t: Tape, x: Tensor, z: Tensor?) -> Tensor {
        let h = z.map { conditioning!(t, $0) }
        return decoder.logits(t, x: x, h: h)
    }

    /// z ~ q(z|x) from the posterior's (mu, logvar) and noise eps [N, D], with log q(z|x) per
    /// dimension [N, D]: the Gaussian's, or after the IAF.
    public func posteriorSample(_ t: Tape, mu: Tensor, logvar: Tensor, eps: Tensor) -> (z: Tensor, logq: Tensor) {
        if let flowPosterior { return flowPosterior.sample(t, mu: mu, logvar: logvar, eps: eps) }
        let z = t.reparameterize(mu: mu, logvar: logvar, eps: eps)
        return (z, t.gaussianLogDensity(z, mu: mu, logvar: logvar))
    }

    /// log p(z) per dimension [N, D]: N(0, I)'s, or the AF prior's.
    public func priorLogDensity(_ t: Tape, _ z: Tensor) -> Tensor {
        flowPrior.map { $0.logDensity(t, z) } ?? t.standardNormalLogDensity(z)
    }

    /// `count` codes z ~ p(z): eps ~ N(0, I), pushed through the AF prior's inverse if there is one.
    public func samplePriorLatent(count: Int, rng: inout RNG) -> Tensor {
        let eps = Tensor.randomNormal([count, latentDim], std: 1, rng: &rng)
        return flowPrior.map { $0.sample(eps: eps) } ?? eps
    }

    /// `samples` codes z ~ q(z|x) per image ([count * samples, D], image-major).
    public func samplePosterior(_ x: Tensor, samples: Int, rng: inout RNG) -> Tensor {
        let t = Tape(recording: false)
        let (mu, logvar) = encode(t, x)
        let muR = mu.repeatingExamples(samples), lvR = logvar.repeatingExamples(samples)
        let eps = Tensor(uninitialized: muR.shape)
        rng.fillNormal(eps.buffer)
        return posteriorSample(t, mu: muR, logvar: lvR, eps: eps).z
    }

    /// A new model with the same configuration and a copy of every weight (a fine-tune's start).
    public func copy() -> VAE {
        let m = VAE(config, seed: 0)
        for ((n, a), (n2, b)) in zip(m.namedParameters(), namedParameters()) {
            precondition(n == n2 && a.count == b.count, "VAE.copy: \(n) vs \(n2)")
            a.data.update(from: b.data, count: b.count)
        }
        return m
    }

    public func namedParameters() -> [(String, Tensor)] {
        var p: [(String, Tensor)] = []
        if let encoder { p += prefixed("encoder", encoder.namedParameters()) }
        if let conditioning { p += prefixed("conditioning", conditioning.namedParameters()) }
        p += prefixed("decoder", decoder.namedParameters())
        if let flowPrior { p += prefixed("prior", flowPrior.namedParameters()) }
        if let flowPosterior { p += prefixed("posterior", flowPosterior.namedParameters()) }
        return p
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
