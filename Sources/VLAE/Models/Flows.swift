// Autoregressive flows over the latent code: an AF prior p(z) and an IAF posterior q(z|x)
// (Kingma et al. 2016, IAF; Papamakarios et al. 2017, MAF; Chen et al. 2017, the VLAE paper;
// flows in variational inference: Rezende & Mohamed 2015).
//
// Both are stacks of K affine autoregressive steps built from MADE (MADE.swift). One step maps
// v to u with, for every dimension i,
//
//     u_i = mu_i + sigma_i * v_i,       sigma_i = softplus(s_i + c),  c = log(e - 1)
//
// where (mu_i, s_i) come from a MADE and depend on earlier dimensions only (c makes sigma = 1
// when s = 0, so a zero-initialised MADE is the identity). The Jacobian du/dv is triangular with
// diagonal sigma, so log |det du/dv| = sum_i log sigma_i. The ordering of the dimensions is
// reversed on every other step (steps 1, 3, ...), so each dimension is conditioned on all others
// somewhere in the stack.
//
// What the MADE reads is the whole difference between the two flows:
//
// AF prior (the paper's choice). (mu, s) of a step read u, the step's *output*:
//     u_i = mu_i(u_<i) + sigma_i(u_<i) * v_i.
//   Density, one parallel pass per step (z given, every u_<i known):
//     v_i = (u_i - mu_i(u_<i)) / sigma_i(u_<i)       from u_K = z down to v = u_0 = eps,
//     log p(z) = log N(eps; 0, I) - sum_k sum_i log sigma_k,i.
//   Sampling must invert this: u_i needs u_<i first, so D passes per step, one per dimension.
//   In training only the density is needed: one MADE pass per step.
//
// IAF posterior. (mu, s) read the step's *input* (and a context h from the encoder):
//     z_k,i = mu_i(z_{k-1,<i}, h) + sigma_i(z_{k-1,<i}, h) * z_{k-1,i},   z_0 = mu(x) + sigma(x) eps,
//     log q(z_K|x) = log N(z_0; mu(x), sigma(x)^2) - sum_k sum_i log sigma_k,i.
//   Sampling with its density is one parallel pass per step; evaluating q at an arbitrary z
//   would need the D-pass inversion, but the ELBO never asks for it.
//
// So in training both cost K MADE passes over [N, D] and, with the same K and widths, have the
// same parameters (plus the IAF's context weights). They differ in what they change: the AF
// prior makes the *generative model* p(z) p(x|z) more expressive; the IAF posterior only makes
// the bound tighter for the same generative model.
//
// Per-dimension bookkeeping. Every quantity above is a sum over dimensions i of a term that
// belongs to coordinate i of z (a reversed step's terms are mapped back to z's own order), so
// log q(z|x) and log p(z) are returned per dimension, [N, D], and the KL estimate per dimension
// is their difference (ELBO.swift). Those terms sum to the one-sample KL estimate; one of them
// alone is an attribution, not a KL, and can be negative.

import Foundation

/// softplus(c) = 1: a zero pre-activation gives sigma = 1.
let flowScaleOffset: Float = Float(Foundation.log(Foundation.M_E - 1))

// @cell flow-ops
extension Tape {
    /// log sigma = log softplus(s + c) elementwise (c = log(e - 1), so s = 0 gives log sigma = 0).
    /// Backward: d log sigma / ds = sigmoid(s + c) / softplus(s + c).
    public func flowLogScale(_ s: Tensor) -> Tensor {
        let out = Tensor(uninitialized: s.shape)
        let n = s.count
        for i in 0..<n {
            let a = s.data[i] + flowScaleOffset
            // below -20, log softplus(a) = a - e^a/2 + ... = a to float precision
            out.data[i] = a < -20 ? a : Foundation.log(stableSoftplus(a))
        }
        if needsGrad(s) {
            record(out) {
                let go = out.grad!, gs = s.gradBuffer()
                for i in 0..<n {
                    let a = s.data[i] + flowScaleOffset
                    gs[i] += go[i] * (a < -20 ? 1 : stableSigmoid(a) / stableSoftplus(a))
                }
            }
        }
        return out
    }

    /// shift + e^logScale * v elementwise: one step of a flow in its sampling direction.
    /// Backward: dv = g e^l;  dshift = g;  dl = g e^l v.
    public func affine(_ v: Tensor, shift: Tensor, logScale: Tensor) -> Tensor {
        precondition(v.count == shift.count && v.count == logScale.count)
        let out = Tensor(uninitialized: v.shape)
        let n = v.count
        for i in 0..<n { out.data[i] = shift.data[i] + Foundation.exp(logScale.data[i]) * v.data[i] }
        if needsGrad(v, shift, logScale) {
            record(out) {
                let go = out.grad!
                for i in 0..<n {
                    let e = Foundation.exp(logScale.data[i]), g = go[i]
                    if v.requiresGrad { v.gradBuffer()[i] += g * e }
                    if shift.requiresGrad { shift.gradBuffer()[i] += g }
                    if logScale.requiresGrad { logScale.gradBuffer()[i] += g * e * v.data[i] }
                }
            }
        }
        return out
    }

    /// (u - shift) e^-logScale elementwise: the inverse of `affine`, a flow step in its density
    /// direction. Backward: du = g e^-l;  dshift = -g e^-l;  dl = -g * out.
    public func standardize(_ u: Tensor, shift: Tensor, logScale: Tensor) -> Tensor {
        precondition(u.count == shift.count && u.count == logScale.count)
        let out = Tensor(uninitialized: u.shape)
        let n = u.count
        for i in 0..<n { out.data[i] = (u.data[i] - shift.data[i]) * Foundation.exp(-logScale.data[i]) }
        if needsGrad(u, shift, logScale) {
            record(out) {
                let go = out.grad!
                for i in 0..<n {
                    let e = Foundation.exp(-logScale.data[i]), g = go[i]
                    if u.requiresGrad { u.gradBuffer()[i] += g * e }
                    if shift.requiresGrad { shift.gradBuffer()[i] -= g * e }
                    if logScale.requiresGrad { logScale.gradBuffer()[i] -= g * out.data[i] }
                }
            }
        }
        return out
    }

    /// The columns of x [N, D] in reverse order (a reversed step's ordering). Its own inverse;
    /// backward applies the same permutation to the gradient.
    public func reverseColumns(_ x: Tensor) -> Tensor {
        let d = x.cols, r = x.rows
        let out = Tensor(uninitialized: x.shape)
        for i in 0..<r { for j in 0..<d { out.data[i * d + j] = x.data[i * d + d - 1 - j] } }
        if needsGrad(x) {
            record(out) {
                let go = out.grad!, gx = x.gradBuffer()
                for i in 0..<r { for j in 0..<d { gx[i * d + d - 1 - j] += go[i * d + j] } }
            }
        }
        return out
    }
}
// @end

/// One stack of MADE steps with alternating orderings: what the AF prior and the IAF posterior share.
public final class FlowSteps: HasParameters {
    public let dim: Int
    public let made: [MADE]

    public init(dim: Int, config: FlowConfig, contextDim: Int = 0, rng: inout RNG) {
        self.dim = dim
        made = (0..<config.steps).map { _ in MADE(dim: dim, hidden: config.hidden, contextDim: contextDim, rng: &rng) }
    }

    /// Step k reads the dimensions in reverse order when k is odd.
    public func isReversed(_ k: Int) -> Bool { k % 2 == 1 }

    /// (mu, log sigma) of step k for the variables x [N, D], in z's own coordinate order.
    public func parameters(_ t: Tape, step k: Int, _ x: Tensor, context h: Tensor? = nil) -> (mu: Tensor, logSigma: Tensor) {
        guard isReversed(k) else {
            let (mu, s) = made[k](t, x, context: h)
            return (mu, t.flowLogScale(s))
        }
        let (mu, s) = made[k](t, t.reverseColumns(x), context: h)
        return (t.reverseColumns(mu), t.reverseColumns(t.flowLogScale(s)))
    }

    public func namedParameters() -> [(String, Tensor)] {
        made.enumerated().flatMap { prefixed("step\($0.offset + 1)", $0.element.namedParameters()) }
    }
}

/// The autoregressive-flow prior p(z): eps ~ N(0, I) pushed through K AF steps.
public final class AutoregressiveFlowPrior: HasParameters {
    public let flow: FlowSteps
    public var dim: Int { flow.dim }

    public init(dim: Int, config: FlowConfig, rng: inout RNG) {
        flow = FlowSteps(dim: dim, config: config, rng: &rng)
    }

    // @cell af-density
    /// log p(z) per dimension, [N, D] (sum over the last axis for log p(z)): one parallel pass
    /// per step, from u_K = z back to eps = u_0.
    public func logDensity(_ t: Tape, _ z: Tensor) -> Tensor {
        // @exercise 11
        var u = z
        var sumLogSigma: Tensor? = nil
        for k in flow.made.indices.reversed() {
            let (mu, logSigma) = flow.parameters(t, step: k, u)      // read u_k: all of it is known
            u = t.standardize(u, shift: mu, logScale: logSigma)      // u_{k-1} = (u_k - mu) / sigma
            sumLogSigma = sumLogSigma.map { t.add($0, logSigma) } ?? logSigma
        }
        let logNormal = t.standardNormalLogDensity(u)                // log N(eps; 0, I)
        return sumLogSigma.map { t.sub(logNormal, $0) } ?? logNormal // - log |det dz/deps|
        // @exercise-end
    }
    // @end

    /// eps = f(z), the density direction without a tape (for tests and figures).
    public func epsilon(_ z: Tensor) -> Tensor {
        // @exercise 11
        let t = Tape(recording: false)
        var u = z
        for k in flow.made.indices.reversed() {
            let (mu, logSigma) = flow.parameters(t, step: k, u)
            u = t.standardize(u, shift: mu, logScale: logSigma)
        }
        return u
        // @exercise-end
    }

    // @cell af-sample
    /// z = f^-1(eps) for eps [N, D]: each step inverted one dimension at a time, in that step's
    /// ordering. Pass j fixes the j-th dimension: its mu and sigma depend only on dimensions
    /// fixed by earlier passes, so after D passes the step is inverted exactly.
    public func sample(eps: Tensor) -> Tensor {
        let t = Tape(recording: false)
        let n = eps.rows, d = dim
        var v = eps
        for k in flow.made.indices {
            let u = Tensor(zeros: v.shape)
            let order = flow.isReversed(k) ? Array((0..<d).reversed()) : Array(0..<d)
            for i in order {
                let (mu, logSigma) = flow.parameters(t, step: k, u)
                for r in 0..<n {
                    let at = r * d + i
                    u.data[at] = mu.data[at] + Foundation.exp(logSigma.data[at]) * v.data[at]
                }
            }
            v = u
        }
        return v
    }
    // @end

    public func namedParameters() -> [(String, Tensor)] { flow.namedParameters() }
}

/// The inverse-autoregressive-flow posterior q(z|x): the Gaussian posterior's sample z_0 pushed
/// through K IAF steps that also read a context h computed from the encoder's output.
///
/// The context: h = ELU(W [mu(x), log sigma^2(x)] + b), C = `contextDim` numbers per image, fed
/// to the first hidden layer of every step. It is small on purpose: its weights (2D*C + C, plus
/// C * H_1 per step) are the only parameters the IAF posterior has beyond the AF prior's, and the
/// two are compared at equal cost (within 1% of the whole model's parameters).
public final class InverseAutoregressiveFlowPosterior: HasParameters {
    public static let contextDim = 4
    public let flow: FlowSteps
    public let contextNet: Linear
    public var dim: Int { flow.dim }

    public init(dim: Int, config: FlowConfig, rng: inout RNG) {
        contextNet = Linear(2 * dim, InverseAutoregressiveFlowPosterior.contextDim, rng: &rng)
        flow = FlowSteps(dim: dim, config: config, contextDim: InverseAutoregressiveFlowPosterior.contextDim, rng: &rng)
    }

    /// h = ELU(W [mu, logvar] + b), [N, C].
    public func context(_ t: Tape, mu: Tensor, logvar: Tensor) -> Tensor {
        t.elu(contextNet(t, t.concat([mu, logvar])))
    }

    // @cell iaf-posterior
    /// z ~ q(z|x) and log q(z|x) per dimension [N, D], given the Gaussian posterior's (mu, logvar)
    /// and the noise eps: one parallel pass per step.
    public func sample(_ t: Tape, mu: Tensor, logvar: Tensor, eps: Tensor) -> (z: Tensor, logq: Tensor) {
        var z = t.reparameterize(mu: mu, logvar: logvar, eps: eps)      // z_0 = mu + sigma eps
        var logq = t.gaussianLogDensity(z, mu: mu, logvar: logvar)      // log N(z_0; mu, sigma^2)
        let h = context(t, mu: mu, logvar: logvar)
        for k in flow.made.indices {
            let (m, logSigma) = flow.parameters(t, step: k, z, context: h)  // read z_{k-1}: known
            z = t.affine(z, shift: m, logScale: logSigma)                    // z_k = m + sigma z_{k-1}
            logq = t.sub(logq, logSigma)                                     // - log |det dz_k/dz_{k-1}|
        }
        return (z, logq)
    }
    // @end

    /// The flow alone: z_0 [N, D] and a context h [N, C] to z_K and sum_k log sigma_k per
    /// dimension (tests: the log-determinant, the use of h).
    public func transform(_ t: Tape, _ z0: Tensor, context h: Tensor) -> (z: Tensor, logDet: Tensor) {
        var z = z0
        var logDet = Tensor(zeros: z0.shape)
        for k in flow.made.indices {
            let (m, logSigma) = flow.parameters(t, step: k, z, context: h)
            z = t.affine(z, shift: m, logScale: logSigma)
            logDet = t.add(logDet, logSigma)
        }
        return (z, logDet)
    }

    public func namedParameters() -> [(String, Tensor)] {
        prefixed("context", contextNet.namedParameters()) + flow.namedParameters()
    }
}
