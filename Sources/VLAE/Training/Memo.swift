// Memos: slow evaluations (importance-weighted bounds, classifier scores) computed once and kept
// beside the model cache, versioned like the checkpoints.

import Foundation

/// A memo file: the value and the version of the code that computed it.
public struct Memo<T: Codable>: Codable {
    public var format: Int
    public var value: T
}

/// Compute a value once and keep it in `folder` as JSON, keyed by `name` and `key`; what
/// `ChapterSession.memo` does. A memo computed by another `CodeVersion` is recomputed, with a
/// one-line notice; `retrain` recomputes always.
public func memoize<T: Codable>(_ name: String, key: [String], in folder: String, retrain: Bool,
                         _ compute: () throws -> T) throws -> T {
    let file = "\(folder)/\(name)-\(String(sha256Hex(key.joined(separator: "|")).prefix(12))).json"
    if !retrain, let data = FileManager.default.contents(atPath: file) {
        if let memo = try? JSONDecoder().decode(Memo<T>.self, from: data), memo.format == CodeVersion.current {
            return memo.value
        }
        let why: String
        switch (try? JSONDecoder().decode(MemoFormat.self, from: data))?.format {
        case let f? where f == CodeVersion.current: why = "cannot be read"
        case let f?: why = "was computed by format \(f) of this program (this is format \(CodeVersion.current))"
        case nil: why = "was computed by an older format of this program (this is format \(CodeVersion.current))"
        }
        FileHandle.standardError.write(Data("notice: \(file) \(why); recomputing\n".utf8))
    }
    let value = try compute()
    try writeAtomically(JSONEncoder().encode(Memo(format: CodeVersion.current, value: value)), to: file)
    return value
}

private struct MemoFormat: Codable { var format: Int }
