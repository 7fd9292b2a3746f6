// Nearest-neighbour upsampling by an integer factor, NHWC:
//   y[n, y, x, c] = x[n, y / f, x / f, c]
// Backward: each input pixel receives the sum of the gradients of its f x f copies.

extension Tape {
    public func upsampleNearest(_ x: Tensor, factor f: Int) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let ho = h * f, wo = w * f
        let out = Tensor(uninitialized: [n, ho, wo, c])
        for b in 0..<n {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let src = x.data + ((b * h + oy / f) * w + ox / f) * c
                    (out.data + ((b * ho + oy) * wo + ox) * c).update(from: src, count: c)
                }
            }
        }
        if needsGrad(x) {
            record(out) {
                let go = out.grad!, gx = x.gradBuffer()
                for b in 0..<n {
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            let d = gx + ((b * h + oy / f) * w + ox / f) * c
                            let s = go + ((b * ho + oy) * wo + ox) * c
                            for ci in 0..<c { d[ci] += s[ci] }
                        }
                    }
                }
            }
        }
        return out
    }
}
