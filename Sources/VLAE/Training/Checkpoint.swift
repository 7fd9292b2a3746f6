// Checkpoints: a trained (or half-trained) model on disk, written atomically.
//
// File layout:
//   8 bytes   "VLAECKP1"
//   8 bytes   header length H (little-endian UInt64)
//   H bytes   JSON header: model and training configuration, dataset fingerprint, history,
//             optimiser step, and the name and size of every tensor that follows
//   the tensors as little-endian Float32: every parameter, then Adam's m and v for each
//
// Writing goes to a temporary file in the same folder, which is then renamed over the target:
// a crash or Ctrl-C mid-write leaves the previous checkpoint intact, never half a file.

import Foundation

/// The version of the code's results. Bump it when a change to an op, a model, the training
/// loop or an evaluation makes what earlier runs computed wrong: every checkpoint and memo
/// written before then is then retrained or recomputed (with a one-line notice), never reused.
public enum CodeVersion {
    public static let current = 1
}

public struct CheckpointHeader: Codable {
    /// The `CodeVersion` of the code that wrote the file.
    public var format = CodeVersion.current
    public var model: ModelConfig
    public var training: TrainingConfig
    public var datasetFingerprint: String
    public var history: [EpochRecord]
    public var optimizerStep: Int
    public var tensors: [TensorEntry]
    public struct TensorEntry: Codable { public var name: String; public var count: Int }
}

public enum Checkpoint {
    static let magic = Array("VLAECKP1".utf8)

    /// Save `run` (its model, optimiser state and history) to `path`, atomically.
    public static func save(_ run: TrainingRun, datasetFingerprint: String, to path: String) throws {
        let named = run.model.namedParameters()
        var entries = named.map { CheckpointHeader.TensorEntry(name: $0.0, count: $0.1.count) }
        entries += zip(named, run.optimizer.m).map { .init(name: "adam.m." + $0.0.0, count: $0.1.count) }
        entries += zip(named, run.optimizer.v).map { .init(name: "adam.v." + $0.0.0, count: $0.1.count) }
        let header = CheckpointHeader(model: run.model.config, training: run.config,
                                      datasetFingerprint: datasetFingerprint, history: run.history,
                                      optimizerStep: run.optimizer.t, tensors: entries)
        let json = try JSONEncoder().encode(header)
        var data = Data(magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for t in named.map({ $0.1 }) + run.optimizer.m + run.optimizer.v {
            data.append(UnsafeBufferPointer(start: t.data, count: t.count))
        }
        try writeAtomically(data, to: path)
    }

    /// Read only the header (cheap: for listing the cache).
    public static func header(at path: String) throws -> CheckpointHeader {
        try read(path).header
    }

    /// Rebuild a TrainingRun from a checkpoint: same weights, optimiser state and history.
    /// With `training`, the run continues as a run of that configuration, which must differ
    /// from the checkpoint's only in the epoch count (to continue a shorter run).
    public static func load(_ path: String, as training: TrainingConfig? = nil) throws -> (run: TrainingRun, fingerprint: String) {
        let (header, floats) = try read(path)
        if let training, training.resumeKey != header.training.resumeKey {
            throw CheckpointError(path: path, problem: "holds another training configuration than the one asked for")
        }
        if let training, header.history.count > training.epochs {
            throw CheckpointError(path: path, problem: "holds \(header.history.count) epochs, more than the \(training.epochs) asked for")
        }
        let model = VAE(header.model, seed: header.training.seed)
        let run = TrainingRun(model: model, config: training ?? header.training)
        let targets = model.parameters + run.optimizer.m + run.optimizer.v
        guard targets.count == header.tensors.count,
              zip(targets, header.tensors).allSatisfy({ $0.count == $1.count }) else {
            throw CheckpointError(path: path, problem: "its tensors do not match the model it describes")
        }
        var offset = 0
        floats.withUnsafeBufferPointer { src in
            for t in targets {
                t.data.update(from: src.baseAddress! + offset, count: t.count)
                offset += t.count
            }
        }
        run.history = header.history
        run.optimizer.restoreStep(header.optimizerStep)
        return (run, header.datasetFingerprint)
    }

    static func read(_ path: String) throws -> (header: CheckpointHeader, floats: [Float]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(path: path, problem: "cannot be read")
        }
        guard data.count >= 16, Array(data.prefix(8)) == magic else {
            throw CheckpointError(path: path, problem: "is not a checkpoint of this program")
        }
        let h = data.subdata(in: 8..<16).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard h < UInt64(data.count - 16) else { throw CheckpointError(path: path, problem: "is truncated (inside its header)") }
        let header: CheckpointHeader
        do { header = try JSONDecoder().decode(CheckpointHeader.self, from: data.subdata(in: 16..<(16 + Int(h)))) }
        catch { throw CheckpointError(path: path, problem: "has an unreadable header (\(error))") }
        guard header.format == CodeVersion.current else {
            throw CheckpointError(path: path, problem: "was written by format \(header.format) of this program (this is format \(CodeVersion.current))")
        }
        var expected = 0
        for t in header.tensors {
            let (sum, overflow) = expected.addingReportingOverflow(t.count)
            guard t.count >= 0, !overflow, sum <= data.count else {
                throw CheckpointError(path: path, problem: "is corrupt (its header lists impossible tensor sizes)")
            }
            expected = sum
        }
        let body = data.count - 16 - Int(h)
        guard body == expected * 4 else {
            throw CheckpointError(path: path, problem: "is truncated (\(body) of \(expected * 4) bytes of weights)")
        }
        var floats = [Float](repeating: 0, count: expected)
        floats.withUnsafeMutableBytes { dst in
            data.copyBytes(to: dst.bindMemory(to: UInt8.self), from: (16 + Int(h))..<data.count)
        }
        return (header, floats)
    }
}

public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String, problem: String
    /// What to do about it.
    public var fix = "delete it and the model will be retrained"
    public init(path: String, problem: String, fix: String? = nil) {
        self.path = path; self.problem = problem
        if let fix { self.fix = fix }
    }
    public var description: String { DataError.oneLine("\(path) \(problem): \(fix)") }
}

/// Write `data` to `path` atomically: to a temporary file beside it (a name unique to this
/// call), then renamed over the target, so that a reader never sees half a file even if the
/// program is killed mid-write. The one atomic writer of the module (checkpoints, memos,
/// the binarization cache).
public func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    let tmp = url.deletingLastPathComponent()
        .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.globallyUniqueString).tmp")
    do {
        try data.write(to: tmp)
    } catch {
        try? FileManager.default.removeItem(at: tmp)
        throw CheckpointError(path: path, problem: "could not be written (\(error.localizedDescription))",
                              fix: "check that its folder is writable and the disk is not full")
    }
    if rename(tmp.path, url.path) != 0 {
        let code = errno
        try? FileManager.default.removeItem(at: tmp)
        throw CheckpointError(path: path, problem: "could not be written (rename failed: \(String(cString: strerror(code))))",
                              fix: "check that its folder is writable and the disk is not full")
    }
}

extension Optimizer {
    func restoreStep(_ step: Int) { t = step }
}
