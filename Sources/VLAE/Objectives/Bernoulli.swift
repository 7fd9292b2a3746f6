// The Bernoulli log-likelihood of binary pixels, from logits.
//
// With l the logit of pixel i and x in {0, 1}:
//   log p(x | l) = x l - log(1 + e^l) = x l - softplus(l)
// softplus is computed as max(l, 0) + log1p(e^-|l|), so a logit of +-80 gives the right answer
// instead of inf - inf. The derivative is tidy: d log p / d l = x - sigmoid(l).

extension Tape {
    // @cell bernoulli-likelihood
    /// Per-example log p(x | logits), summed over pixels: logits and x [N, ...] -> [N].
    /// `x` is data (no gradient flows into it).
    public func bernoulliLogLikelihood(logits: Tensor, targets x: Tensor) -> Tensor {
        precondition(logits.count == x.count, "logits \(logits.shape) vs targets \(x.shape)")
        let n = logits.shape[0], d = logits.count / n
        let out = Tensor(uninitialized: [n])
        let pl = logits.data, px = x.data
        let po = out.data
        // examples split over threads; each example's sum runs in the same order as on one thread
        parallelChunks(n, minPerChunk: max(1, 8192 / max(d, 1))) { examples in
            for b in examples {
                var s: Float = 0
                for i in (b * d)..<((b + 1) * d) { s += px[i] * pl[i] - stableSoftplus(pl[i]) }
                po[b] = s
            }
        }
        if needsGrad(logits) {
            record(out) {
                let go = out.grad!, gl = logits.gradBuffer()
                parallelChunks(n, minPerChunk: max(1, 8192 / max(d, 1))) { examples in
                    for b in examples {
                        let g = go[b]
                        for i in (b * d)..<((b + 1) * d) { gl[i] += g * (px[i] - stableSigmoid(pl[i])) }
                    }
                }
            }
        }
        return out
    }
    // @end
}

/// log p(x | logits) for one pixel (evaluation and sampling code).
@inline(__always)
public func bernoulliLogProb(_ x: Float, logit l: Float) -> Float { x * l - stableSoftplus(l) }
