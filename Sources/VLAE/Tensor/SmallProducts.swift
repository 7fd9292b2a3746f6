// Matrix products too thin for sgemm: direct loops.
//
// Two shapes in the models are dot products rather than matrix products, and OpenBLAS spends
// more time packing and dispatching them than multiplying:
//   - a first layer reading the image: K = 4 or 9 taps (one channel), N = 32 outputs. Each
//     output row is a sum of K scaled rows of W: the loop over the 32 outputs vectorises.
//   - an output layer 32 -> 1: N = 1, each output is a 32-long dot product (SIMD accumulators).
// All loops run in a fixed order, so the results are deterministic (they are not bitwise equal
// to sgemm's: the sums are added in another order).

/// Below this K the first-layer shape runs as direct loops.
let smallProductMaxK = 16

/// Whether C += A B (m x k times k x n) is better done by addProductSmall than by sgemm.
@inline(__always)
func isSmallProduct(k: Int, n: Int) -> Bool { k <= smallProductMaxK || n == 1 }

/// c[i, :] += a[i, :] B for i < m: a is m x k (row stride k), B is k x n, c is m x n. Row-major.
@inline(__always)
func addProductSmall(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>,
                     _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
    if n == 1 {
        for i in 0..<m { c[i] += dot(a + i * k, b, k) }
        return
    }
    if n % 16 == 0 {
        // 16 outputs at a time held in a register while the k taps are added in
        for i in 0..<m {
            let ci = c + i * n, ai = a + i * k
            for j in stride(from: 0, to: n, by: 16) {
                var acc = load16(ci + j)
                for t in 0..<k { acc += ai[t] * load16(b + t * n + j) }
                store16(acc, ci + j)
            }
        }
        return
    }
    for i in 0..<m {
        let ci = c + i * n, ai = a + i * k
        for t in 0..<k {
            let s = ai[t], bt = b + t * n
            for j in 0..<n { ci[j] += s * bt[j] }
        }
    }
}

/// c[i, :] = bias + addend[i, :] + a[i, :] B for i < m (either term may be nil): the product
/// written once, with what it is added to, instead of writing c first and adding into it.
/// The addend's rows are `addendStride` floats apart.
@inline(__always)
func productSmall(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                  _ c: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
                  addend: UnsafePointer<Float>?, addendStride: Int) {
    guard n % 16 == 0 else {
        initRows(c, 0..<m, n, bias, addend.map { ($0, addendStride) })
        addProductSmall(m, n, k, a, b, c)
        return
    }
    for i in 0..<m {
        let ci = c + i * n, ai = a + i * k
        for j in stride(from: 0, to: n, by: 16) {
            var acc = SIMD16<Float>()
            if let bias { acc = load16(bias + j) }
            if let addend { acc += load16(addend + i * addendStride + j) }
            for t in 0..<k { acc += ai[t] * load16(b + t * n + j) }
            store16(acc, ci + j)
        }
    }
}

/// acc[t, j] += sum_i a[i, t] d[i, j]: A^T D with the sum over the m rows (weight gradients).
/// a is m x k, d is m x n, acc is k x n.
@inline(__always)
func addTransposedProductSmall(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>,
                               _ d: UnsafePointer<Float>, _ acc: UnsafeMutablePointer<Float>) {
    if n == 1 {
        // acc[t] += sum_i a[i, t] d[i]: scaled rows of a added up (vectorises over t)
        for i in 0..<m {
            let s = d[i], ai = a + i * k
            for t in 0..<k { acc[t] += s * ai[t] }
        }
        return
    }
    if n % 16 == 0 {
        for i in 0..<m {
            let ai = a + i * k, di = d + i * n
            for j in stride(from: 0, to: n, by: 16) {
                let dv = load16(di + j)
                for t in 0..<k { let p = acc + t * n + j; store16(load16(p) + ai[t] * dv, p) }
            }
        }
        return
    }
    for i in 0..<m {
        let ai = a + i * k, di = d + i * n
        for t in 0..<k {
            let s = ai[t], at = acc + t * n
            for j in 0..<n { at[j] += s * di[j] }
        }
    }
}

@inline(__always) func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}
@inline(__always) func load16(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { load16(UnsafePointer(p)) }
@inline(__always) func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// c[i, t] = (or +=) sum_j d[i, j] B[t, j]: D B^T (input gradients), d m x n, B k x n, c m x k.
@inline(__always)
func productTransposedSmall(_ m: Int, _ n: Int, _ k: Int, _ d: UnsafePointer<Float>,
                            _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, add: Bool) {
    if n == 1 {
        // c[i, :] = d[i] * B[:, 0]
        for i in 0..<m {
            let s = d[i], ci = c + i * k
            if add { for t in 0..<k { ci[t] += s * b[t] } } else { for t in 0..<k { ci[t] = s * b[t] } }
        }
        return
    }
    for i in 0..<m {
        let di = d + i * n, ci = c + i * k
        for t in 0..<k {
            let v = dot(di, b + t * n, n)
            if add { ci[t] += v } else { ci[t] = v }
        }
    }
}

/// sum_t x[t] y[t], with 16 lanes of partial sums (added in a fixed order at the end).
@inline(__always)
func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD16<Float>()
    var t = 0
    while t + 16 <= n {
        acc += load16(x + t) * load16(y + t)
        t += 16
    }
    var s = acc.sum()
    while t < n { s += x[t] * y[t]; t += 1 }
    return s
}
