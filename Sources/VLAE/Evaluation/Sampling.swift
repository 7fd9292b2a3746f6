// Sampling x' ~ p(x|z): the decompression of a lossy code.
//
// A factorized decoder gives every pixel's probability at once. A PixelCNN must go pixel by
// pixel in raster order, each pixel's logit depending on the pixels sampled before it: 784
// decoder passes. The naive way runs the whole 28x28 decoder each time. But a PixelCNN with L
// masked layers of kernel k only *sees* a small window: R rows above the pixel and W columns
// to either side, with
//     R = W = firstKernel/2 + (L-1) * (k/2)          (6 for the 6-layer 3x3 decoder)
// Running the decoder on just that window (zero padding exactly where the image has its
// border) gives the same logit, because no value outside the window can reach it. For the
// 6-layer decoder that is 7 x 13 = 91 pixels instead of 784 per step.
//
// Both samplers draw their uniforms in the same order, so for one seed they give identical
// images; a test checks it. A third, the stepper (PixelCNNStepper.swift), computes every feature
// of every layer once, in raster order: one decoder pass per image in all. It draws in the same
// order too; its logits equal the others' up to float rounding, so its images are the same
// except where a uniform falls within rounding of a pixel's probability.

import Foundation

public enum SamplingMethod: String, Sendable { case naive, windowed, stepper }

extension VAE {
    /// Sample one image per row of z ([N, D]; nil for the unconditional decoder, then `count`
    /// images). Returns N*784 binary pixels.
    public func sample(z: Tensor?, count: Int? = nil, rng: inout RNG, method: SamplingMethod = .windowed) -> [Float] {
        let n = z?.shape[0] ?? count!
        let t = Tape(recording: false)
        let h = z.map { conditioning!(t, $0) }     // [N,28,28,C], computed once
        let x = Tensor(zeros: [n, 28, 28, 1])   // filled in place, pixel by pixel

        guard decoder.isAutoregressive else {
            let logits = decoder.logits(t, x: x, h: h)
            for i in 0..<784 { for b in 0..<n { x.data[b * 784 + i] = draw(logits.data[b * 784 + i], &rng) } }
            return x.values
        }

        if method == .stepper, let pixelCNN = decoder as? PixelCNNDecoder {
            let steppers = (0..<n).map { b in
                PixelCNNStepper(decoder: pixelCNN, h: h.map { crop($0, batch: b) })
            }
            for i in 0..<784 {
                for b in 0..<n {
                    let v = draw(steppers[b].logit(), &rng)
                    steppers[b].set(v)
                    x.data[b * 784 + i] = v
                }
            }
            return x.values
        }

        for r in 0..<28 {
            for c in 0..<28 {
                let logit = pixelLogits(t, x: x, h: h, row: r, column: c, method: method)
                for b in 0..<n { x.data[b * 784 + r * 28 + c] = draw(logit(b), &rng) }
            }
        }
        return x.values
    }

    /// The logits of pixel (row, column) for every image of x [N,28,28,1] given h, as the
    /// sampler computes them: the whole decoder (naive) or only the window it sees (windowed).
    /// Only the pixels before (row, column) in raster order may influence the result; the
    /// bits-back coder (Coding/BitsBack.swift) decodes with this same function, one pixel at a time.
    public func pixelLogits(_ t: Tape, x: Tensor, h: Tensor?, row r: Int, column c: Int,
                            method: SamplingMethod = .windowed) -> (Int) -> Float {
        guard case .pixelCNN(let p) = config.decoder else { preconditionFailure("pixelLogits needs a PixelCNN decoder") }
        let reach = p.receptiveRowsAbove   // rows above = columns either side
        switch method {
        case .naive:
            let logits = decoder.logits(t, x: x, h: h)
            return { b in logits.data[b * 784 + r * 28 + c] }
        case .windowed, .stepper:
            let (r0, c0, wh, ww) = window(row: r, column: c, reach: reach)
            let xw = crop(x, r0, c0, wh, ww)
            let hw = h.map { crop($0, r0, c0, wh, ww) }
            let logits = decoder.logits(t, x: xw, h: hw)
            let at = (wh - 1) * ww + (c - c0)
            return { b in logits.data[b * wh * ww + at] }
        }
    }

    /// Decompressions of `images`: z ~ q(z|x) once per sample, then x' ~ p(x|z).
    /// Returns, for each image, `samples` sampled images (each 784 pixels).
    public func decompress(_ images: [Float], count: Int, samples: Int, rng: inout RNG,
                           method: SamplingMethod = .windowed) -> [[[Float]]] {
        let x = Tensor(images, shape: [count, 28, 28, 1])
        let z = samplePosterior(x, samples: samples, rng: &rng)
        let flat = sample(z: z, rng: &rng, method: method)
        return (0..<count).map { i in
            (0..<samples).map { s in Array(flat[((i * samples + s) * 784)..<((i * samples + s + 1) * 784)]) }
        }
    }

    /// Samples from the model: z ~ p(z) (N(0, I) or the AF prior), x ~ p(x|z).
    public func samplePrior(count: Int, rng: inout RNG, method: SamplingMethod = .windowed) -> [Float] {
        guard config.hasLatent else { return sample(z: nil, count: count, rng: &rng, method: method) }
        let z = samplePriorLatent(count: count, rng: &rng)
        return sample(z: z, rng: &rng, method: method)
    }
}

@inline(__always)
private func draw(_ logit: Float, _ rng: inout RNG) -> Float {
    rng.uniform() < stableSigmoid(logit) ? 1 : 0
}

/// The window of rows [r0, r0+h) and columns [c0, c0+w) that pixel (r, c)'s logit depends on.
@inline(__always)
func window(row r: Int, column c: Int, reach: Int) -> (r0: Int, c0: Int, h: Int, w: Int) {
    let r0 = max(0, r - reach), c0 = max(0, c - reach), c1 = min(27, c + reach)
    return (r0, c0, r - r0 + 1, c1 - c0 + 1)
}

/// Image b of an NHWC tensor, as a batch of one.
func crop(_ x: Tensor, batch b: Int) -> Tensor {
    let per = x.count / x.shape[0]
    let out = Tensor(uninitialized: [1] + Array(x.shape.dropFirst()))
    out.data.update(from: x.data + b * per, count: per)
    return out
}

/// Rows [r0, r0+h) and columns [c0, c0+w) of an NHWC tensor.
func crop(_ x: Tensor, _ r0: Int, _ c0: Int, _ h: Int, _ w: Int) -> Tensor {
    let (n, H, W, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let out = Tensor(uninitialized: [n, h, w, c])
    for b in 0..<n {
        for r in 0..<h {
            let src = x.data + ((b * H + r0 + r) * W + c0) * c
            (out.data + ((b * h + r) * w) * c).update(from: src, count: w * c)
        }
    }
    return out
}
