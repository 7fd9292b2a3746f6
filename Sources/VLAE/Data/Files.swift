// Reading and writing whole files, with errors a reader can act on.

import Foundation

/// Read a whole file. A missing file becomes `DataError.missingFile` carrying `fix`.
func readWholeFile(_ path: String, fix: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw DataError(.missingFile, file: path, problem: "not found", fix: fix)
    }
    if isDirectory.boolValue {
        throw DataError(.unreadable, file: path, problem: "is a directory, expected a file", fix: fix)
    }
    do {
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
    } catch {
        throw DataError(.unreadable, file: path, problem: "cannot be read (\(error.localizedDescription))", fix: fix)
    }
}

/// Read a file that may or may not be gzipped (decided by its magic bytes).
func readMaybeGzipped(_ path: String, fix: String) throws -> (bytes: [UInt8], raw: [UInt8]) {
    let raw = try readWholeFile(path, fix: fix)
    return (isGzip(raw) ? try gunzip(raw, file: path, fix: fix) : raw, raw)
}

/// `path` joined onto `dir`, written the way the user would type it.
func joinPath(_ dir: String, _ name: String) -> String {
    if dir.isEmpty || dir == "." { return name }
    return dir.hasSuffix("/") ? dir + name : dir + "/" + name
}
