// Our own threads, for the two cores this book's machines have.
//
// OpenBLAS runs single-threaded here: its worker threads spin (sched_yield) between calls and
// then steal the core from everything that is not a matrix product. Instead each big op splits
// its work into `computeThreads` contiguous chunks and runs them with
// DispatchQueue.concurrentPerform: matrix products by rows (or, for weight gradients, by the
// summed-over dimension into separate buffers added in a fixed order), gathers and elementwise
// loops by rows. The split depends only on the sizes and the thread count, so a seed gives the
// same numbers on every run with the same thread count.

import Foundation

/// Threads used by the numerical code (1 = everything on the caller's thread).
nonisolated(unsafe) public private(set) var computeThreads = min(2, ProcessInfo.processInfo.activeProcessorCount)

/// How many threads the numerical code uses (our splits; OpenBLAS itself stays at one thread).
public func setComputeThreads(_ n: Int) {
    computeThreads = max(1, n)
    setBLASThreads(1)
}

/// Run body(range) over `0..<count` split into up to `computeThreads` contiguous chunks,
/// in parallel. Below `minPerChunk` items per chunk the work stays on this thread: waking a
/// worker costs a few microseconds.
@inline(__always)
func parallelChunks(_ count: Int, minPerChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
    let chunks = min(computeThreads, count / max(minPerChunk, 1))
    if chunks <= 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        body((c * count / chunks)..<((c + 1) * count / chunks))
    }
}
