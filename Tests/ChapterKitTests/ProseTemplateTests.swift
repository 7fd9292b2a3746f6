// The chapters' prose files (ProseTemplate.swift): every converted chapter's prose.md renders
// against values a real run recorded (Recorded/chapterN-prose-values.json, copied from that run's
// output/chapterN/prose-values.json), with no name left unfilled and no value unused.

import ChapterKit
import Foundation
import Testing

@Suite struct ProseTemplateTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func recorded<T: Decodable>(_ type: T.Type, chapter: Int) throws -> T {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Recorded/chapter\(chapter)-prose-values.json")
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    @Test func chapter4RendersAgainstARecordedRun() throws {
        try Self.check(chapter: 4, try Self.recorded(InformationPreference.Prose.self, chapter: 4))
    }

    @Test func chapter5RendersAgainstARecordedRun() throws {
        try Self.check(chapter: 5, try Self.recorded(LossyCode.Prose.self, chapter: 5))
    }

    /// The chapter's prose.md against recorded values: no name unfilled, no value unused, every
    /// section renders with no tag left, every recorded value on the page.
    static func check(chapter: Int, _ values: Any) throws {
        let prose = try ProseTemplate.beside(Self.root.appendingPathComponent("chapters/chapter\(chapter)/main.swift").path)
        #expect(prose.mismatches(with: values) == [], "chapter \(chapter)")
        #expect(prose.order.first == "intro")
        for name in prose.order {
            let text = try prose.render(name, values)
            #expect(!text.isEmpty, "section \(name) renders empty")
            #expect(ProseTemplate.names(in: text).isEmpty, "section \(name) leaves a tag: \(text)")
        }
        // every value the run recorded is on the page
        let all = try prose.order.map { try prose.render($0, values) }.joined(separator: "\n")
        for (label, value) in Mirror(reflecting: values).children.compactMap({ c in c.label.map { ($0, c.value as! String) } }) where !value.isEmpty {
            #expect(all.contains(value), "value \(label) is not on the page: \(value)")
        }
    }

    @Test func mismatchesAreNamedBothWays() throws {
        struct Values { var a = "1", unused = "2" }
        let p = try ProseTemplate(markdown: "<!-- section: one -->\n{{{a}}} and {{{missing}}}\n<!-- section: two -->\n{{#a}}x{{/a}}")
        #expect(p.order == ["one", "two"])
        #expect(p.mismatches(with: Values()) == ["name {{missing}} has no value", "value unused is used by no section"])
        #expect(try p.render("one", Values()) == "1 and ")
        #expect(throws: ProseTemplate.Failure.self) { try p.render("three", Values()) }
        #expect(throws: ProseTemplate.Failure.self) { try ProseTemplate(markdown: "<!-- section: x -->\n{{#open}}") }
        #expect(throws: ProseTemplate.Failure.self) { try ProseTemplate(markdown: "<!-- section: x -->\n<!-- section: x -->") }
    }
}
