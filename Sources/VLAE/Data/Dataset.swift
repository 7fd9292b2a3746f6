// A dataset: three splits, the class names, and a fingerprint that says where it came from.

/// Train, validation and test images from one source, split by a fixed rule.
public struct Dataset: Sendable {
    /// "mnist5k", "fashion-mnist", "idx" or "amat".
    public var name: String
    public var train: ImageSet
    public var validation: ImageSet
    public var test: ImageSet
    /// A short hex string derived from the source files' SHA-256 and the split rule (and, once
    /// binarized, the binarization). Model caches include it in their keys, so a model trained
    /// on other data or another split is never mistaken for this one.
    public var fingerprint: String
    /// Names of the label classes, indexed by label; empty when the source has no labels.
    public var classNames: [String]
    /// True when every pixel is already 0 or 1 (the .amat files, or after static binarization).
    public var isBinary: Bool

    public init(name: String, train: ImageSet, validation: ImageSet, test: ImageSet,
                fingerprint: String, classNames: [String], isBinary: Bool) {
        self.name = name
        self.train = train
        self.validation = validation
        self.test = test
        self.fingerprint = fingerprint
        self.classNames = classNames
        self.isBinary = isBinary
    }

    /// The three splits by name.
    public enum Split: String, CaseIterable, Sendable {
        case train, validation, test
    }

    public subscript(split: Split) -> ImageSet {
        switch split {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    /// The ten digit names, "0" ... "9".
    public static let digitNames = (0..<10).map(String.init)
    /// The ten Fashion-MNIST classes, in label order.
    public static let fashionNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// 16 hex digits of SHA-256 over the given parts: short enough for a file name, long
    /// enough that two different sources never collide in practice.
    static func makeFingerprint(_ parts: [String]) -> String {
        String(sha256Hex(parts.joined(separator: "\n")).prefix(16))
    }
}

/// Validation size when it is carved off the end of a training file: the last 5,000 images,
/// or 10% when that is smaller (for a small user-supplied IDX file).
func validationCount(trainCount: Int) -> Int {
    min(5000, trainCount / 10)
}

/// Split one set into (first n - v, last v).
func splitTail(_ set: ImageSet, validation v: Int) -> (train: ImageSet, validation: ImageSet) {
    let n = set.count
    return (set.subset(Array(0..<(n - v))), set.subset(Array((n - v)..<n)))
}
