import Foundation

/// A small Markdown-to-HTML converter with TeX math.
///
/// Blocks: `#` headings, paragraphs, `-`/`*`/`1.` lists, `>` quotes, fenced code, `---` rules.
/// Inline: `code`, **bold**, *italic* / _italic_, [links](url), `$math$` and `$$display math$$`
/// (rendered as MathML; `\$` is a literal dollar). Raw HTML is escaped, not passed through.
public enum Markdown {
    /// A heading found while converting (for the table of contents).
    public struct Heading: Equatable {
        public var level: Int
        public var text: String
        public var id: String
    }

    /// HTML for `source`, and the headings it contains.
    /// Heading levels are shifted by `headingOffset` and raised to at least `minLevel`
    /// (a report uses minLevel 2: "#" and "##" both become <h2>, its h1 is the chapter title).
    public static func html(_ source: String, headingOffset: Int = 0, minLevel: Int = 1) -> (html: String, headings: [Heading]) {
        let (text, math) = protectMath(source)
        var out = "", headings: [Heading] = []
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])?
        var quote: [String] = []
        var fence: [String]?

        func flushParagraph() {
            if !paragraph.isEmpty {
                let joined = paragraph.joined(separator: "\n")
                // A paragraph that is only display math is not wrapped in <p>.
                let trimmed = joined.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("\u{E000}D") && trimmed.hasSuffix("\u{E001}") && !trimmed.dropFirst().contains("\u{E000}") {
                    out += inline(trimmed) + "\n"
                } else {
                    out += "<p>" + inline(joined) + "</p>\n"
                }
                paragraph = []
            }
        }
        func flushList() {
            if let l = list {
                let tag = l.ordered ? "ol" : "ul"
                out += "<\(tag)>" + l.items.map { "<li>" + inline($0) + "</li>" }.joined() + "</\(tag)>\n"
                list = nil
            }
        }
        func flushQuote() {
            if !quote.isEmpty {
                out += "<blockquote>" + html(quote.joined(separator: "\n")).html + "</blockquote>\n"
                quote = []
            }
        }
        func flushAll() { flushParagraph(); flushList(); flushQuote() }

        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if var f = fence {
                if line.hasPrefix("```") {
                    out += "<pre><code>" + HTML.escape(restoreRaw(f.joined(separator: "\n"), math)) + "</code></pre>\n"
                    fence = nil
                } else { f.append(rawLine); fence = f }
                continue
            }
            if line.hasPrefix("```") { flushAll(); fence = []; continue }
            if line.isEmpty { flushAll(); continue }
            if line.hasPrefix(">") {
                flushParagraph(); flushList()
                quote.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces))
                continue
            }
            flushQuote()
            if line.hasPrefix("#") {
                let level = line.prefix { $0 == "#" }.count
                let rest = line.dropFirst(level)
                if level <= 6 && (rest.isEmpty || rest.first == " ") {
                    flushAll()
                    let title = rest.trimmingCharacters(in: .whitespaces)
                    let h = min(6, max(minLevel, level + headingOffset))
                    let plain = restoreRaw(title, math)
                    let id = HTML.slug(plain)
                    headings.append(Heading(level: h, text: plain, id: id))
                    out += "<h\(h) id=\"\(id)\">" + inline(title) + "</h\(h)>\n"
                    continue
                }
            }
            if line == "---" || line == "***" { flushAll(); out += "<hr>\n"; continue }
            if let item = listItem(line) {
                flushParagraph()
                if list == nil || list!.ordered != item.ordered { flushList(); list = (item.ordered, []) }
                list!.items.append(item.text)
                continue
            }
            if list != nil && rawLine.hasPrefix("  ") {
                list!.items[list!.items.count - 1] += " " + line
                continue
            }
            flushList()
            paragraph.append(line)
        }
        if let f = fence { out += "<pre><code>" + HTML.escape(restoreRaw(f.joined(separator: "\n"), math)) + "</code></pre>\n" }
        flushAll()
        return (restoreMath(out, math), headings)
    }

    /// Inline markup only (no paragraphs), with math: for captions, table cells, quiz text.
    public static func inlineHTML(_ source: String) -> String {
        let (text, math) = protectMath(source)
        return restoreMath(inline(text), math)
    }

    static func listItem(_ line: String) -> (ordered: Bool, text: String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("+ ") {
            return (false, String(line.dropFirst(2)))
        }
        let digits = line.prefix { $0.isNumber }
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") {
            return (true, String(line.dropFirst(digits.count + 2)))
        }
        return nil
    }

    /// Replaces `$$...$$` and `$...$` by placeholders (private-use characters the
    /// inline parser ignores); returns the text and the TeX sources.
    static func protectMath(_ s: String) -> (String, [(tex: String, display: Bool)]) {
        var out = "", math: [(tex: String, display: Bool)] = []
        let chars = Array(s)
        var i = 0
        var inCode = false, lineStart = true, inFence = false
        while i < chars.count {
            let c = chars[i]
            // Leave fenced code and `code spans` alone.
            if lineStart && String(chars[i..<min(i + 3, chars.count)]) == "```" { inFence.toggle() }
            lineStart = c == "\n"
            if inFence { out.append(c); i += 1; continue }
            if c == "`" { inCode.toggle(); out.append(c); i += 1; continue }
            if inCode { out.append(c); i += 1; continue }
            if c == "\\" && i + 1 < chars.count && chars[i + 1] == "$" { out.append("\u{E002}"); i += 2; continue }
            if c == "$" {
                let display = i + 1 < chars.count && chars[i + 1] == "$"
                let start = i + (display ? 2 : 1)
                var j = start
                var found = -1
                while j < chars.count {
                    if chars[j] == "\\" { j += 2; continue }
                    if chars[j] == "$" {
                        if !display { found = j; break }
                        if j + 1 < chars.count && chars[j + 1] == "$" { found = j; break }
                    }
                    j += 1
                }
                if found > start {
                    math.append((String(chars[start..<found]), display))
                    out += "\u{E000}" + (display ? "D" : "I") + String(math.count - 1) + "\u{E001}"
                    i = found + (display ? 2 : 1)
                    continue
                }
            }
            out.append(c); i += 1
        }
        return (out, math)
    }

    static func restoreMath(_ s: String, _ math: [(tex: String, display: Bool)]) -> String {
        var out = s
        for (k, m) in math.enumerated().reversed() {
            out = out.replacingOccurrences(of: "\u{E000}" + (m.display ? "D" : "I") + String(k) + "\u{E001}",
                                           with: TeX.mathML(m.tex, display: m.display))
        }
        return out.replacingOccurrences(of: "\u{E002}", with: "$")
    }

    /// Puts the original TeX back (inside code blocks and heading ids).
    static func restoreRaw(_ s: String, _ math: [(tex: String, display: Bool)]) -> String {
        var out = s
        for (k, m) in math.enumerated().reversed() {
            let delim = m.display ? "$$" : "$"
            out = out.replacingOccurrences(of: "\u{E000}" + (m.display ? "D" : "I") + String(k) + "\u{E001}",
                                           with: delim + m.tex + delim)
        }
        return out.replacingOccurrences(of: "\u{E002}", with: "\\$")
    }

    /// Inline markup of one block of text (escaped first).
    static func inline(_ s: String) -> String {
        var out = ""
        let chars = Array(s)
        var i = 0
        var bold = false, italic: Character? = nil
        while i < chars.count {
            let c = chars[i]
            if c == "`", let end = chars[(i + 1)...].firstIndex(of: "`") {
                out += "<code>" + HTML.escape(String(chars[(i + 1)..<end])) + "</code>"
                i = end + 1; continue
            }
            if c == "\\" && i + 1 < chars.count && "\\`*_[]()#+-.!".contains(chars[i + 1]) {
                out += HTML.escape(String(chars[i + 1])); i += 2; continue
            }
            if c == "*" && i + 1 < chars.count && chars[i + 1] == "*" {
                out += bold ? "</strong>" : "<strong>"; bold.toggle(); i += 2; continue
            }
            if c == "*" || c == "_" {
                let prev: Character = i > 0 ? chars[i - 1] : " "
                let next: Character = i + 1 < chars.count ? chars[i + 1] : " "
                if italic == c && !prev.isWhitespace { out += "</em>"; italic = nil; i += 1; continue }
                if italic == nil && !next.isWhitespace && !(c == "_" && (prev.isLetter || prev.isNumber))
                    && chars[(i + 1)...].contains(c) {
                    out += "<em>"; italic = c; i += 1; continue
                }
            }
            if c == "[", let close = chars[i...].firstIndex(of: "]"), close + 1 < chars.count, chars[close + 1] == "(",
               let paren = chars[(close + 1)...].firstIndex(of: ")") {
                let label = String(chars[(i + 1)..<close]), url = String(chars[(close + 2)..<paren])
                out += "<a href=\"\(HTML.escape(url))\">" + inline(label) + "</a>"
                i = paren + 1; continue
            }
            if c == "\n" { out += "\n"; i += 1; continue }
            out += HTML.escape(String(c)); i += 1
        }
        if italic != nil { out += "</em>" }
        if bold { out += "</strong>" }
        return out
    }
}
