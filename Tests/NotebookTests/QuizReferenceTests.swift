import Foundation
import Testing
@testable import Notebook

@Suite struct QuizReferenceTests {
    // @cell annotated-sample
    let x = 1
    // @end

    @Test func quizzesAreNumberedScoredAndKeyboardReady() throws {
        let r = Report(chapter: 2, title: "Q", outputRoot: tempDir("quiz"))
        r.quiz("First?", choices: ["a", "b", "c"], answer: 2, explanation: "c.")
        r.quiz("Second?", choices: ["x", "y"], answer: 0, explanation: "x.")
        let html = r.html()
        #expect(html.contains("id=\"quiz-1\"") && html.contains("id=\"quiz-2\""))
        #expect(html.contains("<span class=\"tag\">Quiz 2</span>Second?"))
        // exactly one right choice per quiz, buttons (focusable, Enter/Space)
        #expect(html.components(separatedBy: "data-correct=\"true\"").count - 1 == 2)
        #expect(html.components(separatedBy: "<button type=\"button\" class=\"choice\"").count - 1 == 5)
        #expect(html.contains("<b>Answer: C.</b> c."))
        // the score line under each quiz, the badge in the top bar, the script that fills them
        #expect(html.components(separatedBy: "class=\"quiz-score\"").count - 1 == 2)
        #expect(html.contains("class=\"quiz-badge\"") && html.contains("data-quiz-total=\"2\""))
        #expect(html.contains("function score()") && html.contains("'keydown'") && html.contains("#selftest-quiz"))
        #expect(html.contains("keys: 1–3 or A–C choose"))
        // the headless check opens ?selftest-quiz and shows the quizzes alone (no scrolling: a scrolled
        // headless screenshot comes out blank)
        #expect(html.contains("selftest-quiz(&|$)") && html.contains("html.quiz-only main > :not(.quiz)"))
        // check marks as CSS escapes, not JavaScript ones
        #expect(html.contains("content: \" \\2714\"") && !html.contains("\\u2714"))
        // no quiz: no badge
        let empty = Report(chapter: 3, title: "none", outputRoot: tempDir("noquiz")).html()
        #expect(!empty.contains("class=\"quiz-badge\""))
    }

    @Test func citationsLinkToAReferenceListOfExactlyTheCitedWorks() throws {
        let r = Report(chapter: 2, title: "R", outputRoot: tempDir("refs"))
        let c = r.cite("kingma2016")
        #expect(c == "([Kingma et al., 2016](#ref-kingma2016))")
        #expect(r.citet("kingma2014") == "[Kingma & Welling (2014)](#ref-kingma2014)")
        #expect(r.cite("bowman2016", "sonderby2016") == "([Bowman et al., 2016](#ref-bowman2016); [Sønderby et al., 2016](#ref-sonderby2016))")
        #expect(r.citet("oord2016pixel") == "[van den Oord et al. (2016a)](#ref-oord2016pixel)")
        r.section("Free bits")   // a contents list needs two headings: this one and References
        r.prose("Free bits \(c) keep λ nats.")
        r.references()
        r.prose("Cited after the list: \(r.cite("burda2016")).")   // still listed
        let html = r.html()
        #expect(html.contains("Free bits (<a href=\"#ref-kingma2016\">Kingma et al., 2016</a>) keep"))
        #expect(html.contains("<h2 id=\"references\">References"))
        #expect(html.components(separatedBy: "<h2 id=\"references\">").count - 1 == 1)
        #expect(html.contains("<li id=\"ref-kingma2016\">Diederik P. Kingma, Tim Salimans"))
        #expect(html.contains("<cite>Importance Weighted Autoencoders</cite>"))
        #expect(html.contains("arXiv:1509.00519"))
        #expect(!html.contains("ref-chen2017"))   // not cited, not listed
        // sorted by first author: Bowman < Burda < Kingma & Welling (2014) < Kingma et al. (2016) < Sønderby < van den Oord
        let order = ["ref-bowman2016\"", "ref-burda2016\"", "li id=\"ref-kingma2014\"", "li id=\"ref-kingma2016\"",
                     "li id=\"ref-sonderby2016\"", "li id=\"ref-oord2016pixel\""]
        var last = try #require(html.range(of: "<section class=\"references\">")).upperBound
        for m in order {
            let range = try #require(html.range(of: m, range: last..<html.endIndex), "\(m) in order")
            last = range.upperBound
        }
        #expect(html.contains("<a href=\"#references\">References</a>"))   // in the contents
    }

    @Test func aPageThatCitesNothingHasNoReferenceSection() {
        let r = Report(chapter: 2, title: "R", outputRoot: tempDir("norefs"))
        r.prose("No citations.")
        r.references()
        let html = r.html()
        #expect(!html.contains("class=\"references\"") && !html.contains("id=\"references\""))
        #expect(!html.contains("\u{E000}"))
    }

    @Test func citedButNeverListedGoesAtTheEndAndUnknownKeysDoNotCrash() {
        let r = Report(chapter: 2, title: "R", outputRoot: tempDir("autorefs"))
        r.prose("See \(r.cite("chen2017")) and \(r.cite("nosuchwork1999")).")
        r.section("Last")
        let html = r.html()
        let refs = html.range(of: "<section class=\"references\">"), last = html.range(of: "id=\"last\"")
        #expect(refs != nil && last != nil && last!.lowerBound < refs!.lowerBound)
        #expect(html.contains("unknown reference: nosuchwork1999"))
        #expect(r.citedWorks == ["chen2017"])
    }

    @Test func bibliographyKeysAreUniqueAndEntriesComplete() {
        let keys = Bibliography.works.map(\.key)
        #expect(Set(keys).count == keys.count)
        for w in Bibliography.works {
            #expect(!w.authors.isEmpty && !w.title.isEmpty && !w.venue.isEmpty && !w.year.isEmpty, "\(w.key)")
            #expect(w.family.count == w.authors.count, "\(w.key)")
        }
        let shorts = Bibliography.works.map(\.shortCitation)
        #expect(Set(shorts).count == shorts.count, "two works would cite the same")
    }

    @Test func familyNamesKeepTheirParticles() {
        #expect(Reference.familyName("Aäron van den Oord") == "van den Oord")
        #expect(Reference.familyName("Drew van Camp") == "van Camp")
        #expect(Reference.familyName("Diederik P. Kingma") == "Kingma")
        #expect(Reference.familyName("Casper Kaae Sønderby") == "Sønderby")
        #expect(Bibliography.work("hinton1993")?.family == ["Hinton", "van Camp"])
        #expect(Bibliography.work("razavi2019")?.family == ["Razavi", "van den Oord", "Poole", "Vinyals"])
        #expect(Bibliography.work("oord2016conditional")?.family
                == ["van den Oord", "Kalchbrenner", "Vinyals", "Espeholt", "Graves", "Kavukcuoglu"])
    }

    /// Every `cite("...")`/`citet("...")` key in the chapters names a work of the bibliography.
    @Test func everyKeyTheChaptersCiteExists() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("chapters")
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let call = try NSRegularExpression(pattern: #"cite[t]?\(((?:\s*"[^"]*"\s*,?)+)\)"#)
        let key = try NSRegularExpression(pattern: #""([^"]*)""#)
        for d in dirs {
            guard let src = try? String(contentsOfFile: root.appendingPathComponent(d + "/main.swift").path, encoding: .utf8) else { continue }
            let ns = src as NSString
            for m in call.matches(in: src, range: NSRange(location: 0, length: ns.length)) {
                let args = ns.substring(with: m.range(at: 1)) as NSString
                for k in key.matches(in: args as String, range: NSRange(location: 0, length: args.length)) {
                    let name = args.substring(with: k.range(at: 1))
                    #expect(Bibliography.work(name) != nil, "\(d) cites unknown \"\(name)\"")
                }
            }
        }
    }

    @Test func paperQuoteSitsBesideTheCode() {
        let r = Report(chapter: 2, title: "A", outputRoot: tempDir("annot"))
        r.code("annotated-sample", paper: "We use $z = \\mu + \\sigma \\odot \\epsilon$.", source: "Chen et al. 2017, §2")
        r.code("annotated-sample")
        let html = r.html()
        #expect(html.components(separatedBy: "<div class=\"annotated\">").count - 1 == 1)
        #expect(html.contains("<div class=\"annotated\"><blockquote class=\"paper\"><div class=\"paper-label\">The paper</div><p>We use <math"))
        #expect(html.contains("— Chen et al. 2017, §2</footer></blockquote><div class=\"codecell\">"))
        #expect(html.contains("grid-template-columns"))
    }

    /// The cells of the model module the chapters show are all marked in Sources/VLAE.
    @Test func modelModuleCellsExist() {
        let vlae = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/VLAE").path
        let cells = [("reparameterize", "Objectives/Gaussian.swift"), ("gaussian-kl", "Objectives/Gaussian.swift"),
                     ("free-bits", "Objectives/FreeBits.swift"), ("masked-taps", "Layers/MaskedConv.swift"),
                     ("iwae-log-weights", "Objectives/IWAE.swift"), ("iwae-bound", "Objectives/IWAE.swift"),
                     ("logsumexp", "Layers/Reductions.swift"), ("bernoulli-likelihood", "Objectives/Bernoulli.swift")]
        for (name, file) in cells {
            switch CodeCell.load(name, file: vlae + "/" + file) {
            case .success(let code): #expect(!code.isEmpty && !code.contains("@cell") && !code.contains("@end"), "\(name)")
            case .failure(let e): Issue.record("\(name): \(e)")
            }
        }
    }
}
