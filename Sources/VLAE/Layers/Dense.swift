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

/// y = x W (+ b) (+ addend): the bias (and the addend's rows, `stride` floats apart) are written
/// into y first and the product added to them (beta = 1), so y is written once. Big products run
/// as one block of rows per thread.
func denseForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>?,
                  _ y: UnsafeMutablePointer<Float>, _ n: Int, _ fin: Int, _ fout: Int,
                  addend: (UnsafePointer<Float>, stride: Int)? = nil) {
    let small = isSmallProduct(k: fin, n: fout)
    if b == nil && addend == nil && !small { gemm(n, fout, fin, x, w, y); return }
    FLOPCounter.gemm(n, fout, fin)
    GEMMLog.note(n, fout, fin)
    _ = blasSingleThreaded
    // Each thread's rows go in blocks of about denseBlockFloats outputs: the bias written into a
    // block is still in cache when the product adds to it (writing all of a 38 MB conditioning
    // map first and then multiplying into it cost half as much again as the product).
    let blockRows = max(16, denseBlockFloats / max(fout, 1))
    parallelChunks(n, minPerChunk: max(64, 1_000_000 / max(1, fin * fout))) { rows in
        var r0 = rows.lowerBound
        while r0 < rows.upperBound {
            let r1 = min(rows.upperBound, r0 + blockRows)
            initRows(y, r0..<r1, fout, b, addend)
            if fin > 0 && small {   // a 32 -> 1 output layer: dot products (SmallProducts.swift)
                addProductSmall(r1 - r0, fout, fin, x + r0 * fin, w, y + r0 * fout)
            } else if fin > 0 {
                sgemmCall(r1 - r0, fout, fin, x + r0 * fin, fin, false, w, fout, false, y + r0 * fout, 1, 1)
            }
            r0 = r1
        }
    }
}

/// Output floats per block in denseForward.
let denseBlockFloats = 1 << 15

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
