// Reductions (sum, mean, logsumexp) and shape ops (reshape, concat, column slices).
// Forward and backward side by side.

import Foundation

extension Tape {
    // MARK: sums

    /// The sum of every element: a scalar [1]. Backward: every input gets dout.
    public func sum(_ a: Tensor) -> Tensor {
        var s: Double = 0
        for i in 0..<a.count { s += Double(a.data[i]) }
        let out = Tensor(scalar: Float(s))
        if needsGrad(a) {
            record(out) {
                let g = out.grad![0], ga = a.gradBuffer()
                for i in 0..<a.count { ga[i] += g }
            }
        }
        return out
    }

    /// The mean of every element: a scalar [1].
    public func mean(_ a: Tensor) -> Tensor { scale(sum(a), 1 / Float(a.count)) }

    /// Sum over the last axis: [..., F] -> [...] (a [N, F] matrix becomes [N]).
    public func sumLastAxis(_ a: Tensor) -> Tensor {
        let f = a.cols, r = a.rows
        let out = Tensor(uninitialized: a.shape.count > 1 ? Array(a.shape.dropLast()) : [1])
        for i in 0..<r {
            var s: Float = 0
            for j in 0..<f { s += a.data[i * f + j] }
            out.data[i] = s
        }
        if needsGrad(a) {
            record(out) {
                let go = out.grad!, ga = a.gradBuffer()
                for i in 0..<r { let g = go[i]; for j in 0..<f { ga[i * f + j] += g } }
            }
        }
        return out
    }

    /// log sum_j exp(a[i, j]) over the last axis, computed stably by subtracting the row max.
    /// Backward: d/da[i,j] = softmax(a[i, :])_j.
    public func logsumexp(_ a: Tensor) -> Tensor {
        let f = a.cols, r = a.rows
        let out = Tensor(uninitialized: a.shape.count > 1 ? Array(a.shape.dropLast()) : [1])
        for i in 0..<r { out.data[i] = logSumExp(a.data + i * f, f) }
        if needsGrad(a) {
            record(out) {
                let go = out.grad!, ga = a.gradBuffer()
                for i in 0..<r {
                    let lse = out.data[i]
                    for j in 0..<f { ga[i * f + j] += go[i] * Foundation.exp(a.data[i * f + j] - lse) }
                }
            }
        }
        return out
    }

    // MARK: shapes

    /// The same values with a new shape (a copy; the element order is unchanged).
    public func reshape(_ a: Tensor, _ shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == a.count, "reshape \(a.shape) -> \(shape)")
        let out = Tensor(uninitialized: shape)
        out.data.update(from: a.data, count: a.count)
        if needsGrad(a) {
            record(out) {
                let go = out.grad!, ga = a.gradBuffer()
                for i in 0..<a.count { ga[i] += go[i] }
            }
        }
        return out
    }

    /// Concatenate along the last axis: [..., F1], [..., F2] -> [..., F1 + F2].
    public func concat(_ parts: [Tensor]) -> Tensor {
        let r = parts[0].rows
        precondition(parts.allSatisfy { $0.rows == r }, "concat: row counts differ")
        let widths = parts.map { $0.cols }
        let total = widths.reduce(0, +)
        var shape = parts[0].shape; shape[shape.count - 1] = total
        let out = Tensor(uninitialized: shape)
        var offset = 0
        for (p, w) in zip(parts, widths) {
            for i in 0..<r { (out.data + i * total + offset).update(from: p.data + i * w, count: w) }
            offset += w
        }
        if needsGrad(parts) {
            record(out) {
                let go = out.grad!
                var offset = 0
                for (p, w) in zip(parts, widths) {
                    if p.requiresGrad {
                        let gp = p.gradBuffer()
                        for i in 0..<r { for j in 0..<w { gp[i * w + j] += go[i * total + offset + j] } }
                    }
                    offset += w
                }
            }
        }
        return out
    }

    /// Columns [start, start + width) of the last axis: [..., F] -> [..., width].
    public func sliceColumns(_ a: Tensor, _ start: Int, _ width: Int) -> Tensor {
        let f = a.cols, r = a.rows
        precondition(start >= 0 && start + width <= f)
        var shape = a.shape; shape[shape.count - 1] = width
        let out = Tensor(uninitialized: shape)
        for i in 0..<r { (out.data + i * width).update(from: a.data + i * f + start, count: width) }
        if needsGrad(a) {
            record(out) {
                let go = out.grad!, ga = a.gradBuffer()
                for i in 0..<r { for j in 0..<width { ga[i * f + start + j] += go[i * width + j] } }
            }
        }
        return out
    }
}

/// log sum exp of n values, stable (max subtracted first). Double accumulation.
public func logSumExp(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    // @exercise 8
    var m = -Float.infinity
    for j in 0..<n { m = max(m, p[j]) }
    if !m.isFinite { return m }
    var s: Double = 0
    for j in 0..<n { s += Foundation.exp(Double(p[j] - m)) }
    return m + Float(Foundation.log(s))
    // @exercise-end
}

// @cell logsumexp
public func logSumExp(_ xs: [Double]) -> Double {
    // @exercise 8
    guard let m = xs.max(), m.isFinite else { return xs.max() ?? -.infinity }
    return m + Foundation.log(xs.reduce(0) { $0 + Foundation.exp($1 - m) })
    // @exercise-end
}
// @end
