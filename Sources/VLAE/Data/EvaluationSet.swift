// A reader's own test files, scored by models trained on other data (`swift run evaluate`).
//
// The models expect 28x28 images (the loaders check that) and, where the data has labels, one of
// the classes they know. An empty test split or a label out of range is one line and an error,
// like every other data problem. The training files are optional here: without them the probe and
// the classifier that need a training split are skipped, and the test split is scored alone.

import Foundation

/// Load the data `evaluate` scores: like `loadDataset`, except that an `idx:DIR` holding only
/// the two test files (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) is accepted,
/// with empty train and validation splits. Then `checkForEvaluation`.
public func loadEvaluationData(_ source: DataSource, flag: String) throws -> Dataset {
    let data: Dataset
    if case let .idx(trainImages, trainLabels, testImages, testLabels) = source,
       !FileManager.default.fileExists(atPath: trainImages), !FileManager.default.fileExists(atPath: trainLabels) {
        let fix = "check the IDX files given to --dataset \(flag)"
        let (test, hashes) = try readIDXSet(images: testImages, labels: testLabels, classCount: Dataset.digitNames.count, fix: fix)
        let empty = ImageSet(pixels: [], labels: [])
        data = Dataset(name: "idx", train: empty, validation: empty, test: test,
                       fingerprint: Dataset.makeFingerprint(["idx", "test only"] + hashes),
                       classNames: Dataset.digitNames, isBinary: false)
    } else {
        data = try loadDataset(source)
    }
    try checkForEvaluation(data, flag: flag)
    return data
}

/// The test split must hold images, and its labels (when the data has classes) must be classes
/// the data names: 0 ..< classNames.count.
public func checkForEvaluation(_ data: Dataset, flag: String) throws {
    let file = "--dataset \(flag)"
    guard data.test.count > 0 else {
        throw DataError(.badFormat, file: file, problem: "the test split holds no images",
                        fix: "give test files with at least one 28x28 image")
    }
    let classes = data.classNames.count
    guard classes > 0 else { return }                       // unlabelled data (.amat): labels are -1
    for (name, set) in [("test", data.test), ("train", data.train), ("validation", data.validation)] {
        if let i = set.labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw DataError(.badFormat, file: file,
                            problem: "\(name) label \(i) is \(set.labels[i]), outside the \(classes) classes 0-\(classes - 1)",
                            fix: "give labels 0-\(classes - 1) (MNIST's digit order)")
        }
    }
}
