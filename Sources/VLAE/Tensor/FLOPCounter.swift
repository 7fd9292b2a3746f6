// Counting the arithmetic of a training step, for the benchmark.
//
// Two counts, both from the shapes of the matrix products the ops run (nothing is typed in):
//   executed   2 m n k of every sgemm actually called (forward and backward); masked taps that
//              are never gathered and the fused upsample+conv's smaller kernels count as skipped.
//   reference  the forward layers as a framework with full (unmasked) k x k kernels and a
//              separate upsample computes them, 2 * outputs * k*k*Cin * Cout per conv and
//              2 * n * in * out per dense layer. Training is counted as 3x this (forward, weight
//              gradient, input gradient): the convention of docs/anchors.md.
// Counting is off unless `enabled`; only the thread that runs the ops touches the counters.

public enum FLOPCounter {
    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) public static var executed: Double = 0
    nonisolated(unsafe) public static var referenceForward: Double = 0

    public static func reset() { executed = 0; referenceForward = 0 }

    @inline(__always)
    static func gemm(_ m: Int, _ n: Int, _ k: Int) {
        if enabled { executed += 2 * Double(m) * Double(n) * Double(k) }
    }

    @inline(__always)
    static func layer(outputs: Int, fanIn: Int, fanOut: Int) {
        if enabled { referenceForward += 2 * Double(outputs) * Double(fanIn) * Double(fanOut) }
    }
}

/// The (m, n, k) of every sgemm call while `enabled` (the benchmark's per-layer table).
public enum GEMMLog {
    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) public static var shapes: [(Int, Int, Int)] = []

    @inline(__always)
    static func note(_ m: Int, _ n: Int, _ k: Int) { if enabled { shapes.append((m, n, k)) } }
}
