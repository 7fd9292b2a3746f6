// Matrix products through CBLAS (OpenBLAS from Debian). Every dense layer and every
// convolution in this module ends up here: it is where the training time goes.

import COpenBLAS

/// C[m,n] = alpha * op(A) * op(B) + beta * C, all row-major.
/// op(A) is m x k (A is k x m when transA), op(B) is k x n (B is n x k when transB).
@inline(__always)
public func gemm(_ m: Int, _ n: Int, _ k: Int,
                 _ a: UnsafePointer<Float>, transA: Bool = false,
                 _ b: UnsafePointer<Float>, transB: Bool = false,
                 _ c: UnsafeMutablePointer<Float>,
                 alpha: Float = 1, beta: Float = 0) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { c.update(repeating: 0, count: m * n) } else if beta != 1 {
            for i in 0..<(m * n) { c[i] *= beta }
        }
        return
    }
    FLOPCounter.gemm(m, n, k)
    GEMMLog.note(m, n, k)
    let lda = transA ? m : k
    let ldb = transB ? k : n
    cblas_sgemm(CblasRowMajor,
                transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(lda), b, Int32(ldb),
                beta, c, Int32(n))
}

/// The number of threads OpenBLAS uses (it starts with one per core).
public func setBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
public func blasThreads() -> Int { Int(openblas_get_num_threads()) }

/// How many threads the numerical code uses (BLAS and our own loops).
public func setComputeThreads(_ n: Int) { setBLASThreads(n) }
