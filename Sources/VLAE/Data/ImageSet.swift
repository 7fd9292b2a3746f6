// A set of 28x28 grey images with their labels: the unit every split is made of.

/// Images stored back to back as one flat array of floats, row-major 28x28 each,
/// intensities in [0, 1] (0 and 1 only once binarized). One flat array keeps a batch a
/// single `memcpy` away and lets the models read images through plain pointers.
public struct ImageSet: Sendable {
    public static let height = 28
    public static let width = 28
    /// Pixels per image: 28 * 28 = 784.
    public static let pixelsPerImage = height * width

    /// `count * 784` intensities in [0, 1], image after image.
    public var pixels: [Float]
    /// One label per image (0...9 for the digit or garment class), -1 where the source has none.
    public var labels: [Int]

    public var height: Int { ImageSet.height }
    public var width: Int { ImageSet.width }
    public var count: Int { labels.count }

    /// `pixels.count` must be `labels.count * 784`.
    public init(pixels: [Float], labels: [Int]) {
        precondition(pixels.count == labels.count * ImageSet.pixelsPerImage,
                     "ImageSet: \(pixels.count) pixels for \(labels.count) images")
        self.pixels = pixels
        self.labels = labels
    }

    /// Image `i` as a fresh array of 784 floats.
    public func image(_ i: Int) -> [Float] {
        let n = ImageSet.pixelsPerImage
        return Array(pixels[(i * n)..<((i + 1) * n)])
    }

    /// Read image `i` in place, without copying.
    public func withImage<R>(_ i: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(i >= 0 && i < count, "image index \(i) out of 0..<\(count)")
        let n = ImageSet.pixelsPerImage
        return try pixels.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[(i * n)..<((i + 1) * n)]))
        }
    }

    /// The images at `indices`, in that order (repeats allowed).
    public func subset(_ indices: [Int]) -> ImageSet {
        let n = ImageSet.pixelsPerImage
        var out = [Float](repeating: 0, count: indices.count * n)
        out.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < count, "subset index \(i) out of 0..<\(count)")
                    (dst.baseAddress! + k * n).update(from: src.baseAddress! + i * n, count: n)
                }
            }
        }
        return ImageSet(pixels: out, labels: indices.map { labels[$0] })
    }

    /// Mean intensity over all pixels (the "grey mean"; for binary images, the fraction of ones).
    public var meanIntensity: Double {
        guard !pixels.isEmpty else { return 0 }
        var sum = 0.0
        for p in pixels { sum += Double(p) }
        return sum / Double(pixels.count)
    }
}
