// Free bits and KL annealing: two remedies for posterior collapse.
//
// Free bits (Kingma et al. 2016, as openai/iaf implements it): the KL term of the loss becomes
//     sum over latent groups j of  max(lambda, mean over the batch of KL_j)
// so a group whose (batch-averaged) KL is below lambda nats costs a constant and gets no
// gradient pushing it further down: the optimiser may use lambda nats per group "for free".
// Here a group is one latent dimension. The true KL is always reported beside it.
//
// KL annealing multiplies the KL term by beta, ramped from 0 to 1 over the first steps.

// @cell free-bits
extension Tape {
    /// sum_j max(lambda, mean_n kl[n, j]) for kl of shape [N, D]: a scalar.
    public func freeBitsKL(_ kl: Tensor, lambda: Float) -> Tensor {
        // @exercise 3
        let n = kl.shape[0], d = kl.count / n
        var means = [Float](repeating: 0, count: d)
        for b in 0..<n { for j in 0..<d { means[j] += kl.data[b * d + j] } }
        for j in 0..<d { means[j] /= Float(n) }
        let out = Tensor(scalar: means.reduce(0) { $0 + max(lambda, $1) })
        if needsGrad(kl) {
            record(out) {
                // gradient 1/N to every element of a group above the floor, 0 below it
                let g = out.grad![0] / Float(n), gk = kl.gradBuffer()
                for j in 0..<d where means[j] > lambda {
                    for b in 0..<n { gk[b * d + j] += g }
                }
            }
        }
        return out
        // @exercise-end
    }
}
// @end

/// The KL weight beta at a given optimiser step: linear ramp from 0 to 1 over `steps` (0: off).
public func klAnnealingWeight(step: Int, rampSteps: Int) -> Float {
    rampSteps <= 0 ? 1 : min(1, Float(step) / Float(rampSteps))
}
