// A masked dense layer, the building block of MADE (Germain et al. 2015, "MADE: Masked
// Autoencoder for Distribution Estimation").
//
// Every unit carries a degree. Inputs have degrees 1..D (the position of z_i in the ordering),
// hidden units degrees in 1..D-1, outputs degrees 1..D again. A weight from unit a to unit b
// exists only if
//     hidden layers:  deg(b) >= deg(a)
//     output layer:   deg(b) >  deg(a)      (strict: output i must not see input i)
// so output i depends on inputs 1..i-1 only, and the Jacobian d out / d in is strictly
// triangular in that ordering (a test checks this numerically, with finite differences).
//
// Stored as a staircase, not as a masked full matrix. Inputs and outputs are kept sorted by
// degree, so the inputs an output may see are always a *prefix* of the input columns. Outputs
// with the same prefix form a group g (columns c0..<c1, prefix p_g), and the layer is
//     y[:, c0..<c1] = x[:, 0..<p_g] W_g + b[c0..<c1]          W_g: [p_g, c1 - c0]
// one small matrix product per group. Only the unmasked weights are stored (the packed W_g
// one after the other in `w`) and only they are multiplied, as the masked convolutions do
// with their tap lists. Backward, per group (the transposes of the same products):
//     dW_g += x[:, 0..<p_g]^T dy[:, c0..<c1]
//     dx[:, 0..<p_g] += dy[:, c0..<c1] W_g^T
//     db[c0..<c1] += column sums of dy[:, c0..<c1]

import Foundation

public final class MaskedLinear: HasParameters {
    public struct Group: Sendable {
        /// Output columns c0..<c1 share the input prefix 0..<prefix.
        public let c0: Int, c1: Int, prefix: Int
        /// Where W_g starts in the packed weights.
        public let offset: Int
        public var width: Int { c1 - c0 }
    }

    public let inDegrees: [Int], outDegrees: [Int]
    public let strict: Bool
    public let groups: [Group]
    /// The packed unmasked weights (every W_g, row-major, one after the other).
    public let w: Tensor
    public let b: Tensor
    public var fanIn: Int { inDegrees.count }
    public var fanOut: Int { outDegrees.count }

    /// `inDegrees` and `outDegrees` must be sorted (non-decreasing). `strict`: the output layer's
    /// rule (deg_out > deg_in). `zeroInit`: start with zero weights and biases (a flow's output
    /// heads, so the flow starts at the identity); otherwise uniform in +-1/sqrt(fan-in), the
    /// initialisation of Linear.
    public init(inDegrees: [Int], outDegrees: [Int], strict: Bool, zeroInit: Bool = false, rng: inout RNG) {
        precondition(inDegrees == inDegrees.sorted() && outDegrees == outDegrees.sorted(), "degrees must be sorted")
        self.inDegrees = inDegrees; self.outDegrees = outDegrees; self.strict = strict
        var groups: [Group] = []
        var offset = 0, j = 0
        while j < outDegrees.count {
            let prefix = MaskedLinear.visibleInputs(inDegrees, outDegrees[j], strict: strict)
            var j1 = j + 1
            while j1 < outDegrees.count && MaskedLinear.visibleInputs(inDegrees, outDegrees[j1], strict: strict) == prefix { j1 += 1 }
            groups.append(Group(c0: j, c1: j1, prefix: prefix, offset: offset))
            offset += prefix * (j1 - j)
            j = j1
        }
        self.groups = groups
        w = Tensor(zeros: [offset], requiresGrad: true)
        b = Tensor(zeros: [outDegrees.count], requiresGrad: true)
        if !zeroInit {
            let bound = 1 / Float(max(inDegrees.count, 1)).squareRoot()
            rng.fillUniform(w.buffer, -bound, bound)
            rng.fillUniform(b.buffer, -bound, bound)
        }
    }

    /// How many (sorted) inputs an output of degree `d` sees.
    static func visibleInputs(_ inDegrees: [Int], _ d: Int, strict: Bool) -> Int {
        // @exercise 10
        inDegrees.filter { strict ? $0 < d : $0 <= d }.count
        // @exercise-end
    }

    /// The dense [in, out] matrix this layer multiplies by (masked entries 0): for tests and figures.
    public func denseWeights() -> [Float] {
        var m = [Float](repeating: 0, count: fanIn * fanOut)
        for g in groups {
            for i in 0..<g.prefix { for j in 0..<g.width { m[i * fanOut + g.c0 + j] = w.data[g.offset + i * g.width + j] } }
        }
        return m
    }

    public func callAsFunction(_ t: Tape, _ x: Tensor) -> Tensor { t.maskedDense(x, self) }
    public func namedParameters() -> [(String, Tensor)] { [("w", w), ("b", b)] }
}

extension Tape {
    /// y = x W + b for a MADE layer: x [N, in] -> y [N, out], one product per group of outputs.
    public func maskedDense(_ x: Tensor, _ layer: MaskedLinear) -> Tensor {
        let n = x.rows, fin = layer.fanIn, fout = layer.fanOut
        precondition(x.cols == fin, "maskedDense: input has \(x.cols) features, layer expects \(fin)")
        let out = Tensor(uninitialized: [n, fout])
        let w = layer.w, b = layer.b
        FLOPCounter.layer(outputs: n, fanIn: fin, fanOut: fout)   // a framework multiplies the full masked matrix
        // forward: bias first, then each group's product added to its columns
        for r in 0..<n { (out.data + r * fout).update(from: b.data, count: fout) }
        for g in layer.groups where g.prefix > 0 {
            //            y[:, c0..<c1]      += x[:, 0..<p]   W_g
            stridedGemm(n, g.width, g.prefix, x.data, fin, false, w.data + g.offset, g.width, false,
                        out.data + g.c0, fout, beta: 1)
        }
        if needsGrad(x, w, b) {
            record(out) {
                let dy = out.grad!
                if b.requiresGrad { addColumnSums(dy, n, fout, into: b.gradBuffer()) }    // db += sum_rows dy
                for g in layer.groups where g.prefix > 0 {
                    if w.requiresGrad {
                        //        dW_g          += x[:, 0..<p]^T     dy[:, c0..<c1]
                        stridedGemm(g.prefix, g.width, n, x.data, fin, true, dy + g.c0, fout, false,
                                    w.gradBuffer() + g.offset, g.width, beta: 1)
                    }
                    if x.requiresGrad {
                        //        dx[:, 0..<p]   += dy[:, c0..<c1]  W_g^T
                        stridedGemm(n, g.prefix, g.width, dy + g.c0, fout, false, w.data + g.offset, g.width, true,
                                    x.gradBuffer(), fin, beta: 1)
                    }
                }
            }
        }
        return out
    }
}

/// C = op(A) op(B) + beta C on sub-matrices of larger row-major matrices (leading dimensions
/// lda, ldb, ldc): the column blocks of the staircase.
@inline(__always)
func stridedGemm(_ m: Int, _ n: Int, _ k: Int,
                 _ a: UnsafePointer<Float>, _ lda: Int, _ transA: Bool,
                 _ b: UnsafePointer<Float>, _ ldb: Int, _ transB: Bool,
                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int, beta: Float) {
    if m == 0 || n == 0 || k == 0 { return }
    FLOPCounter.gemm(m, n, k)
    GEMMLog.note(m, n, k, transA: transA, transB: transB)
    _ = blasSingleThreaded
    sgemmCall(m, n, k, a, lda, transA, b, ldb, transB, c, 1, beta, ldc: ldc)
}

/// MADE's degrees. Inputs 1..D; each hidden layer of width H gets the degrees
/// (j mod max(1, D-1)) + 1 for j = 0..<H (every degree 1..D-1 about equally often, as the
/// PyTorch reference assigns them), sorted so the masks become staircases.
public enum MADEDegrees {
    public static func input(_ d: Int) -> [Int] { Array(1...max(d, 1)) }
    public static func hidden(_ h: Int, dim d: Int) -> [Int] {
        (0..<h).map { $0 % max(1, d - 1) + 1 }.sorted()
    }
}
