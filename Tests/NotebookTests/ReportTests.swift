import Foundation
import Testing
@testable import Notebook

@Suite struct ReportTests {
    // @cell sample
    func sample() -> Int {
        let answer = 42   // shown verbatim
        return answer
    }
    // @end

    @Test func codeCellIsTakenFromTheSourceByMarkers() throws {
        let code = try CodeCell.load("sample", file: #filePath).get()
        #expect(code == "func sample() -> Int {\n    let answer = 42   // shown verbatim\n    return answer\n}")
        #expect(CodeCell.extract("missing", from: "// @cell other\nx\n// @end") == nil)
        if case .success = CodeCell.load("sample", file: "/nonexistent/file.swift") { Issue.record("should fail") }
    }

    @Test func cellsAppearInOrderAndTextIsEscaped() throws {
        let r = Report(chapter: 3, title: "Bits <in> z", subtitle: "a & b", outputRoot: tempDir("order"))
        r.section("First part")
        r.prose("Prose with <script>alert(1)</script> and $x^2$.")
        r.code("sample")
        r.code("sample", file: "/nonexistent/chapter.swift")
        r.table(header: ["model", "nats"], rows: [["factorized", 93.25], ["<pixelcnn>", .num(80.5, 1)]], caption: "Results")
        r.keyNumbers([KeyNumber("Test ELBO", 93.214, unit: "nats", digits: 1)])
        r.callout(.warning, "Careful & *slow*.")
        r.quiz("Which is bigger?", choices: ["1", "2"], answer: 1, explanation: "Two > one.")
        r.section("Second part")
        let html = r.html()
        let markers = ["id=\"first-part\"", "Prose with", "answer = <span class=\"n\">42</span>", "Code not available",
                       "<table>", "Test ELBO", "callout warning", "class=\"quiz\"", "id=\"second-part\""]
        var last = html.startIndex
        for m in markers {
            let range = try #require(html.range(of: m, range: last..<html.endIndex), "\(m) in order")
            last = range.upperBound
        }
        #expect(html.contains("<h1>Bits &lt;in&gt; z</h1>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("<td>&lt;pixelcnn&gt;</td><td class=\"num\">80.5</td>"))
        #expect(html.contains("<th class=\"num\">nats</th>"))
        #expect(html.contains("<td class=\"num\">93.25</td>"))
        #expect(html.contains("93.2<span class=\"unit\"> nats</span>"))
        #expect(html.contains("data-correct=\"true\"><span class=\"letter\">B</span>2"))
        #expect(html.contains("<details><summary>"))
        #expect(html.contains("<a href=\"#first-part\">First part</a>"))
        #expect(html.contains("../chapter2/index.html") && html.contains("../chapter4/index.html"))
        #expect(!html.contains("http://") && !html.contains("https://"))
    }

    @Test func metricsJSONRoundTrips() throws {
        var m = Metrics(chapter: 2, dataset: "mnist_5k", seed: 7)
        m.record("factorized", ["test_elbo_nats": 93.25, "active_units": 12, "note": "ok", "converged": true])
        m["pixelcnn_l3", "kl_bits"] = .number(4.5)
        m["pixelcnn_l3", "broken_nats"] = .number(.nan)
        let o = try #require(try JSONSerialization.jsonObject(with: m.jsonData()) as? [String: Any])
        #expect(o["chapter"] as? Int == 2 && o["dataset"] as? String == "mnist_5k" && o["seed"] as? Int == 7)
        let models = try #require(o["models"] as? [String: [String: Any]])
        #expect(models["factorized"]?["test_elbo_nats"] as? Double == 93.25)
        #expect(models["factorized"]?["active_units"] as? Int == 12)
        #expect(models["factorized"]?["note"] as? String == "ok")
        #expect(models["factorized"]?["converged"] as? Bool == true)
        #expect(models["pixelcnn_l3"]?["kl_bits"] as? Double == 4.5)
        #expect(models["pixelcnn_l3"]?["broken_nats"] is NSNull)
    }

    @Test func metricsListsAndStandalonePage() throws {
        // A list of records inside a model's entry (chapter 8's iwae_curve), beside its scalars,
        // and for a model that has only the list.
        var m = Metrics(chapter: 8, dataset: "mnist_5k", seed: 1)
        m.record("vlae", ["nll_iwae_nats": 95.5])
        m.modelLists["vlae", default: [:]]["iwae_curve"] = [["k": 1, "nll_nats": 99.0], ["k": 4, "nll_nats": 97.5]]
        m.modelLists["factorized", default: [:]]["iwae_curve"] = [["k": 1, "nll_nats": 130.0]]
        let o = try #require(try JSONSerialization.jsonObject(with: m.jsonData()) as? [String: Any])
        let models = try #require(o["models"] as? [String: [String: Any]])
        #expect(models["vlae"]?["nll_iwae_nats"] as? Double == 95.5)
        let curve = try #require(models["vlae"]?["iwae_curve"] as? [[String: Any]])
        #expect(curve.count == 2 && curve[1]["k"] as? Int == 4 && curve[1]["nll_nats"] as? Double == 97.5)
        #expect((models["factorized"]?["iwae_curve"] as? [[String: Any]])?.first?["nll_nats"] as? Int == 130)

        // A standalone page: its own folder, its label, a link back to the index and no chapter links.
        let root = tempDir("standalone")
        let r = Report(chapter: 8, title: "Scores", outputRoot: root)
        r.standalone = Report.Standalone(directory: root + "/evaluate/mine", kicker: "Evaluate", indexLink: "../../index.html")
        r.prose("Scored.")
        let path = try r.write()
        #expect(path == root + "/evaluate/mine/index.html")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.contains("<div class=\"kicker\">Evaluate</div>") && html.contains("href=\"../../index.html\""))
        #expect(!html.contains("chapter7/index.html") && !html.contains("chapter9/index.html"))
        #expect(FileManager.default.fileExists(atPath: root + "/evaluate/mine/metrics.json"))
    }

    /// Writes a whole report with made-up numbers (set NOTEBOOK_DEMO_OUTPUT to keep it for a look).
    @Test func writesReportFilesAndBookIndex() throws {
        let root = ProcessInfo.processInfo.environment["NOTEBOOK_DEMO_OUTPUT"] ?? tempDir("demo")
        let r = Report(chapter: 1, title: "Demo with made-up numbers", subtitle: "Checks the pipeline, not a chapter.",
                       outputRoot: root, dataset: "made_up", seed: 1)
        DemoContent.fill(r)
        r.metrics.record("factorized", ["test_elbo_nats": 93.2, "kl_bits": 32.1])
        let path = try r.write()
        #expect(FileManager.default.fileExists(atPath: path))
        for f in ["metrics.json", "report.json", "elbo.png", "elbo.svg", "samples.png", "samples.gif"] {
            #expect(FileManager.default.fileExists(atPath: root + "/chapter1/" + f), "\(f)")
        }
        let meta = try #require(ReportMeta.read(directory: root + "/chapter1"))
        #expect(meta.title == "Demo with made-up numbers" && meta.keyNumbers.count == 4)
        let index = try BookIndex.write(outputRoot: root, chapters: [(1, "Demo"), (2, "Not yet")])
        let html = try String(contentsOfFile: index, encoding: .utf8)
        #expect(html.contains("href=\"chapter1/index.html\"") && html.contains("Ran at"))
        #expect(html.contains("Not run yet") && html.contains("93.2"))
    }
}
