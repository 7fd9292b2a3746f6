// A measured search kept with the book: chapter 5's table of VLAE configurations takes hours to
// train, so a run that measured every row (`swift run chapter5 --search`) writes its numbers to
// output/chapter5/search-record.json, and the copy committed in records/ lets a run that has not
// trained those models still show them, marked as recorded (never as this run's). A recorded row
// is shown only for the identical recipe on the identical data (its model-cache key), the same k
// and scored digits, and the same classifier.

import Foundation
import VLAE

public struct SearchRecord: Codable, Sendable {
    public struct Row: Codable, Sendable {
        /// The configuration's label when it was recorded (e.g. "L2 D16 λ1.00 24ep AF").
        public var label: String
        /// Model-cache key of the recipe: a row is used only for the very same recipe and data.
        public var key: String
        public var bitsInZ: Double
        public var agreementSampled: Double
        public var agreementMean: Double
        public var probeAccuracy: Double
        public var nllNats: Double
        public var trainSeconds: Double

        public init(label: String, key: String, bitsInZ: Double, agreementSampled: Double, agreementMean: Double,
                    probeAccuracy: Double, nllNats: Double, trainSeconds: Double) {
            self.label = label; self.key = key; self.bitsInZ = bitsInZ; self.agreementSampled = agreementSampled
            self.agreementMean = agreementMean; self.probeAccuracy = probeAccuracy; self.nllNats = nllNats
            self.trainSeconds = trainSeconds
        }
    }

    /// When and from which commit the record was measured (as the writing run saw them).
    public var date: String
    public var commit: String
    /// The run's settings that every row depends on.
    public var dataset: String
    /// The data's fingerprint (part of every model-cache key).
    public var fingerprint: String
    public var iwaeK: Int
    public var scored: Int
    public var classifierAccuracy: Double
    public var rows: [Row]

    public init(date: String, commit: String, dataset: String, fingerprint: String, iwaeK: Int, scored: Int,
                classifierAccuracy: Double, rows: [Row]) {
        self.date = date; self.commit = commit; self.dataset = dataset; self.fingerprint = fingerprint; self.iwaeK = iwaeK; self.scored = scored
        self.classifierAccuracy = classifierAccuracy; self.rows = rows
    }

    /// The committed record: records/chapter5-search.json at the package's root.
    public static var committedPath: String { recordsPath("chapter5-search.json") }

    /// A path under the package's records/ folder (where measured results are committed).
    public static func recordsPath(_ relative: String) -> String {
        ((ModuleSource.root as NSString).appendingPathComponent("../../records/" + relative) as NSString).standardizingPath
    }

    /// The committed record, if there is one and it reads; nil otherwise (the chapter then shows only what it measured).
    public static func committed() -> SearchRecord? {
        guard let data = FileManager.default.contents(atPath: committedPath) else { return nil }
        return try? JSONDecoder().decode(SearchRecord.self, from: data)
    }

    /// The recorded row for a recipe's cache key, if the record was measured the way this run measures.
    public func row(key: String, dataset: String, fingerprint: String, iwaeK: Int, scored: Int, classifierAccuracy: Double) -> Row? {
        guard dataset == self.dataset, fingerprint == self.fingerprint, iwaeK == self.iwaeK, scored == self.scored,
              abs(classifierAccuracy - self.classifierAccuracy) < 1e-9 else { return nil }
        return rows.first { $0.key == key }
    }

    public func write(to path: String) throws { try SearchRecord.writeJSON(self, to: path) }

    /// Write a record as sorted, indented JSON, atomically (a reader never sees half a file).
    public static func writeJSON<T: Encodable>(_ value: T, to path: String, snakeCase: Bool = false) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if snakeCase { enc.keyEncodingStrategy = .convertToSnakeCase }
        try enc.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The commit the package is at (`git rev-parse --short HEAD`), with "+changes" when tracked
    /// files differ from it (the record then comes from code no commit holds), or "unknown".
    public static func currentCommit() -> String {
        guard let head = git(["rev-parse", "--short", "HEAD"]), !head.isEmpty else { return "unknown" }
        let changes = git(["status", "--porcelain", "--untracked-files=no"]) ?? ""
        return changes.isEmpty ? head : head + "+changes"
    }

    /// The trimmed output of a git command in the package's folder; nil if it fails.
    private static func git(_ arguments: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", (ModuleSource.root as NSString).deletingLastPathComponent] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return p.terminationStatus == 0 ? out.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }
}
