// A reader's own test files, scored by models trained on other data (`swift run evaluate`).
//
// The models expect 28x28 images and, where the data has labels, one of the classes they know
// (the loaders check both). An empty test split is one line and an error, like every other data
// problem. The training files are optional here: without them the probe and
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

/// The test split must hold images. (Its labels need no check here: every loader checks them
/// against the data's classes as it reads them: readIDXLabels, parsePixelCSV.)
public func checkForEvaluation(_ data: Dataset, flag: String) throws {
    guard data.test.count > 0 else {
        throw DataError(.badFormat, file: "--dataset \(flag)", problem: "the test split holds no images",
                        fix: "give test files with at least one 28x28 image")
    }
}
