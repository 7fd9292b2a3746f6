import Foundation

/// What a written report leaves beside it in `report.json`, for the book index.
public struct ReportMeta {
    public var chapter: Int
    public var title: String
    public var subtitle: String
    public var finished: Date
    public var durationSeconds: Double
    public var command: String
    public var keyNumbers: [KeyNumber]

    static let iso: ISO8601DateFormatter = ISO8601DateFormatter()

    func jsonData() throws -> Data {
        let obj: [String: Any] = [
            "chapter": chapter, "title": title, "subtitle": subtitle,
            "finished": ReportMeta.iso.string(from: finished),
            "duration_seconds": (durationSeconds * 10).rounded() / 10, "command": command,
            "key_numbers": keyNumbers.map { ["label": $0.label, "value": $0.value, "unit": $0.unit] },
        ]
        return try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
    }

    /// Reads `directory/report.json`; nil if missing or malformed.
    public static func read(directory: String) -> ReportMeta? {
        guard let data = FileManager.default.contents(atPath: directory + "/report.json"),
              let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let chapter = o["chapter"] as? Int, let title = o["title"] as? String,
              let finished = (o["finished"] as? String).flatMap(iso.date(from:)) else { return nil }
        let cards = (o["key_numbers"] as? [[String: String]] ?? []).map {
            KeyNumber($0["label"] ?? "", text: $0["value"] ?? "", unit: $0["unit"] ?? "")
        }
        return ReportMeta(chapter: chapter, title: title, subtitle: o["subtitle"] as? String ?? "",
                          finished: finished, durationSeconds: o["duration_seconds"] as? Double ?? 0,
                          command: o["command"] as? String ?? "", keyNumbers: cards)
    }
}

/// The book's front page, `output/index.html`: every chapter with its status, when it last
/// ran and a few key numbers. Every chapter rewrites it after writing its report.
public enum BookIndex {
    /// Writes `outputRoot/index.html` (showing up to `cards` key numbers per chapter); returns its path.
    @discardableResult
    public static func write(outputRoot: String = "output", chapters: [(number: Int, title: String)],
                             bookTitle: String = "Variational Lossy Autoencoder",
                             subtitle: String = "Chen et al. (2017), reproduced in Swift, one runnable chapter at a time.",
                             cards: Int = 4) throws -> String {
        var items = ""
        var lastRun: Date?
        for (number, title) in chapters {
            let dir = outputRoot + "/chapter\(number)"
            let meta = ReportMeta.read(directory: dir)
            var dataset = ""
            if let data = FileManager.default.contents(atPath: dir + "/metrics.json"),
               let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
                let models = (o["models"] as? [String: Any])?.count ?? 0
                dataset = [(o["dataset"] as? String).map { "dataset \($0)" }, models > 0 ? "\(models) model\(models == 1 ? "" : "s")" : nil]
                    .compactMap { $0 }.filter { !$0.isEmpty && $0 != "dataset " }.joined(separator: " · ")
            }
            let heading = meta != nil
                ? "<a href=\"chapter\(number)/index.html\">\(HTML.escape(title))</a>" : HTML.escape(title)
            items += "<li><div class=\"num\">Chapter \(number)</div><h2>\(heading)</h2>"
            if let m = meta {
                if lastRun.map({ m.finished > $0 }) ?? true { lastRun = m.finished }
                let extra = dataset.isEmpty ? "" : " · \(HTML.escape(dataset))"
                items += "<div class=\"status\">Ran at \(Report.stamp.string(from: m.finished)) in \(Format.duration(m.durationSeconds))\(extra)</div>"
                let shown = m.keyNumbers.prefix(cards)
                if !shown.isEmpty { items += "<div class=\"cards\">" + shown.map(\.html).joined() + "</div>" }
            } else {
                items += "<div class=\"status pending\">Not run yet: <code>swift run chapter\(number)</code></div>"
            }
            items += "</li>\n"
        }
        let guide = FileManager.default.fileExists(atPath: outputRoot + "/instructor.html")
            ? "<p class=\"subtitle\"><a href=\"instructor.html\">Instructor's guide</a>: one lecture per chapter, its commands and measured times, the quiz answers, questions for discussion.</p>" : ""
        let last = lastRun.map { "Last run: \(Report.stamp.string(from: $0))." } ?? "No chapter has run yet."
        let page = HTML.documentStart(title: bookTitle, css: Style.css) + """

        <main>
        <header><div class="kicker">The book</div><h1>\(HTML.escape(bookTitle))</h1><p class="subtitle">\(Markdown.inlineHTML(subtitle))</p>\(guide)</header>
        <ol class="chapters">
        \(items)</ol>
        </main>
        <footer>\(last) Index written \(Report.stamp.string(from: Date())).</footer>
        </body>
        </html>

        """
        let path = outputRoot + "/index.html"
        try writeBytes(Array(page.utf8), to: path)
        return path
    }
}
