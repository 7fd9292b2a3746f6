// Diagonal Gaussians: the posterior q(z|x) = N(mu, diag(sigma^2)), parameterised by mu and
// log sigma^2 ("logvar"), and the standard normal prior p(z) = N(0, I).
//
//   reparameterisation   z = mu + sigma * eps,  eps ~ N(0, I)    (gradients flow through mu, sigma)
//   KL in closed form    KL(q || p) per dimension = 1/2 (mu^2 + sigma^2 - 1 - log sigma^2)
//   log density          log N(z; mu, sigma^2) = -1/2 (log 2 pi + log sigma^2 + (z - mu)^2 / sigma^2)

import Foundation

public let log2Pi: Float = Float(Foundation.log(2.0 * Double.pi))

extension Tape {
    // @cell reparameterize
    /// z = mu + exp(logvar / 2) * eps, with eps a given standard-normal tensor.
    public func reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor) -> Tensor {
        // @exercise 1
        precondition(mu.count == logvar.count && mu.count == eps.count)
        let out = Tensor(uninitialized: mu.shape)
        let n = mu.count
        for i in 0..<n { out.data[i] = mu.data[i] + Foundation.exp(0.5 * logvar.data[i]) * eps.data[i] }
        if needsGrad(mu, logvar) {
            record(out) {
                // dz/dmu = 1;  dz/dlogvar = eps * sigma / 2
                let go = out.grad!
                if mu.requiresGrad { let g = mu.gradBuffer(); for i in 0..<n { g[i] += go[i] } }
                if logvar.requiresGrad {
                    let g = logvar.gradBuffer()
                    for i in 0..<n { g[i] += go[i] * eps.data[i] * 0.5 * Foundation.exp(0.5 * logvar.data[i]) }
                }
            }
        }
        return out
        // @exercise-end
    }
    // @end

    // @cell gaussian-kl
    /// KL(N(mu, e^logvar) || N(0, 1)) per dimension: [N, D] -> [N, D].
    public func gaussianKL(mu: Tensor, logvar: Tensor) -> Tensor {
        // @exercise 2
        let out = Tensor(uninitialized: mu.shape)
        let n = mu.count
        for i in 0..<n {
            let m = mu.data[i], lv = logvar.data[i]
            out.data[i] = 0.5 * (m * m + Foundation.exp(lv) - 1 - lv)
        }
        if needsGrad(mu, logvar) {
            record(out) {
                // dKL/dmu = mu;  dKL/dlogvar = (e^logvar - 1) / 2
                let go = out.grad!
                if mu.requiresGrad { let g = mu.gradBuffer(); for i in 0..<n { g[i] += go[i] * mu.data[i] } }
                if logvar.requiresGrad {
                    let g = logvar.gradBuffer()
                    for i in 0..<n { g[i] += go[i] * 0.5 * (Foundation.exp(logvar.data[i]) - 1) }
                }
            }
        }
        return out
        // @exercise-end
    }
    // @end

    /// log N(z; mu, e^logvar) per dimension (elementwise), gradients to z, mu and logvar.
    public func gaussianLogDensity(_ z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor {
        let out = Tensor(uninitialized: z.shape)
        let n = z.count
        for i in 0..<n {
            let d = z.data[i] - mu.data[i], lv = logvar.data[i]
            out.data[i] = -0.5 * (log2Pi + lv + d * d * Foundation.exp(-lv))
        }
        if needsGrad(z, mu, logvar) {
            record(out) {
                // d/dz = -(z - mu)/s^2;  d/dmu = (z - mu)/s^2;  d/dlogvar = -1/2 + (z - mu)^2 / (2 s^2)
                let go = out.grad!
                for i in 0..<n {
                    let d = z.data[i] - mu.data[i], inv = Foundation.exp(-logvar.data[i]), g = go[i]
                    if z.requiresGrad { z.gradBuffer()[i] -= g * d * inv }
                    if mu.requiresGrad { mu.gradBuffer()[i] += g * d * inv }
                    if logvar.requiresGrad { logvar.gradBuffer()[i] += g * (-0.5 + 0.5 * d * d * inv) }
                }
            }
        }
        return out
    }

    /// log N(z; 0, 1) per dimension.
    public func standardNormalLogDensity(_ z: Tensor) -> Tensor {
        let out = Tensor(uninitialized: z.shape)
        for i in 0..<z.count { out.data[i] = -0.5 * (log2Pi + z.data[i] * z.data[i]) }
        if needsGrad(z) {
            record(out) {
                let go = out.grad!, g = z.gradBuffer()
                for i in 0..<z.count { g[i] -= go[i] * z.data[i] }
            }
        }
        return out
    }
}
