// The student copy: the repository's git-tracked files with every `// @exercise N` ... `// @exercise-end`
// region of Sources/VLAE replaced by `fatalError("exercise N: <task>")`, the instructor-only files left
// out (the tests that plant the mistakes), and a scan that no line of a solution is left anywhere in it.

import Foundation

public struct ExerciseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// One solution region of a file.
public struct Region: Sendable {
    public var file: String
    public var number: Int
    /// 1-based line numbers of the two markers.
    public var startLine: Int, endLine: Int
    /// The solution's lines (between the markers).
    public var lines: [String]
}

public enum StudentCopy {
    public static let open = "// @exercise "
    public static let close = "// @exercise-end"
    /// Files and folders (repository paths) the student copy leaves out: they hold the planted mistakes.
    public static let instructorOnly = ["Tests/ExercisesTests/"]
    /// A line of Package.swift (or any file) ending with this marker is left out of the copy.
    public static let instructorOnlyLine = "// @instructor-only"

    /// The regions of `source`; unbalanced markers or an unknown exercise number are errors.
    public static func regions(in source: String, file: String) throws -> [Region] {
        var out: [Region] = []
        var current: Region? = nil
        for (i, line) in source.components(separatedBy: "\n").enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix(open) {
                guard current == nil else { throw ExerciseError("\(file):\(i + 1): an exercise region opens inside another") }
                guard let n = Int(t.dropFirst(open.count).trimmingCharacters(in: .whitespaces)), Catalog.exercise(n) != nil else {
                    throw ExerciseError("\(file):\(i + 1): \"\(t)\" names no exercise of the catalogue")
                }
                current = Region(file: file, number: n, startLine: i + 1, endLine: 0, lines: [])
            } else if t == close {
                guard var r = current else { throw ExerciseError("\(file):\(i + 1): \(close) without an opening marker") }
                r.endLine = i + 1
                out.append(r)
                current = nil
            } else if current != nil {
                current!.lines.append(line)
            }
        }
        if let r = current { throw ExerciseError("\(file):\(r.startLine): exercise \(r.number)'s region is not closed") }
        return out
    }

    /// `source` with every region replaced by its stub (indented as the opening marker).
    public static func stubbed(_ source: String, file: String) throws -> String {
        let regions = try regions(in: source, file: file)
        var lines = source.components(separatedBy: "\n")
        for r in regions.reversed() {
            let indent = String(lines[r.startLine - 1].prefix { $0 == " " })
            let message = Catalog.exercise(r.number)!.stubMessage.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            lines.replaceSubrange((r.startLine - 1)..<r.endLine, with: [indent + "fatalError(\"\(message)\")"])
        }
        return lines.joined(separator: "\n")
    }

    /// Every region of the module's sources under `root` (a repository), by file.
    public static func allRegions(repo root: String) throws -> [Region] {
        let base = root + "/Sources/VLAE"
        guard let walker = FileManager.default.enumerator(atPath: base) else { throw ExerciseError("no folder \(base)") }
        var out: [Region] = []
        for case let rel as String in walker where rel.hasSuffix(".swift") {
            out += try regions(in: try String(contentsOfFile: base + "/" + rel, encoding: .utf8), file: rel)
        }
        return out.sorted { ($0.number, $0.file, $0.startLine) < ($1.number, $1.file, $1.startLine) }
    }

    /// The repository's tracked files (git ls-files).
    public static func trackedFiles(repo: String) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", repo, "ls-files", "-z"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw ExerciseError("could not run git in \(repo): \(error); install git") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ExerciseError("\(repo) is not a git checkout (git ls-files failed): run this from the repository") }
        return String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
    }

    public struct Summary {
        public var files: Int
        public var stubs: [Region]
        public var leftOut: [String]
    }

    /// Write the student copy of `repo` into `dir` (which must not exist, or be empty).
    public static func write(repo: String, to dir: String) throws -> Summary {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue, (try? fm.contentsOfDirectory(atPath: dir))?.isEmpty == true else {
                throw ExerciseError("\(dir) exists and is not an empty folder: choose a new folder (nothing was written)")
            }
        }
        let files = try trackedFiles(repo: repo)
        var stubs: [Region] = [], leftOut: [String] = [], written = 0
        for rel in files {
            if instructorOnly.contains(where: { rel.hasPrefix($0) }) { leftOut.append(rel); continue }
            let src = repo + "/" + rel
            guard let data = fm.contents(atPath: src) else { continue }    // a tracked file deleted in the work tree
            var out = data
            if rel.hasPrefix("Sources/VLAE/") && rel.hasSuffix(".swift"), let text = String(data: data, encoding: .utf8) {
                let moduleRel = String(rel.dropFirst("Sources/VLAE/".count))
                stubs += try regions(in: text, file: moduleRel)
                out = Data(try stubbed(text, file: moduleRel).utf8)
            } else if let text = String(data: data, encoding: .utf8), text.contains(instructorOnlyLine) {
                out = Data(text.components(separatedBy: "\n").filter { !$0.hasSuffix(instructorOnlyLine) }.joined(separator: "\n").utf8)
            }
            let dst = dir + "/" + rel
            try fm.createDirectory(atPath: (dst as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard fm.createFile(atPath: dst, contents: out) else { throw ExerciseError("could not write \(dst): check the disk and its permissions") }
            if let attrs = try? fm.attributesOfItem(atPath: src), let mode = attrs[.posixPermissions] {
                try? fm.setAttributes([.posixPermissions: mode], ofItemAtPath: dst)
            }
            written += 1
        }
        return Summary(files: written, stubs: stubs, leftOut: leftOut)
    }

    /// Solution lines that could give a solution away: code (not a comment) of at least 20
    /// characters once the spaces are taken out, that computes something (an arithmetic or
    /// comparison operator). Plain set-up lines, `let t = Tape(recording: false)`, are everywhere.
    public static func telling(_ r: Region) -> [String] {
        r.lines.map { $0.filter { !$0.isWhitespace } }.filter { line in
            line.count >= 20 && !line.hasPrefix("//") && line.replacingOccurrences(of: "->", with: "").contains { "+-*/<>%&|^".contains($0) }
        }
    }

    /// Every place in `dir`'s text files where a telling solution line of `regions` occurs
    /// (spaces ignored, in code or in a comment): "file: exercise N: line".
    public static func leaks(of regions: [Region], in dir: String) -> [String] {
        let needles = regions.flatMap { r in telling(r).map { (r.number, $0) } }
        var found: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        for case let rel as String in walker {
            if rel.hasPrefix(".build") || rel.hasPrefix("output/") || rel.hasPrefix(".git/") { continue }
            guard let text = try? String(contentsOfFile: dir + "/" + rel, encoding: .utf8) else { continue }
            // a solution line commented out is still a leak: leading slashes are dropped too
            let squeezed = Set(text.components(separatedBy: "\n").map { String($0.filter { !$0.isWhitespace }.drop { $0 == "/" }) })
            for (n, line) in needles where squeezed.contains(line) { found.append("\(rel): exercise \(n): \(line)") }
        }
        return found
    }

    /// The exercises whose stub is still in the module's sources under `repo` (any of its regions).
    public static func remainingStubs(repo: String) -> Set<Int> {
        let base = repo + "/Sources/VLAE"
        var out = Set<Int>()
        guard let walker = FileManager.default.enumerator(atPath: base) else { return out }
        for case let rel as String in walker where rel.hasSuffix(".swift") {
            guard let text = try? String(contentsOfFile: base + "/" + rel, encoding: .utf8) else { continue }
            for line in text.components(separatedBy: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                guard t.hasPrefix("fatalError(\"exercise ") else { continue }
                let rest = t.dropFirst("fatalError(\"exercise ".count)
                if let n = Int(rest.prefix { $0.isNumber }) { out.insert(n) }
            }
        }
        return out
    }

    /// Put the solutions of `repo` back into a student copy `dir`: the module files that hold regions.
    public static func restore(repo: String, into dir: String) throws -> [String] {
        let files = Set(try allRegions(repo: repo).map(\.file)).sorted()
        for f in files {
            let dst = dir + "/Sources/VLAE/" + f
            guard FileManager.default.fileExists(atPath: dst) else { throw ExerciseError("\(dir) has no Sources/VLAE/\(f): is it a student copy?") }
            try Data(contentsOf: URL(fileURLWithPath: repo + "/Sources/VLAE/" + f)).write(to: URL(fileURLWithPath: dst), options: .atomic)
        }
        return files
    }
}
