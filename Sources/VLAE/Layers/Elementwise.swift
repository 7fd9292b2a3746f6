// Elementwise arithmetic, with broadcasting of a smaller tensor over the leading dimensions
// of a larger one (a bias [C] over a feature map [N,H,W,C], a per-example scale [N,1] ...).
//
// Broadcasting rule used here (kept deliberately simple): `b` is broadcast over `a` when
// b.count divides a.count and b's values repeat along a's leading dimensions, i.e. b matches
// a's trailing elements ("b is a suffix of a"). A scalar b is the special case b.count == 1.
// For a per-row factor (b of shape [N] or [N,1] against a of [N,F]) use `mulRows`.
//
// Forward and backward of each op sit side by side.

import Foundation

extension Tape {
    // MARK: a + b

    /// a + b, b the same shape as a or broadcast as a suffix of a.
    public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.count % b.count == 0, "add: \(b.shape) does not broadcast over \(a.shape)")
        let out = Tensor(uninitialized: a.shape)
        let n = a.count, m = b.count
        let pa = a.data, pb = b.data, po = out.data
        // forward: out[i] = a[i] + b[i mod m]
        for base in stride(from: 0, to: n, by: m) {
            for j in 0..<m { po[base + j] = pa[base + j] + pb[j] }
        }
        if needsGrad(a, b) {
            record(out) {
                // backward: da += dout; db += sum over the broadcast copies of dout
                let go = out.grad!
                if a.requiresGrad { let ga = a.gradBuffer(); for i in 0..<n { ga[i] += go[i] } }
                if b.requiresGrad {
                    let gb = b.gradBuffer()
                    for base in stride(from: 0, to: n, by: m) { for j in 0..<m { gb[j] += go[base + j] } }
                }
            }
        }
        return out
    }

    /// a - b (same broadcasting as add).
    public func sub(_ a: Tensor, _ b: Tensor) -> Tensor { add(a, scale(b, -1)) }

    // MARK: a * b

    /// a * b elementwise, b the same shape as a or broadcast as a suffix of a.
    public func mul(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.count % b.count == 0, "mul: \(b.shape) does not broadcast over \(a.shape)")
        let out = Tensor(uninitialized: a.shape)
        let n = a.count, m = b.count
        let pa = a.data, pb = b.data, po = out.data
        for base in stride(from: 0, to: n, by: m) {
            for j in 0..<m { po[base + j] = pa[base + j] * pb[j] }
        }
        if needsGrad(a, b) {
            record(out) {
                // backward: da += dout * b; db += sum of dout * a over the copies
                let go = out.grad!
                if a.requiresGrad {
                    let ga = a.gradBuffer()
                    for base in stride(from: 0, to: n, by: m) { for j in 0..<m { ga[base + j] += go[base + j] * pb[j] } }
                }
                if b.requiresGrad {
                    let gb = b.gradBuffer()
                    for base in stride(from: 0, to: n, by: m) { for j in 0..<m { gb[j] += go[base + j] * pa[base + j] } }
                }
            }
        }
        return out
    }

    /// a[r, :] * s[r]: scale each row of a ([R, F], or any shape with R leading rows) by s ([R]).
    public func mulRows(_ a: Tensor, _ s: Tensor) -> Tensor {
        let r = s.count
        precondition(a.count % r == 0 && a.shape[0] == r, "mulRows: \(s.shape) against \(a.shape)")
        let f = a.count / r
        let out = Tensor(uninitialized: a.shape)
        let pa = a.data, ps = s.data, po = out.data
        for i in 0..<r { for j in 0..<f { po[i * f + j] = pa[i * f + j] * ps[i] } }
        if needsGrad(a, s) {
            record(out) {
                let go = out.grad!
                if a.requiresGrad {
                    let ga = a.gradBuffer()
                    for i in 0..<r { for j in 0..<f { ga[i * f + j] += go[i * f + j] * ps[i] } }
                }
                if s.requiresGrad {
                    let gs = s.gradBuffer()
                    for i in 0..<r { var acc: Float = 0; for j in 0..<f { acc += go[i * f + j] * pa[i * f + j] }; gs[i] += acc }
                }
            }
        }
        return out
    }

    // MARK: c * a, a + c

    /// c * a for a constant c.
    public func scale(_ a: Tensor, _ c: Float) -> Tensor {
        let out = Tensor(uninitialized: a.shape)
        for i in 0..<a.count { out.data[i] = c * a.data[i] }
        if needsGrad(a) {
            record(out) {
                let go = out.grad!, ga = a.gradBuffer()
                for i in 0..<a.count { ga[i] += c * go[i] }
            }
        }
        return out
    }

    // MARK: exp, log, square

    /// exp(a). Backward: d/da = exp(a), which is the output.
    public func exp(_ a: Tensor) -> Tensor {
        let out = Tensor(uninitialized: a.shape)
        for i in 0..<a.count { out.data[i] = Foundation.exp(a.data[i]) }
        if needsGrad(a) {
            record(out) {
                let go = out.grad!, ga = a.gradBuffer()
                for i in 0..<a.count { ga[i] += go[i] * out.data[i] }
            }
        }
        return out
    }

    /// log(a) for a > 0. Backward: d/da = 1/a.
    public func log(_ a: Tensor) -> Tensor {
        let out = Tensor(uninitialized: a.shape)
        for i in 0..<a.count { out.data[i] = Foundation.log(a.data[i]) }
        if needsGrad(a) {
            record(out) {
                let go = out.grad!, ga = a.gradBuffer()
                for i in 0..<a.count { ga[i] += go[i] / a.data[i] }
            }
        }
        return out
    }

    /// a^2. Backward: 2a.
    public func square(_ a: Tensor) -> Tensor { mul(a, a) }
}

extension Tape {
    /// a + all[..., start ..< start + C], where a is [..., C] and all is [..., F] with the same
    /// rows: adds one slice of a wide tensor without copying the slice out first. The PixelCNN
    /// uses it to add each layer's share of the conditioning projection, computed for all
    /// layers in one matrix product.
    public func addColumnSlice(_ a: Tensor, _ all: Tensor, start: Int) -> Tensor {
        let c = a.cols, f = all.cols, r = a.rows
        precondition(all.rows == r && start + c <= f, "addColumnSlice: \(a.shape) vs \(all.shape) at \(start)")
        let out = Tensor(uninitialized: a.shape)
        parallelChunks(r, minPerChunk: 256) { rows in
            for i in rows {
                let pa = a.data + i * c, ps = all.data + i * f + start, po = out.data + i * c
                for j in 0..<c { po[j] = pa[j] + ps[j] }
            }
        }
        if needsGrad(a, all) {
            record(out) {
                let go = out.grad!
                if a.requiresGrad {
                    let (ga, fresh) = a.gradBufferForWrite()
                    parallelChunks(r * c) { idx in
                        if fresh { for i in idx { ga[i] = go[i] } } else { for i in idx { ga[i] += go[i] } }
                    }
                }
                if all.requiresGrad {
                    let gs = all.gradBuffer()
                    parallelChunks(r, minPerChunk: 256) { rows in
                        for i in rows { for j in 0..<c { gs[i * f + start + j] += go[i * c + j] } }
                    }
                }
            }
        }
        return out
    }
}

extension Tape {
    /// y[n*s + j] = a[n] + all[n*s + j][..., start ..< start + C]: one map per image `a`
    /// [B, ..., C], repeated for the image's s consecutive rows of `all` [B*s, ..., F], plus a
    /// slice of those rows. The importance-weighted bound evaluates s codes z of one image: the
    /// part of the decoder that reads only x (the type-A layer's convolution of x) is computed
    /// once per image and added to each code's conditioning term with this op.
    public func addRepeated(_ a: Tensor, repeats s: Int, plusColumnsOf all: Tensor, start: Int) -> Tensor {
        let c = a.cols, f = all.cols
        let images = a.shape[0], pixels = a.rows / images            // rows of a per image
        precondition(s >= 1 && all.shape[0] == images * s && all.rows == images * s * pixels && start + c <= f,
                     "addRepeated: \(a.shape) x \(s) vs \(all.shape) at \(start)")
        var shape = all.shape; shape[shape.count - 1] = c
        let out = Tensor(uninitialized: shape)
        let block = pixels * c                                        // one image's map
        // forward: row r = (n*s + j)*pixels + p reads a's row n*pixels + p
        parallelChunks(images * s, minPerChunk: 1) { samples in
            for ns in samples {
                let n = ns / s
                for p in 0..<pixels {
                    let pa = a.data + n * block + p * c, ps = all.data + (ns * pixels + p) * f + start
                    let po = out.data + ns * block + p * c
                    for j in 0..<c { po[j] = pa[j] + ps[j] }
                }
            }
        }
        if needsGrad(a, all) {
            record(out) {
                // backward: da[n] += sum over j of dy[n*s + j]; d all[r, start + c] += dy[r, c]
                let go = out.grad!
                if a.requiresGrad {
                    let ga = a.gradBuffer()
                    parallelChunks(images, minPerChunk: 1) { imgs in
                        for n in imgs { for j in 0..<s {
                            let src = go + (n * s + j) * block, dst = ga + n * block
                            for i in 0..<block { dst[i] += src[i] }
                        } }
                    }
                }
                if all.requiresGrad {
                    let gs = all.gradBuffer()
                    parallelChunks(images * s * pixels, minPerChunk: 256) { rows in
                        for r in rows { for j in 0..<c { gs[r * f + start + j] += go[r * c + j] } }
                    }
                }
            }
        }
        return out
    }
}
