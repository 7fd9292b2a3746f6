// Masked convolutions: the PixelCNN's way of looking only at the past.
//
// Pixels are generated in raster order (row by row, left to right). The logit for pixel i may
// depend on pixels before i, never on i itself or anything after it. A k x k kernel centred on
// pixel i therefore keeps only
//   - every tap in the rows above the centre, and
//   - the taps left of the centre in the centre row,
// and, for type B, the centre tap too. Type A is for the first layer (which reads x itself, so
// it must not see pixel i); type B for later layers (whose feature at i already only summarises
// pixels before i, so reading it is safe).
//
//      type A (3x3)      type B (3x3)
//       x x x             x x x
//       x . .             x x .
//       . . .             . . .
//
// Here the mask is a list of taps (ConvGeometry): masked-out weights are never gathered nor
// stored, so a 3x3 type-B layer costs 5/9 of a full 3x3 convolution.

public enum MaskType: String, Sendable, Codable { case a = "A", b = "B" }

extension ConvGeometry {
    // @cell masked-taps
    /// The taps of a k x k masked convolution (k odd), "same" padding, stride 1.
    public static func masked(_ type: MaskType, kernel k: Int) -> ConvGeometry {
        // @exercise 7
        precondition(k % 2 == 1, "masked convolutions need an odd kernel, got \(k)")
        let c = k / 2
        var taps: [Tap] = []
        for ky in 0..<k {
            for kx in 0..<k {
                let allowed = ky < c || (ky == c && (kx < c || (kx == c && type == .b)))
                if allowed { taps.append(Tap(ky: ky, kx: kx)) }
            }
        }
        return ConvGeometry(taps: taps, kernel: k, stride: 1, pad: c)
        // @exercise-end
    }
    // @end
}

extension Tape {
    /// A masked k x k convolution, NHWC, "same" size. W: [taps*Cin, Cout].
    public func maskedConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, type: MaskType, kernel: Int) -> Tensor {
        conv2d(x, w, b, .masked(type, kernel: kernel))
    }
}
