// Softmax cross-entropy for classifiers (the linear probe and the digit classifier that
// scores decompressions).
//
//   loss_n = -log softmax(l_n)[y_n] = logsumexp(l_n) - l_n[y_n]
//   d loss_n / d l_n = softmax(l_n) - onehot(y_n)

import Foundation

extension Tape {
    /// Per-example cross-entropy [N] of logits [N, C] against integer labels.
    public func softmaxCrossEntropy(_ logits: Tensor, labels: [Int]) -> Tensor {
        let n = logits.rows, c = logits.cols
        precondition(labels.count == n && labels.allSatisfy { $0 >= 0 && $0 < c }, "labels must be in 0..<\(c)")
        let out = Tensor(uninitialized: [n])
        var lse = [Float](repeating: 0, count: n)
        for i in 0..<n {
            lse[i] = logSumExp(logits.data + i * c, c)
            out.data[i] = lse[i] - logits.data[i * c + labels[i]]
        }
        if needsGrad(logits) {
            record(out) {
                let go = out.grad!, gl = logits.gradBuffer()
                for i in 0..<n {
                    for j in 0..<c {
                        let p = Foundation.exp(logits.data[i * c + j] - lse[i])
                        gl[i * c + j] += go[i] * (p - (j == labels[i] ? 1 : 0))
                    }
                }
            }
        }
        return out
    }
}
