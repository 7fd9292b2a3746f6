// The evidence lower bound, the objective every model in this book trains on:
//
//   log p(x) >= ELBO(x) = E_q(z|x)[log p(x|z)] - KL(q(z|x) || p(z))
//                         '-- reconstruction --'   '-- rate: nats in z --'
//
// One sample z = mu + sigma * eps estimates the expectation; the KL of two Gaussians is exact.
// The training loss per batch is the negative, averaged over the batch:
//   loss = mean_n [-log p(x_n|z_n)] + beta * KLterm
// where KLterm is mean_n sum_j KL_nj, or the free-bits version (FreeBits.swift). The KL is
// *summed* over the D latent dimensions, as the reconstruction is summed over the 784 pixels:
// both are nats of the same image.
//
// With a flow (an AF prior or an IAF posterior, Flows.swift) the KL has no closed form. The same
// sample z ~ q(z|x) then estimates it too:
//   KL_nj ~ log q(z_n|x_n)_j - log p(z_n)_j          (one sample; unbiased for the sum over j)
// where the subscript j is the part of each log density that belongs to coordinate j of z (both
// are sums over j, Flows.swift). Free bits with a flow: the floor is applied to the same
// per-dimension terms, averaged over the batch, exactly as for the Gaussian (and as the PyTorch
// reference and openai/iaf do): sum_j max(lambda, mean_n KL_nj). A term of one dimension is an
// attribution of the estimate to that coordinate, not a KL of its own; what the floor guarantees
// is unchanged: the batch's estimated KL is charged at least D * lambda nats.

public struct ELBOOptions: Sendable {
    /// KL weight (annealing); 1 is the true ELBO.
    public var beta: Float = 1
    /// Free-bits floor per latent dimension in nats; 0 is off.
    public var freeBits: Float = 0
    public init(beta: Float = 1, freeBits: Float = 0) { self.beta = beta; self.freeBits = freeBits }
}

/// What one ELBO evaluation on a batch gives back.
public struct ELBOResult {
    /// The scalar to minimise (on the tape).
    public let loss: Tensor
    /// -log p(x_n | z_n) per example, nats.
    public let reconstruction: [Float]
    /// KL_nj per example and latent dimension, nats, [N][D] flattened (empty without a latent).
    public let klPerDim: [Float]
    public let latentDim: Int
    /// Posterior means [N*D] (for probes and plots).
    public let mu: [Float]

    public var batch: Int { reconstruction.count }
    /// KL per example (sum over dimensions).
    public var kl: [Float] {
        guard latentDim > 0 else { return [Float](repeating: 0, count: batch) }
        return (0..<batch).map { n in (0..<latentDim).reduce(0) { $0 + klPerDim[n * latentDim + $1] } }
    }
    /// -ELBO per example.
    public var negativeELBO: [Float] { zip(reconstruction, kl).map { $0 + $1 } }
}

extension VAE {
    /// The (free-bits / annealed) negative ELBO of a batch x [N,28,28,1], on tape `t`.
    /// `rng` draws the reparameterisation noise.
    public func elbo(_ t: Tape, _ x: Tensor, rng: inout RNG, options: ELBOOptions = ELBOOptions()) -> ELBOResult {
        let n = x.shape[0]
        guard config.hasLatent else {
            let logp = t.bernoulliLogLikelihood(logits: decode(t, x: x, z: nil), targets: x)
            let loss = t.scale(t.sum(logp), -1 / Float(n))
            return ELBOResult(loss: loss, reconstruction: logp.values.map { -$0 }, klPerDim: [], latentDim: 0, mu: [])
        }
        // @cell elbo
        // -ELBO(x) = -E_q(z|x)[log p(x|z)] + KL(q(z|x) || p(z)), one sample z per image
        let (mu, logvar) = encode(t, x)                                       // q(z|x) = N(mu, diag exp(logvar))
        let eps = Tensor(uninitialized: mu.shape)
        rng.fillNormal(eps.buffer)
        let z: Tensor, kl: Tensor                                             // kl: [N, D]
        if config.hasFlow {
            // @cell flow-kl
            let (zq, logq) = posteriorSample(t, mu: mu, logvar: logvar, eps: eps)   // z ~ q(z|x), log q per dim
            z = zq
            kl = t.sub(logq, priorLogDensity(t, z))                           // log q(z|x) - log p(z), per dim
            // @end
        } else {
            z = t.reparameterize(mu: mu, logvar: logvar, eps: eps)
            kl = t.gaussianKL(mu: mu, logvar: logvar)                         // closed form
        }
        let logp = t.bernoulliLogLikelihood(logits: decode(t, x: x, z: z), targets: x)  // [N]

        let recon = t.scale(t.sum(logp), -1 / Float(n))                       // mean_n -log p(x_n|z_n)
        let klTerm = options.freeBits > 0 ? t.freeBitsKL(kl, lambda: options.freeBits)
                                          : t.scale(t.sum(kl), 1 / Float(n))
        let loss = options.beta == 1 ? t.add(recon, klTerm) : t.add(recon, t.scale(klTerm, options.beta))
        // @end
        return ELBOResult(loss: loss, reconstruction: logp.values.map { -$0 }, klPerDim: kl.values,
                          latentDim: config.latentDim, mu: mu.values)
    }
}
