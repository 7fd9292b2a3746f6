import Foundation

// 2-D convolution as matrix products (im2col), in NHWC.
//
// For every output pixel (n, oy, ox) gather the input values under the kernel into one row:
//   cols[(n, oy, ox), (t, ci)] = x[n, oy*s - p + ky_t, ox*s - p + kx_t, ci]   (0 outside the image)
// where t runs over the kernel's taps (ky_t, kx_t). Then
//   y = cols W + b          W: [taps * Cin, Cout]
// Backward:
//   dW += cols^T dy         db += column sums of dy
//   dcols = dy W^T          dx += scatter-add of dcols back to the pixels they came from (col2im)
//
// The gathered matrix is never built whole: rows are gathered in blocks of about 16K floats
// (64 KB, it stays in the core's cache), and each block is multiplied at once. The
// backward pass gathers each block again for dW and scatters dcols block by block. Writing the
// whole cols (5-9x the size of x) out to memory and reading it back, twice, cost more than the
// arithmetic. Threads take whole images (col2im of two images never touches the same pixel).
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

        let small = isSmallProduct(k: k, n: cout)
        let addendPtr = addend.map { (UnsafePointer($0.all.data + $0.start), stride: $0.all.cols) }
        if let addend {
            precondition(addend.all.rows == rows && addend.start + cout <= addend.all.cols,
                         "conv2d: cannot add columns \(addend.start)..<\(addend.start + cout) of \(addend.all.shape)")
        }
        // forward: pointwise convolutions are one product; others gather and multiply block by block
        if g.isPointwise {
            denseForward(x.data, w.data, b?.data, out.data, rows, k, cout, addend: addendPtr)
        } else {
            FLOPCounter.gemm(rows, cout, k)
            GEMMLog.note(rows, cout, k)
            let px = UnsafePointer(x.data), pw = UnsafePointer(w.data), po = out.data, pb = b.map { UnsafePointer($0.data) }
            convBlocks(n, ho * wo, k) { rowRange, cols in
                im2colRows(px, h, wd, cin, g, ho, wo, rowRange, cols)
                if small {   // a first layer's 4 or 9 taps: direct loops (SmallProducts.swift)
                    let r0 = rowRange.lowerBound
                    productSmall(rowRange.count, cout, k, cols, pw, po + r0 * cout, bias: pb,
                                 addend: addendPtr.map { $0.0 + r0 * $0.stride }, addendStride: addendPtr?.stride ?? 0)
                } else {
                    initRows(po, rowRange, cout, pb, addendPtr)
                    sgemmCall(rowRange.count, cout, k, cols, k, false, pw, cout, false, po + rowRange.lowerBound * cout, 1, 1)
                }
            }
        }

        var inputs = [x, w]
        if let b { inputs.append(b) }
        if let addend { inputs.append(addend.all) }
        if needsGrad(inputs) {
            record(out) {
                let dy = UnsafePointer(out.grad!)
                let needB = b?.requiresGrad ?? false
                let addendGrad = addend.flatMap { a in
                    a.all.requiresGrad ? (a.all.gradBuffer() + a.start, a.all.cols) : nil
                }
                if g.isPointwise {
                    pointwiseBackward(x, w, b, dy, n, ho * wo, k, cout, addendGrad: addendGrad)
                    return
                }
                // block by block, while the block of dy is in cache: db and the addend's gradient
                // (dy itself, into its columns of all.grad); gather again, dW += cols^T dy; then
                // dcols = dy W^T, scattered into dx. Each thread sums dW and db in its own buffer
                // [dW | db]; the buffers are added in thread order.
                let needW = w.requiresGrad, needX = x.requiresGrad
                if needW { FLOPCounter.gemm(k, cout, rows); GEMMLog.note(k, cout, rows, transA: true) }
                if needX { FLOPCounter.gemm(rows, k, cout); GEMMLog.note(rows, k, cout, transB: true) }
                let px = UnsafePointer(x.data), pw = UnsafePointer(w.data)
                // dx: for a same-size stride-1 convolution (every PixelCNN layer), dx is itself a
                // convolution of dy with the mirrored kernel: gather dy under the mirrored taps
                // and multiply by W rearranged to [taps*Cout, Cin]; dx rows are written once
                // (no zeroed buffer, no scatter-add). Other geometries scatter dcols = dy W^T.
                let kT = g.taps.count * cout
                let mirrored = needX && g.stride == 1 && 2 * g.pad == g.kernel - 1 && !isSmallProduct(k: kT, n: cin)
                    ? g.mirrored : nil
                let wT = mirrored.map { _ in tapTransposedWeights(w.data, taps: g.taps.count, cin: cin, cout: cout) }
                defer { wT.map { free($0) } }
                let gx: (UnsafeMutablePointer<Float>, fresh: Bool)? =
                    needX ? (mirrored != nil ? x.gradBufferForWrite() : (x.gradBuffer(), false)) : nil
                let wSize = needW ? k * cout : 0, partialSize = wSize + (needB ? cout : 0)
                let blockK = mirrored != nil ? max(k, kT) : k   // the block buffer holds either gather
                let partials = convBlocks(n, ho * wo, blockK, partialSize: partialSize) { rowRange, cols, acc in
                    let dyBlock = dy + rowRange.lowerBound * cout
                    if needB, let acc { addColumnSums(dyBlock, rowRange.count, cout, into: acc + wSize) }
                    if let (ga, f) = addendGrad { addRows(dy, rowRange, cout, into: ga, stride: f) }
                    if needW, let acc {
                        im2colRows(px, h, wd, cin, g, ho, wo, rowRange, cols)
                        if small { addTransposedProductSmall(rowRange.count, cout, k, cols, dyBlock, acc) }
                        else { sgemmCall(k, cout, rowRange.count, cols, k, true, dyBlock, cout, false, acc, 1, 1) }
                    }
                    if let (gx, fresh) = gx, let mirrored, let wT {
                        im2colRows(dy, ho, wo, cout, mirrored, h, wd, rowRange, cols)
                        sgemmCall(rowRange.count, cin, kT, cols, kT, false, wT, cin, false,
                                  gx + rowRange.lowerBound * cin, 1, fresh ? 0 : 1)
                    } else if let (gx, _) = gx {
                        if small { productTransposedSmall(rowRange.count, cout, k, dyBlock, pw, cols, add: false) }
                        else { sgemmCall(rowRange.count, k, cout, dyBlock, cout, false, pw, cout, true, cols, 1, 0) }
                        col2imAddRows(cols, h, wd, cin, g, ho, wo, rowRange, gx)
                    }
                }
                if needW { let gw = w.gradBuffer(); for p in partials { for i in 0..<wSize { gw[i] += p[i] } } }
                if needB { let gb = b!.gradBuffer(); for p in partials { for j in 0..<cout { gb[j] += p[wSize + j] } } }
                partials.forEach { free($0) }
            }
        }
        return out
    }
}

extension ConvGeometry {
    /// The same taps turned by 180 degrees (ky, kx -> k-1-ky, k-1-kx), in the same order: the
    /// geometry of the input gradient of a same-size stride-1 convolution.
    var mirrored: ConvGeometry {
        ConvGeometry(taps: taps.map { Tap(ky: kernel - 1 - $0.ky, kx: kernel - 1 - $0.kx) },
                     kernel: kernel, stride: stride, pad: pad)
    }
}

/// W [taps*Cin, Cout] rearranged to [taps*Cout, Cin]: wT[(t, co), ci] = W[(t, ci), co], each
/// tap's block transposed (a malloc'ed buffer for the caller to free).
func tapTransposedWeights(_ w: UnsafePointer<Float>, taps: Int, cin: Int, cout: Int) -> UnsafeMutablePointer<Float> {
    let wT = Tensor.allocate(taps * cin * cout)
    for t in 0..<taps { for ci in 0..<cin { for co in 0..<cout {
        wT[(t * cout + co) * cin + ci] = w[(t * cin + ci) * cout + co]
    } } }
    return wT
}

/// The backward of a 1x1 convolution (a matrix product y = x W + b (+ a slice of `all`)), in
/// blocks of rows while each block of dy is in cache: db and the addend's gradient (dy itself),
/// dW += x^T dy into per-thread buffers [dW | db] added in thread order, and dx = dy W^T.
/// One pass over dy instead of four (db, addend, dW and dx each read all of it).
func pointwiseBackward(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ dy: UnsafePointer<Float>,
                       _ n: Int, _ pixels: Int, _ k: Int, _ cout: Int,
                       addendGrad: (UnsafeMutablePointer<Float>, Int)?) {
    let needW = w.requiresGrad, needB = b?.requiresGrad ?? false
    let rows = n * pixels
    if needW { FLOPCounter.gemm(k, cout, rows); GEMMLog.note(k, cout, rows, transA: true) }
    if x.requiresGrad { FLOPCounter.gemm(rows, k, cout); GEMMLog.note(rows, k, cout, transB: true) }
    let small = isSmallProduct(k: k, n: cout)
    let px = UnsafePointer(x.data), pw = UnsafePointer(w.data)
    let gx = x.requiresGrad ? x.gradBufferForWrite() : nil
    let wSize = needW ? k * cout : 0, partialSize = wSize + (needB ? cout : 0)
    // block rows so that the larger of the x and dy blocks is about pointwiseBlockFloats
    let partials = convBlocks(n, pixels, max(1, max(k, cout) * convBlockFloats / pointwiseBlockFloats),
                              partialSize: partialSize) { r, _, acc in
        let dyBlock = dy + r.lowerBound * cout, xBlock = px + r.lowerBound * k
        if needB, let acc { addColumnSums(dyBlock, r.count, cout, into: acc + wSize) }
        if let (ga, f) = addendGrad { addRows(dy, r, cout, into: ga, stride: f) }
        if needW, let acc {
            if small { addTransposedProductSmall(r.count, cout, k, xBlock, dyBlock, acc) }
            else { sgemmCall(k, cout, r.count, xBlock, k, true, dyBlock, cout, false, acc, 1, 1) }
        }
        if let (g, fresh) = gx {
            if small { productTransposedSmall(r.count, cout, k, dyBlock, pw, g + r.lowerBound * k, add: !fresh) }
            else { sgemmCall(r.count, k, cout, dyBlock, cout, false, pw, cout, true, g + r.lowerBound * k, 1, fresh ? 0 : 1) }
        }
    }
    if needW { let gw = w.gradBuffer(); for p in partials { for i in 0..<wSize { gw[i] += p[i] } } }
    if needB { let gb = b!.gradBuffer(); for p in partials { for j in 0..<cout { gb[j] += p[wSize + j] } } }
    partials.forEach { free($0) }
}

/// Block size (floats) of the larger of x and dy in pointwiseBackward.
let pointwiseBlockFloats = 1 << 16

/// Blocks of rows for the gathered matrix: about 16K floats (64 KB) each, at least 16 rows.
/// Measured on the pixelcnn step: 16K beat 4K, 8K, 32K ... 256K floats by 5-30%.
let convBlockFloats = 1 << 14

/// Run body(rows, cols) over the rows of n images of `pixels` rows each, in blocks, with a
/// gather buffer of the block's size per thread. Threads take contiguous ranges of images.
func convBlocks(_ n: Int, _ pixels: Int, _ k: Int,
                _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
    _ = convBlocks(n, pixels, k, partialSize: 0) { r, cols, _ in body(r, cols) }
}

/// The same, and each thread gets a zeroed accumulator of `partialSize` floats (nil when 0);
/// they come back for the caller to add (in thread order) and free.
@discardableResult
func convBlocks(_ n: Int, _ pixels: Int, _ k: Int, partialSize: Int,
                _ body: (Range<Int>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?) -> Void)
    -> [UnsafeMutablePointer<Float>] {
    _ = blasSingleThreaded
    let blockRows = max(16, convBlockFloats / max(k, 1))
    let threads = max(1, min(computeThreads, n, n * pixels * k / 200_000))
    let partials = (0..<threads).map { _ -> UnsafeMutablePointer<Float> in
        let p = Tensor.allocate(max(partialSize, 1)); p.initialize(repeating: 0, count: max(partialSize, 1)); return p
    }
    func work(_ t: Int) {
        let cols = Tensor.allocate(min(blockRows, n * pixels) * k)
        defer { free(cols) }
        let rowEnd = (t + 1) * n / threads * pixels
        var r0 = t * n / threads * pixels
        while r0 < rowEnd {
            let r1 = min(rowEnd, r0 + blockRows)
            body(r0..<r1, cols, partialSize > 0 ? partials[t] : nil)
            r0 = r1
        }
    }
    if threads == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: threads) { work($0) } }
    if partialSize == 0 { partials.forEach { free($0) }; return [] }
    return partials
}

/// dst[i * stride + j] += src[i * width + j] for the rows i in `rows`.
@inline(__always)
func addRows(_ src: UnsafePointer<Float>, _ rows: Range<Int>, _ width: Int,
             into dst: UnsafeMutablePointer<Float>, stride: Int) {
    for i in rows { let s = src + i * width, d = dst + i * stride; for j in 0..<width { d[j] += s[j] } }
}

/// y[i, :] = b (+ addend row i), or the addend row alone, for the rows in `rows`.
@inline(__always)
func initRows(_ y: UnsafeMutablePointer<Float>, _ rows: Range<Int>, _ fout: Int,
              _ b: UnsafePointer<Float>?, _ addend: (UnsafePointer<Float>, stride: Int)?) {
    for i in rows {
        let row = y + i * fout
        switch (b, addend) {
        case let (b?, (p, stride)?): let s = p + i * stride; for j in 0..<fout { row[j] = b[j] + s[j] }
        case let (nil, (p, stride)?): let s = p + i * stride; for j in 0..<fout { row[j] = s[j] }
        case let (b?, nil): for j in 0..<fout { row[j] = b[j] }
        case (nil, nil): for j in 0..<fout { row[j] = 0 }
        }
    }
}

/// (image, output row, output column) of consecutive output pixels, without a division per pixel
/// (three integer divisions cost more than gathering a 3x3x1 patch).
struct PixelCursor {
    var b: Int, oy: Int, ox: Int
    let ho: Int, wo: Int
    @inline(__always) init(_ row: Int, _ ho: Int, _ wo: Int) {
        self.ho = ho; self.wo = wo
        b = row / (ho * wo); oy = (row / wo) % ho; ox = row % wo
    }
    @inline(__always) mutating func advance() {
        ox += 1
        if ox == wo { ox = 0; oy += 1; if oy == ho { oy = 0; b += 1 } }
    }
}

/// Gather kernel patches into rows (see the top of this file): the output pixels `rows` (counted
/// over the whole batch, `ho*wo` per image) into cols, row `rows.lowerBound` first.
func im2colRows(_ x: UnsafePointer<Float>, _ h: Int, _ w: Int, _ c: Int,
                _ g: ConvGeometry, _ ho: Int, _ wo: Int, _ rows: Range<Int>, _ cols: UnsafeMutablePointer<Float>) {
    let k = g.taps.count * c
    let taps = g.taps
    if c == 1 {
        // one channel (a layer reading the image): one value per tap, no inner loop at all
        var p = PixelCursor(rows.lowerBound, ho, wo)
        for row in rows {
            let (b, oy, ox) = (p.b, p.oy, p.ox)
            let img = x + b * h * w
            let dst = cols + (row - rows.lowerBound) * k
            for (t, tap) in taps.enumerated() {
                let iy = oy * g.stride - g.pad + tap.ky, ix = ox * g.stride - g.pad + tap.kx
                dst[t] = iy >= 0 && iy < h && ix >= 0 && ix < w ? img[iy * w + ix] : 0
            }
            p.advance()
        }
        return
    }
    var p = PixelCursor(rows.lowerBound, ho, wo)
    for row in rows {
        let (b, oy, ox) = (p.b, p.oy, p.ox)
        p.advance()
        let img = x + b * h * w * c
        let dst = cols + (row - rows.lowerBound) * k
        for (t, tap) in taps.enumerated() {
            let iy = oy * g.stride - g.pad + tap.ky, ix = ox * g.stride - g.pad + tap.kx
            let d = dst + t * c
            // plain loops, not memcpy/memset: c is small (1 to 64), and a call per tap cost
            // more than the copy
            if iy >= 0 && iy < h && ix >= 0 && ix < w {
                let src = img + (iy * w + ix) * c
                for ci in 0..<c { d[ci] = src[ci] }
            } else {
                for ci in 0..<c { d[ci] = 0 }
            }
        }
    }
}

/// Scatter-add rows of patch gradients back onto the pixels they were gathered from: the
/// transpose of im2colRows.
func col2imAddRows(_ cols: UnsafePointer<Float>, _ h: Int, _ w: Int, _ c: Int,
                   _ g: ConvGeometry, _ ho: Int, _ wo: Int, _ rows: Range<Int>, _ dx: UnsafeMutablePointer<Float>) {
    let k = g.taps.count * c
    let taps = g.taps
    var p = PixelCursor(rows.lowerBound, ho, wo)
    for row in rows {
        let (b, oy, ox) = (p.b, p.oy, p.ox)
        p.advance()
        let img = dx + b * h * w * c
        let src = cols + (row - rows.lowerBound) * k
        for (t, tap) in taps.enumerated() {
            let iy = oy * g.stride - g.pad + tap.ky, ix = ox * g.stride - g.pad + tap.kx
            if iy >= 0 && iy < h && ix >= 0 && ix < w {
                let d = img + (iy * w + ix) * c
                let s = src + t * c
                for ci in 0..<c { d[ci] += s[ci] }
            }
        }
    }
}
