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

public struct CheckpointHeader: Codable {
    public var format = 1
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
    public static func load(_ path: String) throws -> (run: TrainingRun, fingerprint: String) {
        let (header, floats) = try read(path)
        let model = VAE(header.model, seed: header.training.seed)
        let run = TrainingRun(model: model, config: header.training)
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
        guard h < UInt64(data.count - 16) else { throw CheckpointError(path: path, problem: "is truncated") }
        let header: CheckpointHeader
        do { header = try JSONDecoder().decode(CheckpointHeader.self, from: data.subdata(in: 16..<(16 + Int(h)))) }
        catch { throw CheckpointError(path: path, problem: "has an unreadable header (\(error))") }
        let expected = header.tensors.reduce(0) { $0 + $1.count }
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
    public var description: String { "\(path) \(problem): delete it and the model will be retrained" }
}

/// Write `data` to `path` via a temporary file and a rename (atomic on POSIX file systems).
public func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    let tmp = url.deletingLastPathComponent()
        .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    try data.write(to: tmp)
    if rename(tmp.path, url.path) != 0 {
        try? FileManager.default.removeItem(at: tmp)
        throw CheckpointError(path: path, problem: "could not be written (rename failed, errno \(errno))")
    }
}

extension Optimizer {
    func restoreStep(_ step: Int) { t = step }
}
