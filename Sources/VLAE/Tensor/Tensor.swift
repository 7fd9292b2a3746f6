// Tensors: Float32 numbers in one contiguous block, with a shape.
//
// Layout (the one convention every op in this module follows):
//   - images and feature maps are NHWC: [batch, height, width, channels], channels fastest.
//     A feature map is then also a matrix of [batch*height*width] rows by [channels] columns,
//     which is what turns a 1x1 convolution into one matrix product, and a kxk convolution into
//     one matrix product after gathering patches (im2col).
//   - vectors per example are [batch, features]; weights of a dense layer are [in, out].
//   - everything is row-major: the last index moves fastest.
//
// A Tensor owns its memory (a malloc'ed block freed in deinit). `grad` is the gradient of the
// loss with respect to this tensor; the tape (Tape.swift) allocates it when backward needs it.

import Foundation
import COpenBLAS  // its shim also brings malloc.h (mallopt)

public final class Tensor {
    public let shape: [Int]
    public let count: Int
    /// The values, `count` Floats, row-major.
    public let data: UnsafeMutablePointer<Float>
    /// d loss / d self, same layout as `data`; nil until backward touches it.
    public var grad: UnsafeMutablePointer<Float>?
    /// Whether gradients flow to (or through) this tensor.
    public var requiresGrad: Bool

    /// A tensor of zeros.
    public init(zeros shape: [Int], requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.data = Tensor.allocate(count)
        self.data.initialize(repeating: 0, count: count)
        self.requiresGrad = requiresGrad
    }

    /// A tensor whose values are not initialised (the caller writes every element).
    public init(uninitialized shape: [Int], requiresGrad: Bool = false) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.data = Tensor.allocate(count)
        self.requiresGrad = requiresGrad
    }

    /// A tensor holding a copy of `values`.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.init(uninitialized: shape, requiresGrad: requiresGrad)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// A scalar.
    public convenience init(scalar: Float) { self.init([scalar], shape: [1]) }

    deinit {
        free(data)
        if let g = grad { free(g) }
    }

    /// 64-byte aligned memory (AVX-512 friendly, what OpenBLAS likes).
    static func allocate(_ n: Int) -> UnsafeMutablePointer<Float> {
        var raw: UnsafeMutableRawPointer? = nil
        let bytes = max(n, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else { fatalError("out of memory allocating \(bytes) bytes") }
        return raw.bindMemory(to: Float.self, capacity: max(n, 1))
    }

    // MARK: - Access

    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
    public var gradValues: [Float]? { grad.map { Array(UnsafeBufferPointer(start: $0, count: count)) } }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
    public var item: Float { precondition(count == 1); return data[0] }
    public var rank: Int { shape.count }

    /// The gradient buffer, allocated and zeroed on first use.
    @inline(__always)
    public func gradBuffer() -> UnsafeMutablePointer<Float> {
        if let g = grad { return g }
        let g = Tensor.allocate(count)
        g.initialize(repeating: 0, count: count)
        grad = g
        return g
    }

    /// The gradient buffer for a backward step that writes every element: if nothing has been
    /// accumulated yet it comes back uninitialised with `fresh` true (write instead of add),
    /// which saves zeroing it first.
    @inline(__always)
    func gradBufferForWrite() -> (UnsafeMutablePointer<Float>, fresh: Bool) {
        if let g = grad { return (g, false) }
        let g = Tensor.allocate(count)
        grad = g
        return (g, true)
    }

    public func zeroGrad() { if let g = grad { g.update(repeating: 0, count: count) } }

    public func fill(_ v: Float) { data.update(repeating: v, count: count) }

    public func copy(from other: Tensor) {
        precondition(other.count == count)
        data.update(from: other.data, count: count)
    }

    public func clone(requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(uninitialized: shape, requiresGrad: requiresGrad)
        t.data.update(from: data, count: count)
        return t
    }

    /// Each example (slice along the first axis) repeated `times` times in a row: example n
    /// becomes rows n*times ..< (n+1)*times of the result, [N, ...] -> [N*times, ...]. Data only,
    /// no gradient (s codes z of one image: the image's mu, logvar and pixels once per code).
    public func repeatingExamples(_ times: Int) -> Tensor {
        let n = shape[0], per = count / max(n, 1)
        var s = shape; s[0] = n * times
        let out = Tensor(uninitialized: s)
        for i in 0..<n {
            for j in 0..<times { (out.data + (i * times + j) * per).update(from: data + i * per, count: per) }
        }
        return out
    }

    /// Rows x columns view of the shape: all leading dimensions times the last one.
    public var rows: Int { shape.count <= 1 ? 1 : count / shape[shape.count - 1] }
    public var cols: Int { shape.last ?? 1 }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = values.prefix(8).map { String(format: "%.4f", Double($0)) }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(count > 8 ? ", ..." : "")]"
    }
}

// MARK: - Random initialisation

extension Tensor {
    /// Normal(0, std^2) entries.
    public static func randomNormal(_ shape: [Int], std: Float, rng: inout RNG, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(uninitialized: shape, requiresGrad: requiresGrad)
        rng.fillNormal(t.buffer, std: std)
        return t
    }
}

// MARK: - Memory behaviour

/// Keep glibc from returning big blocks to the kernel after every training step: activations
/// are tens of megabytes, and with the default thresholds each one is a fresh mmap whose pages
/// fault in again on every step. One call at start-up makes freed blocks reusable.
public func configureAllocatorForTraining() {
    #if canImport(Glibc)
    _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)
    _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
    #endif
}
