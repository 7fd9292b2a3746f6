// A dense (fully connected) layer: y = x W + b.
//   x: [N, in]   W: [in, out]   b: [out]   y: [N, out]
// Backward (one matrix product each):
//   dx = dy W^T      dW += x^T dy      db += sum over rows of dy

extension Tape {
    public func dense(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> Tensor {
        let n = x.rows, fin = x.cols, fout = w.shape[1]
        precondition(w.shape[0] == fin, "dense: input has \(fin) features, weight is \(w.shape)")
        var shape = x.shape; shape[shape.count - 1] = fout
        let out = Tensor(uninitialized: shape)
        FLOPCounter.layer(outputs: n, fanIn: fin, fanOut: fout)
        denseForward(x.data, w.data, b?.data, out.data, n, fin, fout)
        if needsGrad(x, w) || (b.map { needsGrad($0) } ?? false) {
            record(out) {
                denseBackward(x, w, b, out.grad!, n, fin, fout)
            }
        }
        return out
    }
}

/// y = x W (+ b): one sgemm, then the bias added row by row.
@inline(__always)
func denseForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>?,
                  _ y: UnsafeMutablePointer<Float>, _ n: Int, _ fin: Int, _ fout: Int) {
    if let b {
        for i in 0..<n { let row = y + i * fout; for j in 0..<fout { row[j] = b[j] } }
        gemm(n, fout, fin, x, w, y, beta: 1)
    } else {
        gemm(n, fout, fin, x, w, y)
    }
}

/// Accumulate dx, dW, db from dy.
func denseBackward(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ dy: UnsafePointer<Float>,
                   _ n: Int, _ fin: Int, _ fout: Int) {
    if w.requiresGrad {
        gemm(fin, fout, n, x.data, transA: true, dy, w.gradBuffer(), beta: 1)   // dW += x^T dy
    }
    if let b, b.requiresGrad {
        addColumnSums(dy, n, fout, into: b.gradBuffer())                          // db += sum_rows dy
    }
    if x.requiresGrad {
        gemm(n, fin, fout, dy, w.data, transB: true, x.gradBuffer(), beta: 1)  // dx += dy W^T
    }
}

/// acc[j] += sum_i m[i, j] for a rows x cols matrix.
@inline(__always)
func addColumnSums(_ m: UnsafePointer<Float>, _ rows: Int, _ cols: Int, into acc: UnsafeMutablePointer<Float>) {
    for i in 0..<rows {
        let row = m + i * cols
        for j in 0..<cols { acc[j] += row[j] }
    }
}
