// Nearest upsampling x2 followed by a 3x3 convolution (pad 1), computed without the upsampling.
//
// After a nearest x2 upsample, output pixel (2i + py, 2j + px) of the 3x3 convolution reads the
// upsampled rows 2i + py - 1 ... 2i + py + 1, which are copies of only two rows of the small
// map: i - 1, i (py = 0) or i, i + 1 (py = 1); the same for columns. So each of the four
// output parity classes (py, px) is a 2x2 convolution of the SMALL map, whose kernel sums the
// 3x3 weights that land on the same small pixel:
//
//   kernel row ky of the 3x3 lands on small-row tap a = fold[py][ky]:
//     py = 0:  ky 0 -> a 0 (row i-1),  ky 1, 2 -> a 1 (row i)
//     py = 1:  ky 0, 1 -> a 0 (row i),  ky 2 -> a 1 (row i+1)
//
// The same weights W [9*Cin, Cout] as the plain path (checkpoints do not change), 4*Cin instead
// of 9*Cin per output pixel: 2.25x fewer FLOPs, and no upsampled map in memory. Built from
// taped ops, each with its own backward:
//   foldUpsampleKernel   W -> W_(py,px) [4*Cin, Cout]   (backward: the fold's transpose)
//   conv2d               one 4-tap convolution of the small map per parity
//   interleaveParities   the four [N,h,w,Cout] results (+ bias) -> [N,2h,2w,Cout]

/// Which 2x2 tap (0 or 1) each 3x3 kernel row (or column) lands on, per output parity.
let upsampleFold: [[Int]] = [[0, 1, 1], [0, 0, 1]]

extension Tape {
    /// conv3x3(pad 1)(upsampleNearest(x, 2)) with W [9*Cin, Cout] (the ConvGeometry(kernel: 3,
    /// pad: 1) layout) and bias b [Cout]: [N,h,w,Cin] -> [N,2h,2w,Cout].
    public func upsample2Conv3x3(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> Tensor {
        let (n, h, wd, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(w.shape[0] == 9 * cin, "upsample2Conv3x3: weight \(w.shape) is not 3x3 x \(cin)")
        FLOPCounter.layer(outputs: n * 4 * h * wd, fanIn: 9 * cin, fanOut: w.shape[1])
        var parts: [Tensor] = []
        for py in 0..<2 {
            for px in 0..<2 {
                // the 2x2 window of the small map, as taps of a 3x3 pad-1 geometry
                var taps: [ConvGeometry.Tap] = []
                for a in 0..<2 { for bb in 0..<2 { taps.append(.init(ky: a + py, kx: bb + px)) } }
                let g = ConvGeometry(taps: taps, kernel: 3, stride: 1, pad: 1)
                let wp = foldUpsampleKernel(w, cin: cin, py: py, px: px)
                parts.append(conv2d(x, wp, nil, g, countReference: false))
            }
        }
        return interleaveParities(parts, bias: b)
    }

    /// The 2x2 kernel [4*Cin, Cout] of output parity (py, px), from the 3x3 kernel [9*Cin, Cout].
    func foldUpsampleKernel(_ w: Tensor, cin: Int, py: Int, px: Int) -> Tensor {
        let cout = w.shape[1], span = cin * cout
        let out = Tensor(zeros: [4 * cin, cout])
        // forward: W_p[(a, b)] += W[(ky, kx)] for the taps that fold onto (a, b)
        for ky in 0..<3 {
            for kx in 0..<3 {
                let src = w.data + (ky * 3 + kx) * span
                let dst = out.data + (upsampleFold[py][ky] * 2 + upsampleFold[px][kx]) * span
                for i in 0..<span { dst[i] += src[i] }
            }
        }
        if needsGrad(w) {
            record(out) {
                // backward: every 3x3 tap receives the gradient of the 2x2 tap it folded into
                let go = out.grad!, gw = w.gradBuffer()
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        let dst = gw + (ky * 3 + kx) * span
                        let src = go + (upsampleFold[py][ky] * 2 + upsampleFold[px][kx]) * span
                        for i in 0..<span { dst[i] += src[i] }
                    }
                }
            }
        }
        return out
    }

    /// out[n, 2i+py, 2j+px, c] = parts[2py+px][n, i, j, c] + b[c]: four [N,h,w,C] maps -> [N,2h,2w,C].
    func interleaveParities(_ parts: [Tensor], bias: Tensor?) -> Tensor {
        precondition(parts.count == 4)
        let (n, h, w, c) = (parts[0].shape[0], parts[0].shape[1], parts[0].shape[2], parts[0].shape[3])
        let out = Tensor(uninitialized: [n, 2 * h, 2 * w, c])
        let po = out.data, pb = bias?.data
        let src = parts.map { UnsafePointer($0.data) }
        // rows of the small map (n, i) split over threads; each writes output rows 2i and 2i+1
        parallelChunks(n * h, minPerChunk: 64) { rows in
            for r in rows {
                for p in 0..<4 {
                    let (py, px) = (p / 2, p % 2)
                    let s = src[p] + r * w * c
                    let d = po + ((2 * r + py) * 2 * w + px) * c
                    for j in 0..<w {
                        let sj = s + j * c, dj = d + 2 * j * c
                        if let pb { for k in 0..<c { dj[k] = sj[k] + pb[k] } } else { for k in 0..<c { dj[k] = sj[k] } }
                    }
                }
            }
        }
        if needsGrad(parts + (bias.map { [$0] } ?? [])) {
            record(out) {
                // backward: each part gets its parity's pixels of dout; the bias their sum
                let go = UnsafePointer(out.grad!)
                for (p, part) in parts.enumerated() where part.requiresGrad {
                    let (py, px) = (p / 2, p % 2)
                    let (g, fresh) = part.gradBufferForWrite()
                    parallelChunks(n * h, minPerChunk: 64) { rows in
                        for r in rows {
                            let d = g + r * w * c
                            let s = go + ((2 * r + py) * 2 * w + px) * c
                            for j in 0..<w {
                                let dj = d + j * c, sj = s + 2 * j * c
                                if fresh { for k in 0..<c { dj[k] = sj[k] } } else { for k in 0..<c { dj[k] += sj[k] } }
                            }
                        }
                    }
                }
                if let bias, bias.requiresGrad { addColumnSums(go, out.rows, c, into: bias.gradBuffer()) }
            }
        }
        return out
    }
}
