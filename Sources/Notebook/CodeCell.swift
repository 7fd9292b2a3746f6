import Foundation

/// Pulls a chapter's own source lines out of its file, between markers:
///
///     // @cell train
///     let model = ...
///     // @end
public enum CodeCell {
    /// The lines of cell `name` in `source`, de-indented; nil if there is no such cell. Cells may
    /// nest: the markers of a cell inside it are left out and its lines kept. With
    /// `hidingExercises` (the student edition) an exercise's solution region (`// @exercise N` …
    /// `// @exercise-end`, Sources/Exercises) shows as one comment line instead of its code.
    public static func extract(_ name: String, from source: String, hidingExercises: Bool = false) -> String? {
        var lines: [Substring] = []
        var inside = false, nested = 0, inExercise = false
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            let isEnd = t == "// @end" || t.hasPrefix("// @end ")
            if inside {
                if t.hasPrefix("// @cell ") { nested += 1; continue }
                if isEnd { if nested == 0 { break }; nested -= 1; continue }
                if t == "// @exercise-end" { inExercise = false; continue }
                if t.hasPrefix("// @exercise ") {    // an exercise's markers are not shown
                    if hidingExercises {
                        inExercise = true
                        let number = t.dropFirst("// @exercise ".count)
                        lines.append(line.prefix { $0 == " " || $0 == "\t" } + "// exercise \(number): yours to write (swift run check \(number))")
                    }
                    continue
                }
                if inExercise { continue }
                lines.append(line)
            } else if t.hasPrefix("// @cell ") && t.dropFirst(9).trimmingCharacters(in: .whitespaces) == name {
                inside = true
            }
        }
        guard inside else { return nil }
        while lines.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeFirst() }
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        let indent = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix { $0 == " " || $0 == "\t" }.count }.min() ?? 0
        return lines.map { $0.count >= indent ? String($0.dropFirst(indent)) : "" }.joined(separator: "\n")
    }

    /// The names of every cell (`// @cell name`) in `source`, in order.
    public static func names(in source: String) -> [String] {
        source.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("// @cell ") }.map { String($0.dropFirst(9)).trimmingCharacters(in: .whitespaces) }
    }

    /// Cell `name` of the file at `path`, or an explanation of why it could not be read.
    public static func load(_ name: String, file path: String, hidingExercises: Bool = false) -> Result<String, NotebookError> {
        guard let source = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .failure(.io("source file \(path) could not be read"))
        }
        guard let code = extract(name, from: source, hidingExercises: hidingExercises) else {
            return .failure(.io("no cell \"\(name)\" (// @cell \(name) ... // @end) in \(path)"))
        }
        return .success(code)
    }

    static let keywords: Set<String> = [
        "let", "var", "func", "for", "in", "while", "if", "else", "guard", "return", "struct", "class",
        "enum", "case", "switch", "default", "import", "try", "throws", "throw", "do", "catch", "true",
        "false", "nil", "self", "init", "where", "break", "continue", "repeat", "defer", "inout",
        "public", "private", "static", "extension", "protocol", "some", "any", "async", "await",
    ]

    /// Escaped HTML with light Swift highlighting (comments, strings, numbers, keywords).
    public static func highlight(_ code: String) -> String {
        var out = ""
        let chars = Array(code)
        var i = 0
        func span(_ cls: String, _ s: String) -> String { "<span class=\"\(cls)\">" + HTML.escape(s) + "</span>" }
        while i < chars.count {
            let c = chars[i]
            if c == "/" && i + 1 < chars.count && chars[i + 1] == "/" {
                var j = i
                while j < chars.count && chars[j] != "\n" { j += 1 }
                out += span("c", String(chars[i..<j])); i = j; continue
            }
            if c == "\"" {
                var j = i + 1
                while j < chars.count && chars[j] != "\"" && chars[j] != "\n" { j += chars[j] == "\\" ? 2 : 1 }
                j = min(j + 1, chars.count)
                out += span("s", String(chars[i..<j])); i = j; continue
            }
            if c.isNumber && (i == 0 || !(chars[i - 1].isLetter || chars[i - 1] == "_")) {
                var j = i
                while j < chars.count && (chars[j].isNumber || chars[j] == "." || chars[j] == "_" || chars[j] == "e") { j += 1 }
                out += span("n", String(chars[i..<j])); i = j; continue
            }
            if c.isLetter || c == "_" || c == "@" || c == "#" {
                var j = i + 1
                while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { j += 1 }
                let w = String(chars[i..<j])
                if keywords.contains(w) { out += span("k", w) }
                else if w.first!.isUppercase { out += span("t", w) }
                else { out += HTML.escape(w) }
                i = j; continue
            }
            out += HTML.escape(String(c)); i += 1
        }
        return out
    }
}
