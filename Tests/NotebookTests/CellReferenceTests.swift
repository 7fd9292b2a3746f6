// Every code cell a chapter shows exists: `r.moduleCode("name", in: "File.swift")` names a cell
// `// @cell name` ... `// @end` of Sources/VLAE/File.swift, and `r.code("name")` one of the
// chapter's own file. A removed or renamed marker fails here, not as a warning box on a page.

import Foundation
import Notebook
import Testing

@Suite struct CellReferenceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func chapterSources() throws -> [(path: String, text: String)] {
        let dir = root.appendingPathComponent("chapters")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().compactMap { name in
            let file = dir.appendingPathComponent(name).appendingPathComponent("main.swift")
            guard FileManager.default.fileExists(atPath: file.path) else { return nil }
            return (file.path, try String(contentsOf: file, encoding: .utf8))
        }
    }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern)
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            (1..<m.numberOfRanges).map { String(text[Range(m.range(at: $0), in: text)!]) }
        }
    }

    @Test func everyModuleCodeReferenceNamesACell() throws {
        var checked = 0
        for (path, text) in try Self.chapterSources() {
            for ref in Self.matches(#"moduleCode\("([^"]+)",\s*in:\s*"([^"]+)""#, in: text) {
                let file = Self.root.appendingPathComponent("Sources/VLAE").appendingPathComponent(ref[1])
                let source = try? String(contentsOf: file, encoding: .utf8)
                #expect(source != nil, "\(path): moduleCode names \(ref[1]), which does not exist")
                #expect(source.flatMap { CodeCell.extract(ref[0], from: $0) } != nil,
                        "\(path): moduleCode(\"\(ref[0])\", in: \"\(ref[1])\"): no // @cell \(ref[0]) ... // @end there")
                checked += 1
            }
        }
        #expect(checked >= 20)
    }

    @Test func everyChapterCodeCellExists() throws {
        for (path, text) in try Self.chapterSources() {
            for ref in Self.matches(#"[^A-Za-z]code\("([^"]+)""#, in: text) {
                #expect(CodeCell.extract(ref[0], from: text) != nil, "\(path): code(\"\(ref[0])\") has no // @cell \(ref[0]) in the file")
            }
        }
    }

    /// The paper's two pieces, the decoder conditioned on z and the ELBO, are on the pages.
    @Test func theDecoderAndTheELBOAreShown() throws {
        let all = try Self.chapterSources().map(\.text).joined(separator: "\n")
        #expect(all.contains(#"moduleCode("pixelcnn-decoder", in: "Models/Decoders.swift""#))
        #expect(all.contains(#"moduleCode("elbo", in: "Objectives/ELBO.swift""#))
    }

    /// Every equation quoted from a paper beside a cell renders: no TeX command left as raw text.
    @Test func everyPaperQuoteRendersItsMath() throws {
        var equations = 0
        for (path, text) in try Self.chapterSources() {
            for quote in Self.matches(#"paper:\s*"((?:[^"\\]|\\.)*)""#, in: text) {
                let tex = quote[0].replacingOccurrences(of: "\\\\", with: "\\")
                for piece in Self.matches(#"\$\$?([^$]+)\$\$?"#, in: tex) where !piece[0].contains("\\(") {
                    let m = TeX.mathML(piece[0])
                    #expect(!m.contains("<mtext>\\"), "\(path): \(piece[0]) renders a command as text: \(m)")
                    equations += 1
                }
            }
        }
        #expect(equations >= 10)
    }

    @Test func nestedCellsKeepTheirLinesAndDropTheirMarkers() {
        let source = """
        // @cell outer
        let a = 1
            // @cell inner
            let b = 2
            // @end
        let c = 3
        // @end
        """
        #expect(CodeCell.extract("outer", from: source) == "let a = 1\n    let b = 2\nlet c = 3")
        #expect(CodeCell.extract("inner", from: source) == "let b = 2")
        #expect(CodeCell.names(in: source) == ["outer", "inner"])
    }

    /// The student edition shows no exercise's solution: the region becomes one line naming it;
    /// the instructor edition shows the code without the markers.
    @Test func studentEditionHidesExerciseSolutions() {
        let source = """
        // @cell kl
        func kl() -> Float {
            // @exercise 2
            return 0.5 * secret
            // @exercise-end
        }
        // @end
        """
        #expect(CodeCell.extract("kl", from: source) == "func kl() -> Float {\n    return 0.5 * secret\n}")
        let student = CodeCell.extract("kl", from: source, hidingExercises: true)
        #expect(student == "func kl() -> Float {\n    // exercise 2: yours to write (swift run check 2)\n}")
        #expect(student?.contains("secret") == false)
    }
}
