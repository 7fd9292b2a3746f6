// 2-D convolution as one matrix product (im2col), in NHWC.
//
// For every output pixel (n, oy, ox) gather the input values under the kernel into one row:
//   cols[(n, oy, ox), (t, ci)] = x[n, oy*s - p + ky_t, ox*s - p + kx_t, ci]   (0 outside the image)
// where t runs over the kernel's taps (ky_t, kx_t). Then
//   y = cols W + b          W: [taps * Cin, Cout]
// Backward:
//   dW += cols^T dy         db += column sums of dy
//   dcols = dy W^T          dx += scatter-add of dcols back to the pixels they came from (col2im)
//
// A plain kxk convolution has all k*k taps. A masked convolution (MaskedConv.swift) simply has
// fewer: the taps a PixelCNN may not look at are not gathered at all, so the masked weights
// never exist and cost nothing (instead of multiplying a full kernel by a 0/1 mask).

/// Which input pixels a convolution reads and what shape it writes.
public struct ConvGeometry: Equatable, Sendable {
    /// Kernel taps as (ky, kx) offsets inside a k x k window, in the order of W's rows.
    public let taps: [Tap]
    public let kernel: Int
    public let stride: Int
    public let pad: Int

    public struct Tap: Equatable, Sendable { public let ky: Int, kx: Int }

    /// A full k x k kernel.
    public init(kernel: Int, stride: Int = 1, pad: Int) {
        var taps: [Tap] = []
        for ky in 0..<kernel { for kx in 0..<kernel { taps.append(Tap(ky: ky, kx: kx)) } }
        self.init(taps: taps, kernel: kernel, stride: stride, pad: pad)
    }

    public init(taps: [Tap], kernel: Int, stride: Int, pad: Int) {
        self.taps = taps; self.kernel = kernel; self.stride = stride; self.pad = pad
    }

    public func outSize(_ n: Int) -> Int { (n + 2 * pad - kernel) / stride + 1 }

    /// A 1x1 stride-1 convolution needs no gathering: the feature map already is `cols`.
    public var isPointwise: Bool { kernel == 1 && stride == 1 && pad == 0 && taps.count == 1 }
}

extension Tape {
    /// y = conv(x, W) + b.   x: [N, H, W, Cin]   W: [taps*Cin, Cout]   b: [Cout]   y: [N, Ho, Wo, Cout]
    public func conv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry) -> Tensor {
        conv2d(x, w, b, g, countReference: true)
    }

    /// y = conv(x, W) + b + all[..., start ..< start + Cout]: a convolution plus a slice of the
    /// columns of a wide tensor with the same pixels (the PixelCNN adds each layer's share of the
    /// conditioning projection this way). The same as addColumnSlice(conv2d(x, W, b), all, start)
    /// with the slice written into y before the product is added: no extra pass, no extra map.
    public func conv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry,
                       plusColumnsOf all: Tensor, start: Int) -> Tensor {
        conv2d(x, w, b, g, countReference: true, addend: (all, start))
    }

    /// `countReference: false` for convolutions that are part of a bigger op which counts its
    /// own reference FLOPs (the fused upsample + conv).
    func conv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry, countReference: Bool,
                addend: (all: Tensor, start: Int)? = nil) -> Tensor {
        precondition(x.rank == 4, "conv2d wants NHWC input, got \(x.shape)")
        let (n, h, wd, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let cout = w.shape[1]
        precondition(w.shape[0] == g.taps.count * cin,
                     "conv2d: weight \(w.shape) does not fit \(g.taps.count) taps x \(cin) channels")
        let ho = g.outSize(h), wo = g.outSize(wd)
        let rows = n * ho * wo, k = g.taps.count * cin
        let out = Tensor(uninitialized: [n, ho, wo, cout])
        if countReference { FLOPCounter.layer(outputs: rows, fanIn: g.kernel * g.kernel * cin, fanOut: cout) }

        // forward: gather (unless pointwise), then one sgemm
        let cols: Tensor
        if g.isPointwise { cols = x } else {
            cols = Tensor(uninitialized: [rows, k])
            im2col(x.data, n, h, wd, cin, g, ho, wo, cols.data)
        }
        if let addend {
            precondition(addend.all.rows == rows && addend.start + cout <= addend.all.cols,
                         "conv2d: cannot add columns \(addend.start)..<\(addend.start + cout) of \(addend.all.shape)")
            denseForward(cols.data, w.data, b?.data, out.data, rows, k, cout,
                         addend: (UnsafePointer(addend.all.data + addend.start), addend.all.cols))
        } else {
            denseForward(cols.data, w.data, b?.data, out.data, rows, k, cout)
        }

        var inputs = [x, w]
        if let b { inputs.append(b) }
        if let addend { inputs.append(addend.all) }
        if needsGrad(inputs) {
            record(out) {
                let dy = out.grad!
                if w.requiresGrad { gemm(k, cout, rows, cols.data, transA: true, dy, w.gradBuffer(), beta: 1) }
                if let b, b.requiresGrad { addColumnSums(dy, rows, cout, into: b.gradBuffer()) }
                if let addend, addend.all.requiresGrad {
                    // the slice's gradient is dy itself, into its columns of all.grad
                    let f = addend.all.cols, ga = addend.all.gradBuffer() + addend.start
                    parallelChunks(rows, minPerChunk: 256) { r in
                        for i in r { for j in 0..<cout { ga[i * f + j] += dy[i * cout + j] } }
                    }
                }
                if x.requiresGrad {
                    if g.isPointwise {
                        let (gx, fresh) = x.gradBufferForWrite()
                        gemm(rows, k, cout, dy, w.data, transB: true, gx, beta: fresh ? 0 : 1)
                    } else {
                        let dcols = Tensor(uninitialized: [rows, k])
                        gemm(rows, k, cout, dy, w.data, transB: true, dcols.data)
                        col2imAdd(dcols.data, n, h, wd, cin, g, ho, wo, x.gradBuffer())
                    }
                }
            }
        }
        return out
    }
}

/// Gather kernel patches into rows (see the top of this file). Images are split over threads.
func im2col(_ x: UnsafePointer<Float>, _ n: Int, _ h: Int, _ w: Int, _ c: Int,
            _ g: ConvGeometry, _ ho: Int, _ wo: Int, _ cols: UnsafeMutablePointer<Float>) {
    let k = g.taps.count * c
    let taps = g.taps
    parallelChunks(n, minPerChunk: max(1, 8192 / max(1, ho * wo))) { images in
        var row = images.lowerBound * ho * wo
        for b in images {
            let img = x + b * h * w * c
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let dst = cols + row * k
                    for (t, tap) in taps.enumerated() {
                        let iy = oy * g.stride - g.pad + tap.ky, ix = ox * g.stride - g.pad + tap.kx
                        let d = dst + t * c
                        // plain loops, not memcpy/memset: c is small (1 to 64), and a call
                        // per tap cost more than the copy
                        if iy >= 0 && iy < h && ix >= 0 && ix < w {
                            let src = img + (iy * w + ix) * c
                            for ci in 0..<c { d[ci] = src[ci] }
                        } else {
                            for ci in 0..<c { d[ci] = 0 }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}

/// Scatter-add rows of patch gradients back onto the pixels they were gathered from.
/// Images are split over threads (each writes only its own images' pixels).
func col2imAdd(_ cols: UnsafePointer<Float>, _ n: Int, _ h: Int, _ w: Int, _ c: Int,
               _ g: ConvGeometry, _ ho: Int, _ wo: Int, _ dx: UnsafeMutablePointer<Float>) {
    let k = g.taps.count * c
    let taps = g.taps
    parallelChunks(n, minPerChunk: max(1, 8192 / max(1, ho * wo))) { images in
        var row = images.lowerBound * ho * wo
        for b in images {
            let img = dx + b * h * w * c
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let src = cols + row * k
                    for (t, tap) in taps.enumerated() {
                        let iy = oy * g.stride - g.pad + tap.ky, ix = ox * g.stride - g.pad + tap.kx
                        if iy >= 0 && iy < h && ix >= 0 && ix < w {
                            let d = img + (iy * w + ix) * c
                            let s = src + t * c
                            for ci in 0..<c { d[ci] += s[ci] }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}
