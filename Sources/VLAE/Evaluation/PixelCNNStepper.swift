// A PixelCNN evaluated one pixel at a time, every feature computed once.
//
// The masks make every layer causal in raster order: layer l's feature at pixel j reads
//   - type A (layer 1): pixels strictly before j;
//   - type B (layers 2...L): layer l-1's features at positions <= j (rows above, and the
//     centre row up to and including j).
// So once pixels 0..<j are known, the features of all L layers at j can be computed, in layer
// order, from features already computed at earlier positions; and nothing computed at j ever
// changes again. Going through the pixels in raster order, computing the L features at j and then
// the logit of pixel j, costs one forward pass of the decoder per image in all: the same work as
// the batched pass, spread over 784 steps (the caching idea of Ramachandran et al. 2017, "Fast
// generation for convolutional autoregressive models"). The windowed sampler (Sampling.swift)
// recomputes a 7 x 13 window of every layer at every step instead: about 90 times the work.
//
// The bits-back coder uses this for both sides: the encoder steps through a known digit, the
// decoder through the pixels it pops, with the very same code on the very same values, so the two
// see bit-identical logits by construction. Each feature is summed in one fixed order (bias, then
// the conditioning term, then the taps in the geometry's order, channels in order), whatever the
// image, position or batch: no BLAS blocking or thread split can change it.
//
// The logits equal the batched decoder's (Decoders.swift) up to float rounding, not bit for bit
// (sgemm adds in another order); a test checks both that and the bit-identity of the two sides.

import Foundation

public final class PixelCNNStepper {
    let decoder: PixelCNNDecoder
    let c: Int, layers: Int
    /// The image as far as it is known, 28x28 (pixels from `next` on are 0).
    let pixels: UnsafeMutablePointer<Float>
    public var x: [Float] { Array(UnsafeBufferPointer(start: pixels, count: 784)) }
    /// a_l for every pixel computed so far: layer l at [(l * 784 + pixel) * c + channel].
    let activations: UnsafeMutablePointer<Float>
    /// W_l h for every layer and pixel, [pixel * (L*c) + l*c + channel] (nil without a latent).
    let conditioning: Tensor?
    let acc: UnsafeMutablePointer<Float>
    /// The next pixel whose logit may be asked for.
    public private(set) var next = 0

    /// `h`: the conditioning features [1,28,28,C_h] of one code z (nil for the unconditional
    /// decoder). W_l h is one 1x1 convolution of h for all layers (the decoder's own `cond`,
    /// the same call on the same h on both sides of the coder).
    public init(decoder: PixelCNNDecoder, h: Tensor?) {
        self.decoder = decoder
        c = decoder.config.channels
        layers = decoder.config.layers
        pixels = .allocate(capacity: 784)
        pixels.initialize(repeating: 0, count: 784)
        activations = .allocate(capacity: layers * 784 * c)
        activations.initialize(repeating: 0, count: layers * 784 * c)
        if let cond = decoder.cond {
            precondition(h != nil && h!.shape[0] == 1, "PixelCNNStepper: a conditioned decoder needs h of one image")
            conditioning = cond(Tape(recording: false), h!)
        } else {
            conditioning = nil
        }
        acc = .allocate(capacity: c)
        acc.initialize(repeating: 0, count: c)
    }

    deinit {
        pixels.deallocate()
        activations.deallocate()
        acc.deallocate()
    }

    // @cell pixelcnn-step
    /// The logit of pixel j = next, from the pixels before it: computes the L features at j.
    public func logit() -> Float {
        precondition(next < 784, "PixelCNNStepper: all 784 pixels are set")
        let j = next, r = j / 28, col = j % 28
        let lc = layers * c, c = self.c, acc = self.acc
        for l in 0..<layers {
            let input = l == 0 ? UnsafePointer(pixels) : UnsafePointer(activations + (l - 1) * 784 * c)
            let a = activations + l * 784 * c
            let conv = l == 0 ? decoder.first : decoder.blocks[l - 1]
            let cin = l == 0 ? 1 : c
            // u = b + W_l h + sum over the taps of input(tap) W_tap, in this order
            for co in 0..<c { acc[co] = conv.b?.data[co] ?? 0 }
            if let conditioning { let h = conditioning.data + j * lc + l * c; for co in 0..<c { acc[co] += h[co] } }
            let g = conv.geometry, w = conv.w.data
            if c == 32 { sumTaps32(g, w, input, cin, r, col) } else {   // the same sums, held in registers
            for (t, tap) in g.taps.enumerated() {
                let iy = r - g.pad + tap.ky, ix = col - g.pad + tap.kx
                guard iy >= 0, iy < 28, ix >= 0, ix < 28 else { continue }   // zero padding
                let p = iy * 28 + ix
                for ci in 0..<cin {
                    let v = input[p * cin + ci]
                    let row = w + (t * cin + ci) * c
                    for co in 0..<c { acc[co] += v * row[co] }
                }
            }
            }
            // a_1 = ELU(u);  a_l = a_{l-1} + ELU(u)
            for co in 0..<c {
                let u = acc[co], e = u > 0 ? u : fastExp(u) - 1
                a[j * c + co] = l == 0 ? e : input[j * c + co] + e
            }
        }
        var out = decoder.out.b?.data[0] ?? 0
        let last = activations + (layers - 1) * 784 * c + j * c, wOut = decoder.out.w.data
        for ci in 0..<c { out += last[ci] * wOut[ci] }
        return out
    }

    /// Fix pixel j = next (known to the encoder, popped by the decoder) and move on.
    public func set(_ value: Float) {
        precondition(next < 784, "PixelCNNStepper: all 784 pixels are set")
        pixels[next] = value
        next += 1
    }
    // @end

    /// The tap loop of logit() for 32 channels (the book's width): the very same sums in the same
    /// order (acc[co] += v * w[co], taps in the geometry's order, input channels in order; a multiply
    /// then an add, never fused), with the 32 running sums in two 16-float vectors instead of memory.
    /// The generic loop loads and stores every sum for every tap and input channel; this is most of
    /// the stepper's time (docs/roofline.md).
    @inline(__always)
    func sumTaps32(_ g: ConvGeometry, _ w: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
                   _ cin: Int, _ r: Int, _ col: Int) {
        var lo = SIMD16<Float>(), hi = SIMD16<Float>()
        for co in 0..<16 { lo[co] = acc[co]; hi[co] = acc[16 + co] }
        for (t, tap) in g.taps.enumerated() {
            let iy = r - g.pad + tap.ky, ix = col - g.pad + tap.kx
            guard iy >= 0, iy < 28, ix >= 0, ix < 28 else { continue }   // zero padding
            let p = iy * 28 + ix
            for ci in 0..<cin {
                let v = SIMD16<Float>(repeating: input[p * cin + ci])
                let row = UnsafeRawPointer(w + (t * cin + ci) * 32)
                lo = lo + v * row.loadUnaligned(as: SIMD16<Float>.self)
                hi = hi + v * row.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            }
        }
        for co in 0..<16 { acc[co] = lo[co]; acc[16 + co] = hi[co] }
    }

    /// The products one image's 784 logit() calls run, for the benchmark's FLOP count (the
    /// displayed cell above stays free of counting): for every pixel and layer the taps inside
    /// the image are one 1 x (taps*cin) times (taps*cin) x c product, then the 1 x c output dot.
    public static func productsPerImage(_ decoder: PixelCNNDecoder) -> [GEMMCall] {
        let c = decoder.config.channels, layers = decoder.config.layers
        var calls: [GEMMCall] = []
        for j in 0..<784 {
            let r = j / 28, col = j % 28
            for l in 0..<layers {
                let conv = l == 0 ? decoder.first : decoder.blocks[l - 1]
                let g = conv.geometry
                let inside = g.taps.filter { tap in
                    let iy = r - g.pad + tap.ky, ix = col - g.pad + tap.kx
                    return iy >= 0 && iy < 28 && ix >= 0 && ix < 28
                }.count
                calls.append(GEMMCall(m: 1, n: c, k: inside * (l == 0 ? 1 : c)))
            }
            calls.append(GEMMCall(m: 1, n: 1, k: c))
        }
        return calls
    }
}
