// Mini-batches: an epoch's order cut into contiguous blocks of images.

/// One mini-batch: `count` images back to back (`count * 784` floats) and their labels.
public struct Batch: Sendable {
    public var pixels: [Float]
    public var labels: [Int]
    /// Which images of the set these are, in batch order.
    public var indices: [Int]
    public var count: Int { labels.count }
}

/// Walks an `ImageSet` in a given order, `batchSize` images at a time; the last, partial
/// batch is kept. With `dynamicBinarization` each batch is a fresh Bernoulli draw from that
/// stream; without it the pixels are copied as they are.
///
///     var rng = RNG(seed: 1).fork(2)
///     for batch in BatchIterator(data.train, batchSize: 64, order: rng.permutation(data.train.count)) { ... }
public struct BatchIterator: Sequence, IteratorProtocol {
    public let set: ImageSet
    public let batchSize: Int
    public let order: [Int]
    private var rng: RNG?
    private var position = 0

    public init(_ set: ImageSet, batchSize: Int, order: [Int], dynamicBinarization rng: RNG? = nil) {
        precondition(batchSize > 0, "batch size must be positive")
        precondition(order.allSatisfy { $0 >= 0 && $0 < set.count }, "order holds an index outside the set")
        self.set = set
        self.batchSize = batchSize
        self.order = order
        self.rng = rng
    }

    /// Number of batches in one pass, counting the partial one.
    public var batchCount: Int { (order.count + batchSize - 1) / batchSize }

    public mutating func next() -> Batch? {
        guard position < order.count else { return nil }
        let indices = Array(order[position..<Swift.min(position + batchSize, order.count)])
        position += indices.count
        let n = ImageSet.pixelsPerImage
        var pixels = [Float](repeating: 0, count: indices.count * n)
        pixels.withUnsafeMutableBufferPointer { dst in
            if var r = rng {
                set.sampleBinarized(indices: indices, into: dst.baseAddress!, rng: &r)
                rng = r
            } else {
                set.pixels.withUnsafeBufferPointer { src in
                    for (k, i) in indices.enumerated() {
                        (dst.baseAddress! + k * n).update(from: src.baseAddress! + i * n, count: n)
                    }
                }
            }
        }
        return Batch(pixels: pixels, labels: indices.map { set.labels[$0] }, indices: indices)
    }
}
