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

/// One matrix product as the code runs it: C[m,n] = op(A)[m,k] op(B)[k,n] (transA: the weight
/// gradients' A^T B, whose sum runs over the long batch*pixels dimension).
public struct GEMMCall: Hashable, Sendable {
    public let m: Int, n: Int, k: Int
    public let transA: Bool, transB: Bool
    public init(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) {
        self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB
    }
    public var flop: Double { 2 * Double(m) * Double(n) * Double(k) }
    /// The floats the product must at least read and write once: A, B and C.
    public var compulsoryFloats: Double { Double(m) * Double(k) + Double(k) * Double(n) + Double(m) * Double(n) }
}

/// The (m, n, k) of every sgemm call while `enabled` (the benchmark's per-layer table), and the
/// same calls with their transposes (`calls`: the benchmark replays them on their own).
public enum GEMMLog {
    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) public static var shapes: [(Int, Int, Int)] = []
    nonisolated(unsafe) public static var calls: [GEMMCall] = []

    public static func reset() { shapes = []; calls = [] }

    @inline(__always)
    static func note(_ m: Int, _ n: Int, _ k: Int, transA: Bool = false, transB: Bool = false) {
        if enabled {
            shapes.append((m, n, k))
            calls.append(GEMMCall(m: m, n: n, k: k, transA: transA, transB: transB))
        }
    }
}
