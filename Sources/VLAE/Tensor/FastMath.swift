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
