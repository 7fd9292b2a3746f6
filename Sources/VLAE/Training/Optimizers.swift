// Optimisers: Adam (Kingma & Ba 2015) and its infinity-norm variant Adamax (the paper's choice).
//
// Adam, per parameter with gradient g at step t:
//   m = b1 m + (1 - b1) g            v = b2 v + (1 - b2) g^2
//   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// Adamax replaces the second moment by an exponentially weighted infinity norm:
//   u = max(b2 u, |g|)               w -= lr / (1 - b1^t) * m / (u + eps)
//
// `step()` applies the update from each parameter's accumulated gradient and zeroes it.

import Foundation

public final class Optimizer {
    public enum Kind: String, Codable, Sendable, CaseIterable { case adam, adamax }

    public let kind: Kind
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float
    public let parameters: [Tensor]
    /// First and second moments (or infinity norm), one buffer per parameter.
    public private(set) var m: [Tensor]
    public private(set) var v: [Tensor]
    public internal(set) var t: Int = 0

    public init(_ kind: Kind, parameters: [Tensor], learningRate: Float,
                beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.kind = kind; self.parameters = parameters; self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        m = parameters.map { Tensor(zeros: $0.shape) }
        v = parameters.map { Tensor(zeros: $0.shape) }
    }

    /// Apply one update and zero the gradients.
    public func step() {
        t += 1
        let c1 = 1 - Foundation.pow(beta1, Float(t))
        let c2 = 1 - Foundation.pow(beta2, Float(t))
        for (k, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            let w = p.data, mk = m[k].data, vk = v[k].data
            switch kind {
            case .adam:
                let stepSize = learningRate * c2.squareRoot() / c1
                let epsHat = eps * c2.squareRoot()
                // elementwise, so splitting over threads changes nothing in the result
                let (b1, b2) = (beta1, beta2)
                parallelChunks(p.count, minPerChunk: 32768) { r in
                    for i in r {
                        let gi = g[i]
                        mk[i] = b1 * mk[i] + (1 - b1) * gi
                        vk[i] = b2 * vk[i] + (1 - b2) * gi * gi
                        w[i] -= stepSize * mk[i] / (vk[i].squareRoot() + epsHat)
                    }
                }
            case .adamax:
                let stepSize = learningRate / c1
                for i in 0..<p.count {
                    let gi = g[i]
                    mk[i] = beta1 * mk[i] + (1 - beta1) * gi
                    vk[i] = max(beta2 * vk[i], abs(gi))
                    w[i] -= stepSize * mk[i] / (vk[i] + eps)
                }
            }
            g.update(repeating: 0, count: p.count)
        }
    }
}
