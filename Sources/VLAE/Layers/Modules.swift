// Layers that own their weights: a dense layer and a convolution. Models are built from these,
// and list their weights by name (for the optimiser, checkpoints and the model cache).
//
// Initialisation follows PyTorch's defaults (what the reference numbers in docs/anchors.md
// were trained with): weights and biases uniform in +-1/sqrt(fan_in).

/// Anything with named trainable tensors.
public protocol HasParameters {
    /// (name, tensor) pairs; names are stable across runs (checkpoints rely on them).
    func namedParameters() -> [(String, Tensor)]
}

extension HasParameters {
    public var parameters: [Tensor] { namedParameters().map { $0.1 } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

func prefixed(_ prefix: String, _ items: [(String, Tensor)]) -> [(String, Tensor)] {
    items.map { (prefix + "." + $0.0, $0.1) }
}

/// y = x W + b.
public final class Linear: HasParameters {
    public let w: Tensor, b: Tensor
    public init(_ fin: Int, _ fout: Int, rng: inout RNG) {
        let bound = 1 / Float(fin).squareRoot()
        w = Tensor(uninitialized: [fin, fout], requiresGrad: true)
        b = Tensor(uninitialized: [fout], requiresGrad: true)
        rng.fillUniform(w.buffer, -bound, bound)
        rng.fillUniform(b.buffer, -bound, bound)
    }
    public func callAsFunction(_ t: Tape, _ x: Tensor) -> Tensor { t.dense(x, w, b) }
    public func namedParameters() -> [(String, Tensor)] { [("w", w), ("b", b)] }
}

/// A convolution (full, strided or masked, by its geometry), NHWC.
public final class Conv: HasParameters {
    public let w: Tensor, b: Tensor?
    public let geometry: ConvGeometry
    public let cin: Int, cout: Int
    public init(_ cin: Int, _ cout: Int, _ geometry: ConvGeometry, bias: Bool = true, rng: inout RNG) {
        self.cin = cin; self.cout = cout; self.geometry = geometry
        // fan-in of the full (unmasked) kernel, as PyTorch's masked-conv implementations have it
        let fanIn = cin * geometry.kernel * geometry.kernel
        let bound = 1 / Float(fanIn).squareRoot()
        let w = Tensor(uninitialized: [geometry.taps.count * cin, cout], requiresGrad: true)
        rng.fillUniform(w.buffer, -bound, bound)
        self.w = w
        if bias {
            let b = Tensor(uninitialized: [cout], requiresGrad: true)
            rng.fillUniform(b.buffer, -bound, bound)
            self.b = b
        } else { self.b = nil }
    }
    public func callAsFunction(_ t: Tape, _ x: Tensor) -> Tensor { t.conv2d(x, w, b, geometry) }
    /// conv(x) + all[..., start ..< start + cout] in one op (Tape.conv2d(_:_:_:_:plusColumnsOf:start:)).
    public func callAsFunction(_ t: Tape, _ x: Tensor, plusColumnsOf all: Tensor, start: Int) -> Tensor {
        t.conv2d(x, w, b, geometry, plusColumnsOf: all, start: start)
    }
    public func namedParameters() -> [(String, Tensor)] {
        b.map { [("w", w), ("b", $0)] } ?? [("w", w)]
    }
}
