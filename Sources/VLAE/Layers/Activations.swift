// Activation functions. Each forward keeps what its backward needs (usually its own output),
// so the derivative is written in terms of the output y where that is cheaper:
//   ELU      y = x (x > 0),  e^x - 1 (x <= 0)      dy/dx = 1 (x > 0), y + 1 (x <= 0)
//   ReLU     y = max(x, 0)                         dy/dx = [x > 0]
//   sigmoid  y = 1 / (1 + e^-x)                    dy/dx = y (1 - y)
//   tanh     y = tanh x                            dy/dx = 1 - y^2
//   softplus y = log(1 + e^x)                      dy/dx = sigmoid(x)

import Foundation

extension Tape {
    /// An elementwise function with its derivative given from (x, y).
    @inline(__always)
    private func unary(_ x: Tensor,
                       _ f: (Float) -> Float,
                       _ df: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let px = x.data, py = out.data, n = x.count
        for i in 0..<n { py[i] = f(px[i]) }
        if needsGrad(x) {
            record(out) {
                let go = out.grad!, gx = x.gradBuffer()
                for i in 0..<n { gx[i] += go[i] * df(px[i], py[i]) }
            }
        }
        return out
    }

    public func elu(_ x: Tensor) -> Tensor {
        // Hand-written rather than through `unary`: it runs on every feature map of every model.
        // Split over threads; the gradient is written, not added, when x has none yet.
        let out = Tensor(uninitialized: x.shape)
        let px = x.data, py = out.data, n = x.count
        parallelChunks(n) { r in
            for i in r { let v = px[i]; py[i] = v > 0 ? v : fastExp(v) - 1 }   // fastExp: end of this file
        }
        if needsGrad(x) {
            record(out) {
                let go = out.grad!, (gx, fresh) = x.gradBufferForWrite()
                parallelChunks(n) { r in
                    if fresh { for i in r { let y = py[i]; gx[i] = y > 0 ? go[i] : go[i] * (y + 1) } }
                    else { for i in r { let y = py[i]; gx[i] += y > 0 ? go[i] : go[i] * (y + 1) } }
                }
            }
        }
        return out
    }

    /// a + ELU(u) in one pass: the PixelCNN's residual block. The same as add(a, elu(u)) without
    /// the intermediate map. Backward: da += dout; du += dout * (1 if u > 0 else e^u), with e^u
    /// recomputed rather than stored.
    public func addELU(_ a: Tensor, _ u: Tensor) -> Tensor {
        precondition(a.count == u.count, "addELU: \(a.shape) vs \(u.shape)")
        let out = Tensor(uninitialized: a.shape)
        let pa = a.data, pu = u.data, po = out.data, n = a.count
        parallelChunks(n) { r in
            for i in r { let v = pu[i]; po[i] = pa[i] + (v > 0 ? v : fastExp(v) - 1) }
        }
        if needsGrad(a, u) {
            record(out) {
                let go = out.grad!
                if a.requiresGrad {
                    let (ga, fresh) = a.gradBufferForWrite()
                    parallelChunks(n) { r in
                        if fresh { for i in r { ga[i] = go[i] } } else { for i in r { ga[i] += go[i] } }
                    }
                }
                if u.requiresGrad {
                    let (gu, fresh) = u.gradBufferForWrite()
                    parallelChunks(n) { r in
                        if fresh { for i in r { let v = pu[i]; gu[i] = v > 0 ? go[i] : go[i] * fastExp(v) } }
                        else { for i in r { let v = pu[i]; gu[i] += v > 0 ? go[i] : go[i] * fastExp(v) } }
                    }
                }
            }
        }
        return out
    }

    public func sigmoid(_ x: Tensor) -> Tensor {
        unary(x, { stableSigmoid($0) }, { _, y in y * (1 - y) })
    }

    public func tanh(_ x: Tensor) -> Tensor {
        unary(x, { Foundation.tanh($0) }, { _, y in 1 - y * y })
    }

    public func softplus(_ x: Tensor) -> Tensor {
        unary(x, { stableSoftplus($0) }, { x, _ in stableSigmoid(x) })
    }
}

/// log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
@inline(__always)
public func stableSoftplus(_ x: Float) -> Float {
    max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x)))
}

/// 1 / (1 + e^-x) without overflow for large |x|.
@inline(__always)
public func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
}

// MARK: - fastExp
//
// It lives in this file, beside its only callers (the ELU loops), on purpose: debug builds
// (`swift run`) compile each file on its own, without whole-module optimisation, and there a
// function from another file cannot be inlined. In its own file fastExp stayed one call per
// element and the ELU loops did not vectorise: a quarter of the debug pixelcnn step.
//
// exp for activation functions, written so the compiler can vectorise the loops that call it.
//
// libm's expf/expm1f are accurate but opaque calls, one element at a time; ELU runs them on
// every feature map of every layer, and they showed up as the largest single cost after the
// matrix products. This is the classic Cephes single-precision scheme:
//   exp(x) = 2^k * exp(r),   k = round(x / ln 2),   r = x - k ln 2  (|r| <= ln2 / 2)
//   exp(r) ~ 1 + r + r^2 P(r)   (degree-5 P; relative error about 1e-7, like expf)
// and 2^k is built directly in the float's exponent bits.

@inline(__always)
public func fastExp(_ x: Float) -> Float {
    let xc = min(max(x, -87.0), 88.0)
    // round to nearest by adding and subtracting 1.5 * 2^23 (no call to floorf: vectorises)
    let k = (xc * 1.442_695_04 + 12_582_912) - 12_582_912
    let r = xc - k * 0.693_359_375 - k * -2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    let er = 1 + r + r * r * p
    let scale = Float(bitPattern: UInt32(truncatingIfNeeded: Int32(k) + 127) << 23)
    return er * scale
}
