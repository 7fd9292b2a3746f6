import Foundation

/// The instructor's guide, `output/instructor.html` (written by `swift run book`, linked from the
/// book index): one lecture per chapter with the commands and the times this output folder's runs
/// took (read from each chapter's report.json and the book runner's book-timings.json, never typed),
/// the quiz answers and why (quizzes.json), the exercises, and questions for discussion.
public enum InstructorPage {
    /// What the guide says of a chapter beyond its measured files: its aim and questions for discussion.
    public struct Lecture: Sendable {
        public var number: Int
        public var title: String
        public var aim: String
        public var discussion: [String]
        public init(number: Int, title: String, aim: String, discussion: [String]) {
            self.number = number; self.title = title; self.aim = aim; self.discussion = discussion
        }
    }

    /// One exercise as the guide lists it.
    public struct Exercise: Sendable {
        public var number: Int
        public var chapter: Int
        public var title: String
        public var mistakes: [String]
        public var runTime: String
        public init(number: Int, chapter: Int, title: String, mistakes: [String], runTime: String) {
            self.number = number; self.chapter = chapter; self.title = title; self.mistakes = mistakes; self.runTime = runTime
        }
    }

    /// What `swift run book` records of its last run in `book-timings.json`.
    public struct BookTiming: Codable, Sendable {
        public struct Row: Codable, Sendable {
            public var chapter: Int
            public var command: String
            public var seconds: Double?
            public var status: String
            public init(chapter: Int, command: String, seconds: Double?, status: String) {
                self.chapter = chapter; self.command = command; self.seconds = seconds; self.status = status
            }
        }
        public var finished: String
        public var totalSeconds: Double
        public var chapters: [Row]
        public init(finished: String, totalSeconds: Double, chapters: [Row]) {
            self.finished = finished; self.totalSeconds = totalSeconds; self.chapters = chapters
        }

        public static func read(outputRoot: String) -> BookTiming? {
            guard let data = FileManager.default.contents(atPath: outputRoot + "/book-timings.json") else { return nil }
            return try? JSONDecoder().decode(BookTiming.self, from: data)
        }

        public func write(outputRoot: String) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeBytes(Array(encoder.encode(self)), to: outputRoot + "/book-timings.json")
        }
    }

    static let css = """
    .lecture { border-top: 1px solid var(--line); margin-top: 2.2rem; }
    .lecture .aim { font-size: 1.02rem; }
    .answers li { margin: .5rem 0; }
    .answers .right-choice { font-weight: 600; color: var(--good); }
    .timing { font-size: .9rem; } .timing td.num { white-space: nowrap; }
    .hook { color: var(--muted); font-style: italic; }
    """

    /// Writes `outputRoot/instructor.html`; returns its path. `exercises` lists the exercises
    /// (empty: the page says none is registered yet).
    @discardableResult
    public static func write(outputRoot: String, lectures: [Lecture], exercises: [Exercise],
                             bookTitle: String = "Variational Lossy Autoencoder") throws -> String {
        let timing = BookTiming.read(outputRoot: outputRoot)
        var body = ""
        var toc = ""
        // The overview: every chapter's command and measured time.
        var rows = ""
        for l in lectures {
            let meta = ReportMeta.read(directory: outputRoot + "/chapter\(l.number)")
            let row = timing?.chapters.first { $0.chapter == l.number }
            let command = meta?.command ?? "swift run chapter\(l.number) --quick"
            let page = meta.map { Format.duration($0.durationSeconds) } ?? "not run yet"
            let process = row?.seconds.map(Format.duration) ?? "–"
            rows += "<tr><td><a href=\"#lecture-\(l.number)\">\(l.number) · \(HTML.escape(l.title))</a></td><td><code>\(HTML.escape(command))</code></td>"
                + "<td class=\"num\">\(page)</td><td class=\"num\">\(process)</td></tr>"
        }
        let total = timing.map { "The book runner's last run (finished \(HTML.escape($0.finished))) took \(Format.duration($0.totalSeconds)) in all." } ?? "No <code>swift run book</code> run has been recorded in this folder yet (the runner's column is empty)."
        body += "<h2 id=\"plan\">The plan and its times</h2>"
        body += "<p>Each lecture follows one chapter. The times are this folder's last runs, as measured: the chapter's own run time (from its report.json) and the whole process as <code>swift run book</code> timed it (from book-timings.json, building excluded). \(total) A chapter whose models are in the model cache runs again without training them: run the book once before the lecture.</p>"
        body += "<table class=\"timing\"><thead><tr><th>Chapter</th><th>Command</th><th class=\"num\">Page run time</th><th class=\"num\">Process time (book runner)</th></tr></thead><tbody>\(rows)</tbody></table>"
        body += "<h2 id=\"student-edition\">The student edition</h2>"
        body += Markdown.html("""
        `swift run book --student --quick` (or any chapter with `--student`) writes the same pages into `student/` beside this folder's chapters, reusing the model cache: there no quiz answer is in the page (a choice is checked against a salted hash), the explanations and "Show the answer" are gone, and this guide is not linked. Hand out that folder, or its PDFs (`swift run book --student --pdf`: `student/pdf/book.pdf`). A student's answers stay in the browser across reloads; "Save my answers" under any quiz downloads `chapterN-quiz-answers.json` (chapter, each answer, the first-try score, the time from opening the page to the last answer) to hand in. The file is written by the student's browser, so treat it as a self-report, not as proof.
        """).html
        toc += "<li><a href=\"#plan\">The plan and its times</a></li><li><a href=\"#student-edition\">The student edition</a></li>"

        for l in lectures {
            let dir = outputRoot + "/chapter\(l.number)"
            let meta = ReportMeta.read(directory: dir)
            let quizzes = QuizRecord.read(directory: dir)
            toc += "<li><a href=\"#lecture-\(l.number)\">Lecture \(l.number): \(HTML.escape(l.title))</a></li>"
            body += "<section class=\"lecture\"><h2 id=\"lecture-\(l.number)\">Lecture \(l.number): \(HTML.escape(l.title))</h2>"
            body += "<p class=\"aim\">\(Markdown.inlineHTML(l.aim))</p>"
            if let m = meta {
                body += "<p>Page: <a href=\"chapter\(l.number)/index.html\">chapter \(l.number)</a>. Last run here: <code>\(HTML.escape(m.command))</code>, \(Format.duration(m.durationSeconds)) on \(Report.stamp.string(from: m.finished)).</p>"
            } else {
                body += "<p>Not run in this folder yet: <code>swift run chapter\(l.number) --quick</code> (then <code>swift run book --no-run</code> rewrites this guide).</p>"
            }
            body += "<h3>Quiz answers</h3>"
            if quizzes.isEmpty {
                body += "<p class=\"hook\">No quiz answers recorded (the chapter has no quiz, or has not run in the instructor edition in this folder).</p>"
            } else {
                body += "<ol class=\"answers\">" + quizzes.map { q in
                    let right = q.answer < q.choices.count ? Markdown.inlineHTML(q.choices[q.answer]) : ""
                    return "<li>\(Markdown.inlineHTML(q.question))<br><span class=\"right-choice\">\(q.answerLetter): \(right)</span>. \(Markdown.inlineHTML(q.explanation))</li>"
                }.joined() + "</ol>"
            }
            let mine = exercises.filter { $0.chapter == l.number }
            if !mine.isEmpty {
                body += "<h3>Exercises</h3><ul>" + mine.map { e in
                    "<li><b>Exercise \(e.number): \(Markdown.inlineHTML(e.title))</b> (\(HTML.escape(e.runTime))). Common mistakes: "
                        + e.mistakes.map(Markdown.inlineHTML).joined(separator: "; ") + ".</li>"
                }.joined() + "</ul>"
            }
            body += "<h3>Questions for discussion</h3><ol>" + l.discussion.map { "<li>\(Markdown.inlineHTML($0))</li>" }.joined() + "</ol></section>"
        }
        toc += "<li><a href=\"#exercises\">Exercises</a></li>"
        body += "<h2 id=\"exercises\">Exercises</h2>"
        if exercises.isEmpty {
            body += "<p class=\"hook\">No exercise is registered with this guide yet (the list comes from <code>BookTeaching.exercises</code> in Sources/ChapterKit/Teaching.swift).</p>"
        } else {
            body += "<p>\(exercises.count) exercises; each lecture above lists its chapter's, with the mistakes the checker recognises.</p>"
        }
        let page = HTML.documentStart(title: "Instructor's guide: \(bookTitle)", css: Style.css + "\n" + css) + """

        <div class="topbar"><a href="index.html">← \(HTML.escape(bookTitle))</a></div>
        <main>
        <header><div class="kicker">Instructor's guide</div><h1>Teaching with this book</h1><p class="subtitle">One lecture per chapter: its commands and measured times, the quiz answers and why, exercises, questions for discussion.</p></header>
        <nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>\(toc)</ol></nav>
        \(body)
        </main>
        <footer>Written \(Report.stamp.string(from: Date())) from the files in this folder (report.json, quizzes.json, book-timings.json). Not part of the student edition.</footer>
        </body>
        </html>

        """
        let path = outputRoot + "/instructor.html"
        try writeBytes(Array(page.utf8), to: path)
        return path
    }
}
