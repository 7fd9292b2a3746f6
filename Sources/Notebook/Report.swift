import Foundation

/// A chapter's report: cells collected in order, written as `output/chapterN/index.html`
/// (self-contained: inline CSS and script, images beside it), plus `metrics.json` and
/// `report.json` (what the book index shows).
///
///     let report = Report(chapter: 2, title: "The factorized decoder", dataset: "mnist_5k", seed: 1)
///     report.section("Training")
///     report.prose("We maximise $\\mathcal{L} = \\mathbb{E}_q[\\log p(x \\mid z)] - D_{\\mathrm{KL}}$.")
///     report.code("train")                              // lines between // @cell train ... // @end
///     try report.figure(LineChart(...), name: "elbo", caption: "Test ELBO per epoch.")
///     report.metrics.record("factorized", ["test_elbo_nats": 93.2])
///     try report.write()
///     try BookIndex.write(outputRoot: report.outputRoot, chapters: book)
public final class Report {
    public let chapter: Int
    public let title: String
    public let subtitle: String
    public let outputRoot: String
    /// What goes into metrics.json.
    public var metrics: Metrics
    /// The command shown in the footer (default: the executable's name and arguments).
    public var command: String
    /// The last chapter number, to hide the "next" link on it; nil: always shown.
    public var lastChapter: Int?
    /// The chapters the previous/next links point to (default: chapter - 1 and chapter + 1);
    /// a book whose chapters are not numbered consecutively sets them.
    public var previousChapter: Int?
    public var nextChapter: Int?
    /// The book's title, shown in the top bar.
    public var bookTitle = "Variational Lossy Autoencoder"
    /// Keys of the works cited so far, in order of first citation (see References.swift).
    var citedKeys: [String] = []
    /// Whether `references()` placed the list (else it goes at the end of the page).
    var referencesPlaced = false
    /// Instructor (answers in the page, and `quizzes.json` beside it) or student (no answer in the page).
    public var edition: Edition = .instructor
    /// The student page's salt for the quiz hashes (drawn anew for each report).
    public var quizSalt = Quiz.randomHex()
    /// This run's id: the stored quiz answers are keyed by it (and by the chapter and edition).
    public var runId = Quiz.randomHex()
    /// The quizzes asked so far.
    public private(set) var quizzes: [QuizRecord] = []

    let started = Date()
    var fragments: [String] = []
    var headings: [Markdown.Heading] = []
    var keyNumbers: [KeyNumber] = []
    var figureCount = 0
    var tableCount = 0
    var quizCount = 0
    var sliderCount = 0
    var usedIds: Set<String> = []

    public init(chapter: Int, title: String, subtitle: String = "", outputRoot: String = "output",
                dataset: String = "", seed: UInt64 = 0) {
        self.chapter = chapter; self.title = title; self.subtitle = subtitle; self.outputRoot = outputRoot
        metrics = Metrics(chapter: chapter, dataset: dataset, seed: seed)
        let args = CommandLine.arguments
        let exe = (args.first.map { ($0 as NSString).lastPathComponent }) ?? "chapter\(chapter)"
        command = (["swift run", exe] + args.dropFirst()).joined(separator: " ")
    }

    /// A page that is not a chapter (e.g. `swift run evaluate`'s): its folder, the label above its
    /// title, and its way back to the book index; no previous/next chapter links.
    public struct Standalone {
        public var directory: String
        public var kicker: String
        /// The book index relative to `directory`, e.g. "../../index.html".
        public var indexLink: String
        public init(directory: String, kicker: String, indexLink: String) {
            self.directory = directory; self.kicker = kicker; self.indexLink = indexLink
        }
    }
    public var standalone: Standalone?

    /// The folder the report and its images are written to: `outputRoot/chapterN` (or the standalone page's).
    public var directory: String { standalone?.directory ?? outputRoot + "/chapter\(chapter)" }

    func uniqueId(_ base: String) -> String {
        var id = base, k = 2
        while usedIds.contains(id) { id = "\(base)-\(k)"; k += 1 }
        usedIds.insert(id)
        return id
    }

    /// A section heading (level 2, or 3 for a subsection); listed in the table of contents.
    public func section(_ title: String, level: Int = 2) {
        let l = min(max(level, 2), 4)
        let id = uniqueId(HTML.slug(title))
        headings.append(Markdown.Heading(level: l, text: title, id: id))
        fragments.append("<h\(l) id=\"\(id)\">\(Markdown.inlineHTML(title))<a class=\"anchor\" href=\"#\(id)\">#</a></h\(l)>")
    }

    /// Markdown prose with `$inline$` and `$$display$$` TeX math. `#`/`##` headings become
    /// sections (level 2), `###` subsections; both appear in the table of contents.
    public func prose(_ markdown: String) {
        let converted = Markdown.html(markdown, minLevel: 2)
        var html = converted.html
        for h in converted.headings {
            let id = uniqueId(h.id)
            if id != h.id { html = html.replacingOccurrences(of: "id=\"\(h.id)\"", with: "id=\"\(id)\"") }
            headings.append(Markdown.Heading(level: h.level, text: h.text, id: id))
        }
        fragments.append(html)
    }

    /// The chapter's own source lines between `// @cell name` and `// @end` in `file`
    /// (pass nothing: the calling file). A note replaces the code if it cannot be read.
    /// With `paper` (Markdown with math: a sentence or equation of the paper the code implements)
    /// the quote sits beside the code on wide screens and above it on narrow ones; `source` says
    /// where it is from (e.g. "Chen et al. 2017, §2", or `cite(...)` + ", eq. 1").
    public func code(_ name: String, file: String = #filePath, caption: String? = nil,
                     paper: String? = nil, source: String? = nil) {
        let label = caption.map(Markdown.inlineHTML) ?? "<code>\(HTML.escape((file as NSString).lastPathComponent))</code> · \(HTML.escape(name))"
        // The student edition shows no exercise's solution (Sources/Exercises): a line names it instead.
        switch CodeCell.load(name, file: file, hidingExercises: edition == .student) {
        case .success(let code):
            let cell = "<div class=\"codecell\"><div class=\"label\">\(label)</div><pre><code>\(CodeCell.highlight(code))</code></pre></div>"
            fragments.append(paper.map { Annotation.html(quote: $0, source: source, beside: cell) } ?? cell)
        case .failure(let error):
            callout(.warning, "The code cell **\(name)** is not shown: \(error.description.replacingOccurrences(of: "io: ", with: "")).",
                    title: "Code not available")
        }
    }

    func figureHTML(img: String, caption: String, link: String?) -> String {
        figureCount += 1
        let cap = "<figcaption><b>Figure \(figureCount).</b> \(Markdown.inlineHTML(caption))</figcaption>"
        let body = link.map { "<a href=\"\(HTML.escape($0))\" title=\"Open the vector version\">\(img)</a>" } ?? img
        return "<figure id=\"figure-\(figureCount)\">\(body)\(cap)</figure>"
    }

    /// Renders a chart to `name.png` (2x) and `name.svg` beside the report and shows it.
    public func figure(_ chart: Chart, name: String, caption: String, width: Int = 640, height: Int = 400) throws {
        try chart.render(to: directory + "/" + name, width: width, height: height)
        let img = "<img src=\"\(HTML.escape(name)).png\" width=\"\(width)\" height=\"\(height)\" alt=\"\(HTML.escape(caption))\">"
        fragments.append(figureHTML(img: img, caption: caption, link: name + ".svg"))
    }

    /// Writes an image grid to `name.png` and shows it at its display size, crisp.
    public func figure(_ grid: ImageGrid, name: String, caption: String) throws {
        try grid.writePNG(to: directory + "/" + name + ".png")
        let d = grid.displaySize
        let img = "<img class=\"pixels\" src=\"\(HTML.escape(name)).png\" width=\"\(d.width)\" height=\"\(d.height)\" alt=\"\(HTML.escape(caption))\">"
        fragments.append(figureHTML(img: img, caption: caption, link: nil))
    }

    /// Writes an animated GIF of `frames` to `name.gif` and shows it.
    public func animation(_ frames: [ImageGrid], name: String, caption: String, delay: Int = 50) throws {
        try AnimatedGIF.write(frames: frames, to: directory + "/" + name + ".gif", delay: delay)
        let d = frames.first?.displaySize ?? (width: 0, height: 0)
        let img = "<img class=\"pixels\" src=\"\(HTML.escape(name)).gif\" width=\"\(d.width)\" height=\"\(d.height)\" alt=\"\(HTML.escape(caption))\">"
        fragments.append(figureHTML(img: img, caption: caption, link: nil))
    }

    /// Shows an image file already in the report's folder (`file` relative to it).
    public func image(_ file: String, caption: String, width: Int? = nil, height: Int? = nil) {
        let size = (width.map { " width=\"\($0)\"" } ?? "") + (height.map { " height=\"\($0)\"" } ?? "")
        fragments.append(figureHTML(img: "<img src=\"\(HTML.escape(file))\"\(size) alt=\"\(HTML.escape(caption))\">",
                                    caption: caption, link: nil))
    }

    /// Tables of this many columns or more get the wide layout.
    static let wideTableColumns = 8

    /// A table; numeric columns are right-aligned.
    public func table(header: [String], rows: [[TableCell]], caption: String? = nil) {
        tableCount += 1
        let numeric = header.indices.map { c in
            rows.contains { c < $0.count } && rows.allSatisfy { c >= $0.count || $0[c].isNumber }
        }
        func cls(_ c: Int) -> String { c < numeric.count && numeric[c] ? " class=\"num\"" : "" }
        // A table of many columns may widen past the text column (on wide screens) and scrolls
        // inside its own box on narrow ones, never past the page's edge.
        var h = "<div class=\"table-wrap\(header.count >= Report.wideTableColumns ? " wide" : "")\"><table>"
        if let caption { h += "<caption><b>Table \(tableCount).</b> \(Markdown.inlineHTML(caption))</caption>" }
        h += "<thead><tr>" + header.enumerated().map { "<th\(cls($0.offset))>\(Markdown.inlineHTML($0.element))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            h += "<tr>" + row.enumerated().map { "<td\($0.element.isNumber ? " class=\"num\"" : "")>\($0.element.html)</td>" }.joined() + "</tr>"
        }
        fragments.append(h + "</tbody></table></div>")
    }

    /// A row of cards with key numbers; they are also shown in the book index.
    public func keyNumbers(_ cards: [KeyNumber]) {
        keyNumbers += cards
        fragments.append("<div class=\"cards\">" + cards.map(\.html).joined() + "</div>")
    }

    /// A boxed note, tip or warning (Markdown with math).
    public func callout(_ kind: CalloutKind, _ markdown: String, title: String? = nil) {
        let t = HTML.escape(title ?? kind.defaultTitle)
        fragments.append("<aside class=\"callout \(kind.rawValue)\"><div class=\"callout-title\">\(t)</div>\(Markdown.html(markdown).html)</aside>")
    }

    /// A multiple-choice question; `answer` is the index of the correct choice.
    /// Answered in the page by a small script (Quiz.swift): the choice is marked right or wrong and
    /// the chapter's score (answered, right first time) is updated. Choices are buttons, so Tab,
    /// Enter and Space work; inside a quiz the number keys 1-9 (or letters A-J) choose and the
    /// arrow keys move. Without scripts the answer is behind a <details> (instructor edition; the
    /// student edition has neither the answer nor the explanation, see Quiz.swift).
    public func quiz(_ question: String, choices: [String], answer: Int, explanation: String) {
        quizCount += 1
        let q = QuizRecord(number: quizCount, question: question, choices: choices, answer: answer, explanation: explanation)
        quizzes.append(q)
        fragments.append(Quiz.html(q, edition: edition, salt: quizSalt))
    }

    /// Raw HTML, for anything the other cells do not cover.
    public func html(_ raw: String) { fragments.append(raw) }

    static let stamp: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f
    }()

    var tocHTML: String {
        var items = headings.filter { $0.level <= 3 }
        if !citedKeys.isEmpty { items.append(Markdown.Heading(level: 2, text: "References", id: References.anchor)) }
        guard items.count >= 2 else { return "" }
        var h = "<nav class=\"toc\" aria-label=\"Contents\"><strong>Contents</strong><ol>"
        var open = false
        for item in items {
            let link = "<a href=\"#\(item.id)\">\(HTML.escape(item.text))</a>"
            if item.level == 2 {
                if open { h += "</ol></li>"; open = false }
                h += "<li>" + link
                h += "</li>"
            } else {
                if !open {
                    if h.hasSuffix("</li>") { h.removeLast(5) }
                    h += "<ol>"; open = true
                }
                h += "<li>\(link)</li>"
            }
        }
        if open { h += "</ol></li>" }
        return h + "</ol></nav>"
    }

    /// The whole page; `finished` and `duration` go into the footer.
    public func html(finished: Date = Date()) -> String {
        let duration = finished.timeIntervalSince(started)
        var nav = "<a href=\"\(standalone?.indexLink ?? "../index.html")\">← \(HTML.escape(bookTitle))</a>"
            + (quizCount > 0 ? Quiz.badge(count: quizCount) : "") + "<span>"
        let previous = standalone != nil ? nil : previousChapter ?? (chapter > 1 ? chapter - 1 : nil)
        let next = standalone != nil ? nil : nextChapter ?? ((lastChapter.map { chapter < $0 } ?? true) ? chapter + 1 : nil)
        if let p = previous { nav += "<a href=\"../chapter\(p)/index.html\">‹ Chapter \(p)</a>" }
        if let n = next {
            nav += (previous != nil ? " &nbsp;·&nbsp; " : "") + "<a href=\"../chapter\(n)/index.html\">Chapter \(n) ›</a>"
        }
        nav += "</span>"
        let sub = subtitle.isEmpty ? "" : "<p class=\"subtitle\">\(Markdown.inlineHTML(subtitle))</p>"
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(standalone?.kicker ?? "Chapter \(chapter)"): \(HTML.escape(title))</title>
        <style>
        \(Style.css)
        \(Quiz.css)
        \(Annotation.css)
        \(References.css)
        </style>
        </head>
        <body>
        <div class="topbar">\(nav)</div>
        <main>
        <header><div class="kicker">\(HTML.escape(standalone?.kicker ?? "Chapter \(chapter)"))</div><h1>\(Markdown.inlineHTML(title))</h1>\(sub)</header>
        \(tocHTML)
        \(bodyHTML)
        </main>
        <footer>Produced by <code>\(HTML.escape(command))</code> on \(Report.stamp.string(from: finished)),
        run time \(Format.duration(duration)). Numbers on this page are in <a href="metrics.json">metrics.json</a>.</footer>
        \(quizCount > 0 ? Quiz.config(chapter: chapter, title: title, run: runId, edition: edition, salt: quizSalt) : "")
        <script>
        \(Style.script)
        \(Quiz.script)
        </script>
        </body>
        </html>

        """
    }

    /// Writes index.html, metrics.json and report.json into `directory` (and, in the instructor
    /// edition, the quizzes with their answers in quizzes.json, for the instructor page); returns the page's path.
    @discardableResult
    public func write() throws -> String {
        let finished = Date()
        let path = directory + "/index.html"
        try writeBytes(Array(html(finished: finished).utf8), to: path)
        try metrics.write(toDirectory: directory)
        let meta = ReportMeta(chapter: chapter, title: title, subtitle: subtitle,
                              finished: finished, durationSeconds: finished.timeIntervalSince(started),
                              command: command, keyNumbers: keyNumbers)
        try writeBytes(Array(meta.jsonData()), to: directory + "/report.json")
        let answers = directory + "/quizzes.json"
        if edition == .instructor && !quizzes.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeBytes(Array(encoder.encode(quizzes)), to: answers)
        } else if FileManager.default.fileExists(atPath: answers) {
            try FileManager.default.removeItem(atPath: answers)
        }
        return path
    }
}
