// A chapter's prose as a Markdown file beside its main.swift (`prose.md`), so that an instructor
// changes a sentence without touching Swift. The file is in named sections,
//
//     <!-- section: intro -->
//     The paper's claim {{{cite}}} is ...
//
// each a Mustache template (hummingbird-project/swift-mustache) filled from the chapter's typed
// values: a struct whose stored properties are the names the templates use, `{{{name}}}` (three
// braces: the values are Markdown and math, not HTML to escape). A sentence that depends on a
// number is a tested function in ChapterKit whose result is one such value.
// Tests/ChapterKitTests/ProseTemplateTests.swift renders every converted chapter's file against a
// recorded set of values and fails on a name left unfilled or a value never used.

import Foundation
import Mustache

public struct ProseTemplate {
    /// Section names in file order, and each section's template text.
    public let order: [String]
    public let sections: [String: String]

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(markdown: String) throws {
        var order: [String] = [], sections: [String: String] = [:]
        var current: String?, lines: [Substring] = []
        func close() {
            if let current { sections[current] = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }
            lines = []
        }
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("<!-- section:") && t.hasSuffix("-->") {
                close()
                let name = t.dropFirst("<!-- section:".count).dropLast(3).trimmingCharacters(in: .whitespaces)
                guard sections[name] == nil, !order.contains(name) else { throw Failure(description: "section \(name) appears twice") }
                order.append(name)
                current = name
            } else if current != nil {
                lines.append(line)
            }
        }
        close()
        for (name, text) in sections { _ = try Self.parse(text, section: name) }
        self.order = order
        self.sections = sections
    }

    /// `prose.md` beside the chapter's main.swift (pass `#filePath`).
    public static func beside(_ filePath: String = #filePath, file: String = "prose.md") throws -> ProseTemplate {
        let path = (filePath as NSString).deletingLastPathComponent + "/" + file
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Failure(description: "the chapter's prose \(path) could not be read (run from the repository)")
        }
        return try ProseTemplate(markdown: text)
    }

    /// Section `name` filled from `values` (a struct whose stored properties are the template's names).
    public func render(_ name: String, _ values: Any) throws -> String {
        guard let text = sections[name] else { throw Failure(description: "no section \(name) in the chapter's prose") }
        return try Self.parse(text, section: name).render(values)
    }

    /// The names every section uses (`{{name}}`, `{{{name}}}`, `{{#name}}` ...), by section.
    public var names: [String: Set<String>] { sections.mapValues(Self.names(in:)) }

    /// The names a template uses.
    public static func names(in template: String) -> Set<String> {
        let re = try! NSRegularExpression(pattern: #"\{\{\{?\s*[#^/&]?\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}?\}\}"#)
        return Set(re.matches(in: template, range: NSRange(template.startIndex..., in: template)).map {
            String(template[Range($0.range(at: 1), in: template)!])
        })
    }

    /// The stored property names of a values struct.
    public static func fields(of values: Any) -> Set<String> {
        Set(Mirror(reflecting: values).children.compactMap(\.label))
    }

    /// What is wrong between a template file and a values struct: names no value fills, values no
    /// name uses (empty when they match).
    public func mismatches(with values: Any) -> [String] {
        let used = names.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        let given = Self.fields(of: values)
        return used.subtracting(given).sorted().map { "name {{\($0)}} has no value" }
            + given.subtracting(used).sorted().map { "value \($0) is used by no section" }
    }

    static func parse(_ text: String, section: String) throws -> MustacheTemplate {
        do { return try MustacheTemplate(string: text) } catch {
            throw Failure(description: "section \(section) of the chapter's prose is not a valid template: \(error)")
        }
    }
}

extension ChapterSession {
    /// Writes the values a chapter filled its prose from to prose-values.json beside its page: what
    /// the template test's recorded values are copied from (Tests/ChapterKitTests/Recorded/).
    public func recordProseValues<T: Encodable>(_ values: T) throws {
        try FileManager.default.createDirectory(atPath: report.directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(values).write(to: URL(fileURLWithPath: report.directory + "/prose-values.json"))
    }
}
