// Matrix products through CBLAS (OpenBLAS from Debian). Every dense layer and every
// convolution in this module ends up here: it is where the training time goes.
//
// OpenBLAS is kept at one thread; big products are split over our own threads (Parallel.swift):
//   C = A B (A not transposed)   by rows of C: each thread multiplies its block of A's rows.
//   C = A^T B (weight gradients, the sum runs over the long batch*pixels dimension)
//                                by that summed dimension: thread i computes A_i^T B_i into its
//                                own buffer, and the partial products are added in order.

import COpenBLAS
import Foundation

/// C[m,n] = alpha * op(A) * op(B) + beta * C, all row-major.
/// op(A) is m x k (A is k x m when transA), op(B) is k x n (B is n x k when transB).
public func gemm(_ m: Int, _ n: Int, _ k: Int,
                 _ a: UnsafePointer<Float>, transA: Bool = false,
                 _ b: UnsafePointer<Float>, transB: Bool = false,
                 _ c: UnsafeMutablePointer<Float>,
                 alpha: Float = 1, beta: Float = 0) {
    gemm(m, n, k, a, transA: transA, b, transB: transB, c, alpha: alpha, beta: beta, threads: computeThreads)
}

/// The same with an explicit thread count (tests compare splits without touching the global).
func gemm(_ m: Int, _ n: Int, _ k: Int,
          _ a: UnsafePointer<Float>, transA: Bool = false,
          _ b: UnsafePointer<Float>, transB: Bool = false,
          _ c: UnsafeMutablePointer<Float>,
          alpha: Float = 1, beta: Float = 0, threads: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { c.update(repeating: 0, count: m * n) } else if beta != 1 {
            for i in 0..<(m * n) { c[i] *= beta }
        }
        return
    }
    FLOPCounter.gemm(m, n, k)
    GEMMLog.note(m, n, k, transA: transA, transB: transB)
    let lda = transA ? m : k, ldb = transB ? k : n
    _ = blasSingleThreaded
    let small = 2 * m * n * k < 2_000_000
    if threads == 1 || small {
        sgemmCall(m, n, k, a, lda, transA, b, ldb, transB, c, alpha, beta)
    } else if !transA && m >= 64 * threads {
        // rows of C (and of A) per thread
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let r0 = t * m / threads, r1 = (t + 1) * m / threads
            sgemmCall(r1 - r0, n, k, a + r0 * lda, lda, false, b, ldb, transB, c + r0 * n, alpha, beta)
        }
    } else if transA && k >= 256 * threads {
        // the summed dimension per thread; partial products added in a fixed order
        let parts = Tensor.allocate((threads - 1) * m * n)
        defer { free(parts) }
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let k0 = t * k / threads, k1 = (t + 1) * k / threads
            let bt = transB ? b + k0 : b + k0 * ldb
            if t == 0 {
                sgemmCall(m, n, k1 - k0, a, lda, true, bt, ldb, transB, c, alpha, beta)
            } else {
                sgemmCall(m, n, k1 - k0, a + k0 * lda, lda, true, bt, ldb, transB, parts + (t - 1) * m * n, alpha, 0)
            }
        }
        for t in 1..<threads {
            let p = parts + (t - 1) * m * n
            for i in 0..<(m * n) { c[i] += p[i] }
        }
    } else {
        sgemmCall(m, n, k, a, lda, transA, b, ldb, transB, c, alpha, beta)
    }
}

@inline(__always)
func sgemmCall(_ m: Int, _ n: Int, _ k: Int,
               _ a: UnsafePointer<Float>, _ lda: Int, _ transA: Bool,
               _ b: UnsafePointer<Float>, _ ldb: Int, _ transB: Bool,
               _ c: UnsafeMutablePointer<Float>, _ alpha: Float, _ beta: Float, ldc: Int? = nil) {
    cblas_sgemm(CblasRowMajor,
                transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(lda), b, Int32(ldb),
                beta, c, Int32(ldc ?? n))
}

/// OpenBLAS starts one spinning thread per core; the first product switches it to one.
let blasSingleThreaded: Void = setBLASThreads(1)

/// The number of threads OpenBLAS itself uses (setComputeThreads keeps it at one).
public func setBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
