// `swift run book`: run every chapter of the book, in order, and write the book index.
//
//     swift run book [--quick | --full] [--output output] [--only 0,4,7] [--no-build]
//                    [--student] [--pdf] [--no-run]
//
// Each chapter runs as its own process (the executables `swift build` makes, next to this one),
// reusing the model cache, so a second run takes seconds. Chapters whose executable does not exist
// are reported as missing; a chapter that fails is reported and the others still run (exit status 1).
// At the end: a table of chapter, time and key number, and the total time.
// The times go to book-timings.json; the instructor edition (the default) then writes the
// instructor's guide (instructor.html, linked from the index). --student writes the student
// edition (no quiz answer in any page) into OUTPUT/student instead, reusing OUTPUT/models.
// --pdf prints every chapter page and the index with headless Chromium into PAGES/pdf/ and joins
// them (pdfunite, poppler-utils) into PAGES/pdf/book.pdf.

import ArgumentParser
import ChapterKit
import Exercises
import Foundation
import Notebook

struct BookCommand: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "book",
        abstract: "Run chapters 0-9 in order (each reusing the model cache) and write the whole book and its index.")

    @Flag(name: .long, help: "Every chapter's short classroom demo.")
    var quick = false

    @Flag(name: .long, help: "Every chapter's longer, paper-like run.")
    var full = false

    @Option(name: .long, help: "Folder for reports, metrics and the model cache.")
    var output = "output"

    @Option(name: .long, help: "Only these chapters, e.g. --only 0,4,7 (default: all).")
    var only: String?

    @Flag(name: .long, help: "Do not run `swift build` first (use the executables as they are).")
    var noBuild = false

    @Flag(name: .long, help: "The student edition: no quiz answer in any page; written to OUTPUT/student (the model cache stays in OUTPUT/models).")
    var student = false

    @Flag(name: .long, help: "Also print every chapter and the whole book to PDF (needs chromium and poppler-utils).")
    var pdf = false

    @Flag(name: .long, help: "Do not run the chapters: rewrite the index, the instructor's guide and (with --pdf) the PDFs from the pages already written.")
    var noRun = false

    /// What every chapter is run with.
    var chapterArguments: [String] {
        ["--output", output] + (quick ? ["--quick"] : []) + (full ? ["--full"] : []) + (student ? ["--student"] : [])
    }

    /// Where the pages go: OUTPUT, or OUTPUT/student.
    var pagesRoot: String { student ? output + "/student" : output }

    func validate() throws {
        guard !(quick && full) else { throw ValidationError("--quick and --full cannot be used together") }
        _ = try selected()
        if let problem = probeWritableFolder(output) {
            throw ValidationError("--output \(output): \(problem): pass --output with a folder you can write")
        }
        if pdf {
            guard which("chromium") ?? which("chromium-browser") ?? which("google-chrome") != nil else {
                throw ValidationError("--pdf needs headless Chromium: apt-get install -y chromium")
            }
            guard which("pdfunite") != nil else { throw ValidationError("--pdf needs pdfunite: apt-get install -y poppler-utils") }
        }
    }

    func selected() throws -> [(number: Int, title: String)] {
        guard let only else { return Book.chapters }
        let numbers = only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var out: [(number: Int, title: String)] = []
        for n in numbers {
            guard let k = Int(n), let c = Book.chapters.first(where: { $0.number == k }) else {
                throw ValidationError("--only: '\(n)' is not a chapter number (0-9)")
            }
            out.append(c)
        }
        return out
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let chapters = try selected()
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        if !noBuild && !noRun { buildChapters(binDir: binDir, chapters: chapters) }

        var rows: [(number: Int, title: String, status: String, seconds: Double?, key: String)] = []
        let started = Date()
        var failed = 0
        for c in chapters where !noRun {
            let exe = binDir + "/chapter\(c.number)"
            guard FileManager.default.isExecutableFile(atPath: exe) else {
                print("── chapter \(c.number) · \(c.title): missing (no executable \(exe); is chapters/chapter\(c.number) in Package.swift?)")
                rows.append((c.number, c.title, "missing", nil, ""))
                continue
            }
            let args = chapterArguments
            print("── chapter \(c.number) · \(c.title): chapter\(c.number) \(args.joined(separator: " "))")
            let t0 = Date()
            let status = runProcess(exe, args)
            let seconds = Date().timeIntervalSince(t0)
            let key = ChapterResults.read(c.number, title: c.title, outputRoot: pagesRoot).keyNumber ?? ""
            if status == 0 {
                rows.append((c.number, c.title, "ok", seconds, key))
            } else {
                failed += 1
                rows.append((c.number, c.title, "FAILED (exit \(status))", seconds, ""))
            }
        }
        let total = Date().timeIntervalSince(started)
        if !noRun {
            let timing = InstructorPage.BookTiming(
                finished: ISO8601DateFormatter().string(from: Date()), totalSeconds: total,
                chapters: rows.map { r in
                    .init(chapter: r.number, command: (["swift run chapter\(r.number)"] + chapterArguments).joined(separator: " "),
                          seconds: r.seconds, status: r.status)
                })
            try timing.write(outputRoot: pagesRoot)
        }
        if !student {
            // The guide lists the exercises of Sources/Exercises with the time their checks and run
            // took when the bands were measured (records/exercise-bands.json).
            let bands = BandRecord.load()
            BookTeaching.exercises = {
                Catalog.all.map { e in
                    let time = bands?.seconds(of: e).map { String(format: "checks and run: %.0f s, measured %@", $0, bands!.measured) }
                    return .init(number: e.number, chapter: e.chapter, title: e.title, mistakes: e.mistakes.map(\.name),
                                 runTime: time ?? "time not measured")
                }
            }
            print("instructor's guide: \(try BookTeaching.writeInstructorPage(outputRoot: output))")
        }
        let index = try BookIndex.write(outputRoot: pagesRoot, chapters: Book.chapters)

        // The summary table (none with --no-run).
        let titleWidth = max(7, rows.map { $0.title.count }.max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        func lpad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        if !noRun {
        print("")
        print(pad("chapter", 4 + titleWidth) + "  " + lpad("time", 9) + "  " + pad("status", 8) + "  key number")
        for r in rows {
            print(pad("\(r.number)  \(r.title)", 4 + titleWidth) + "  " + lpad(r.seconds.map(formatDuration) ?? "–", 9)
                  + "  " + pad(r.status, 8) + "  " + r.key)
        }
        let ran = rows.filter { $0.seconds != nil }.count
        print(pad("total", 4 + titleWidth) + "  " + lpad(formatDuration(total), 9) + "  \(ran) of \(rows.count) chapters ran"
              + (failed > 0 ? ", \(failed) failed" : "") + (rows.contains { $0.status == "missing" } ? ", \(rows.filter { $0.status == "missing" }.count) missing" : ""))
        }
        print("book index: \(index)")
        if pdf { try printPDFs() }
        if failed > 0 { throw ExitCode(1) }
    }

    /// Prints the index, every chapter page that exists (and the instructor's guide) to PAGES/pdf/,
    /// then joins the index and the chapters into book.pdf.
    func printPDFs() throws {
        let pdfDir = pagesRoot + "/pdf"
        if let problem = probeWritableFolder(pdfDir) { fail("--pdf: \(pdfDir): \(problem)") }
        let browser = which("chromium") ?? which("chromium-browser") ?? which("google-chrome") ?? "chromium"
        let profile = NSTemporaryDirectory() + "book-pdf-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        var pages = [("index", pagesRoot + "/index.html")]
        pages += Book.chapters.map { ("chapter\($0.number)", pagesRoot + "/chapter\($0.number)/index.html") }
            .filter { FileManager.default.fileExists(atPath: $0.1) }
        var printed: [String] = []
        for (name, page) in pages + (student ? [] : [("instructor", pagesRoot + "/instructor.html")]) {
            let out = pdfDir + "/\(name).pdf"
            try? FileManager.default.removeItem(atPath: out)
            let t0 = Date()
            let status = runProcess(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                              "--user-data-dir=\(profile)", "--no-pdf-header-footer",
                                              "--virtual-time-budget=5000", "--print-to-pdf=\(absolute(out))",
                                              "file://" + absolute(page)], quiet: true, quietErrors: true)
            guard status == 0, FileManager.default.fileExists(atPath: out) else {
                fail("--pdf: Chromium could not print \(page) (exit \(status)); try scripts/screenshot.sh \(page) to see why")
            }
            print("printed \(out) (\(formatDuration(Date().timeIntervalSince(t0))))")
            if name != "instructor" { printed.append(out) }
        }
        let book = pdfDir + "/book.pdf"
        let status = runProcess(which("pdfunite") ?? "pdfunite", printed + [book], quiet: true)
        guard status == 0 else { fail("--pdf: pdfunite could not join the chapters into \(book) (exit \(status))") }
        print("the whole book: \(book) (\(printed.count) parts)")
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// One `swift build` when run from the package (incremental: edited chapters are rebuilt, and a
    /// fresh clone gets every chapter), in the configuration this executable was built in.
    func buildChapters(binDir: String, chapters: [(number: Int, title: String)]) {
        guard FileManager.default.fileExists(atPath: "Package.swift"),
              let swift = which("swift") else { return }
        let release = binDir.hasSuffix("/release")
        print("building the chapters (swift build\(release ? " -c release" : ""))…")
        let status = runProcess(swift, ["build"] + (release ? ["-c", "release"] : []), quiet: true)
        if status != 0 { print("warning: `swift build` failed (exit \(status)); chapters that did not build are reported as missing or failed") }
    }

    func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Runs a process with this one's stdout/stderr (or stdout discarded), returns its exit status.
    func runProcess(_ exe: String, _ args: [String], quiet: Bool = false, quietErrors: Bool = false) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if quiet { p.standardOutput = FileHandle.nullDevice }
        if quietErrors { p.standardError = FileHandle.nullDevice }
        do { try p.run() } catch {
            print("could not start \(exe): \(error)")
            return 127
        }
        p.waitUntilExit()
        return p.terminationStatus
    }
}

BookCommand.main()
