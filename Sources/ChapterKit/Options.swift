// The flags every chapter understands, and how they become a dataset and training configs.

import ArgumentParser
import Foundation
import Notebook
import VLAE

public struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Dataset: mnist5k, mnist (full, 50k/10k/10k), fashion, idx:DIR or amat:DIR.", valueName: "name"))
    public var dataset: String = "mnist5k"

    @Option(name: .long, parsing: .unconditional, help: "Training epochs (default: the chapter's; --quick and --full change it).")
    public var epochs: Int?

    @Option(name: .long, parsing: .unconditional, help: "Seed for weights, data order and noise.")
    public var seed: UInt64 = 1

    @Option(name: .long, parsing: .unconditional, help: "Seed of the static binarization (the same digits for every model).")
    public var dataSeed: UInt64 = 0

    @Option(name: .customLong("latent"), parsing: .unconditional, help: "Latent dimensions D.")
    public var latentDim: Int = 32

    @Option(name: .long, parsing: .unconditional, help: "Mini-batch size.")
    public var batchSize: Int = 64

    @Option(name: .customLong("lr"), parsing: .unconditional, help: "Learning rate.")
    public var learningRate: Float = 1e-3

    @Option(name: .long, help: "Optimiser: adam or adamax.")
    public var optimizer: String = "adam"

    @Flag(name: .long, help: "Redraw the binarization every epoch (dynamic) instead of once (static).")
    public var dynamic: Bool = false

    @Option(name: .long, help: "Folder for reports, metrics and the model cache.")
    public var output: String = "output"

    @Flag(name: .long, help: "The student edition: pages with no quiz answer in them, written to OUTPUT/student (the model cache stays in OUTPUT/models).")
    public var student: Bool = false

    @Flag(name: .long, help: "Train again even if the model cache has this model.")
    public var retrain: Bool = false

    @Flag(name: .long, help: "A short classroom demo: few epochs, a subset of the data.")
    public var quick: Bool = false

    @Flag(name: .long, help: "Longer, paper-like training.")
    public var full: Bool = false

    @Flag(name: .long, help: "Serve the live page and the report while training (see --host, --port).")
    public var serve: Bool = false

    @Option(name: .long, help: "Address to serve on with --serve (loopback by default).")
    public var host: String = "127.0.0.1"

    @Option(name: .long, parsing: .unconditional, help: "Port to serve on with --serve.")
    public var port: UInt16 = 8000

    public init() {}

    public func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs \(epochs): must be at least 1") }
        guard latentDim > 0 && latentDim <= 1024 else { throw ValidationError("--latent \(latentDim): must be between 1 and 1024") }
        guard batchSize > 0 && batchSize <= 4096 else { throw ValidationError("--batch-size \(batchSize): must be between 1 and 4096") }
        guard learningRate > 0 && learningRate < 1 else { throw ValidationError("--lr \(learningRate): must be in (0, 1)") }
        guard Optimizer.Kind(rawValue: optimizer) != nil else { throw ValidationError("--optimizer \(optimizer): must be adam or adamax") }
        guard !(quick && full) else { throw ValidationError("--quick and --full cannot be used together: pick one") }
        do { _ = try DataSource.parse(dataset) } catch { throw ValidationError("\(error)") }
        // Before any training: an output folder that cannot be written would otherwise fail
        // only when the first checkpoint or report is written, after the work is done.
        if let problem = probeWritableFolder(output) {
            throw ValidationError("--output \(output): \(problem): pass --output with a folder you can write")
        }
    }

    /// The run length a chapter asked for, adjusted by --quick / --full / --epochs.
    public func epochs(default normal: Int, quick q: Int, full f: Int) -> Int {
        if let epochs { return epochs }
        return quick ? q : (full ? f : normal)
    }

    /// Training images per epoch: all, or a subset with --quick.
    public var maxTrainImages: Int { quick ? 2000 : 0 }

    public func training(epochs: Int, freeBits: Float = 0, klAnnealSteps: Int = 0) -> TrainingConfig {
        TrainingConfig(epochs: epochs, batchSize: batchSize, learningRate: learningRate,
                       optimizer: Optimizer.Kind(rawValue: optimizer) ?? .adam,
                       freeBits: freeBits, klAnnealSteps: klAnnealSteps, dynamicBinarization: dynamic,
                       dataSeed: dataSeed, seed: seed, maxTrainImages: maxTrainImages)
    }

    /// Load the dataset or stop with the loader's one-line message.
    public func loadData() -> Dataset {
        do { return try loadDataset(DataSource.parse(dataset)) }
        catch { fail("\(error)") }
    }

    /// The folder the pages go to: `output`, or `output/student` for the student edition.
    public var pagesRoot: String { student ? output + "/student" : output }

    public var edition: Edition { student ? .student : .instructor }

    public var binarizationName: String { dynamic ? "dynamic" : "static (seed \(dataSeed))" }
    public var cache: ModelCache { ModelCache(root: output + "/models") }
}

/// Create `path` (and its parents) if needed and check that a file can be written in it;
/// nil if so, otherwise what is wrong, in words.
public func probeWritableFolder(_ path: String) -> String? {
    func make(_ dir: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? nil : "\(dir) is a file, not a folder"
        }
        let parent = (dir as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != dir, let problem = make(parent) { return problem }
        if mkdir(dir, 0o755) != 0 && errno != EEXIST {
            return "cannot create \(dir) (\(String(cString: strerror(errno))))"
        }
        return nil
    }
    if let problem = make(path) { return problem }
    let probe = (path as NSString).appendingPathComponent(".write-probe-\(getpid())")
    let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return "cannot write in it (\(String(cString: strerror(errno))))" }
    close(fd)
    unlink(probe)
    return nil
}

/// A chapter's command: parses the common flags and runs, and any error in the flags is
/// one line on stderr ("error: --epochs -3: must be at least 1 (see --help)") and exit status
/// 64, not a usage screen.
public protocol ChapterCommand: ParsableCommand {}

extension ChapterCommand {
    public static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as ValidationError {
            flagError(error)
        } catch {
            // --help, --version and mistakes in the flags come from the parser (as its own
            // error types, also out of run()); any other error is the chapter's.
            if exitCode(for: error) == .success { exit(withError: error) }
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { flagError(error) }
            fail("\(error)")
        }
    }

    private static func flagError(_ error: Error) -> Never {
        let message = DataError.oneLine(Self.message(for: error)).trimmingCharacters(in: .whitespaces)
        FileHandle.standardError.write(Data("error: \(message) (see --help)\n".utf8))
        Foundation.exit(exitCode(for: error).rawValue)
    }
}

/// Print a one-line error to stderr and exit with status 1.
public func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

/// Run a chapter body, turning any thrown error into a one-line message and a non-zero exit.
public func runChapter(_ body: () throws -> Void) {
    setvbuf(stdout, nil, _IOLBF, 0)   // line by line, also when piped to a log
    do { try body() } catch { fail("\(error)") }
}
