import Foundation
import Testing
@testable import Notebook

@Suite struct StudentEditionTests {
    @Test func theQuizHashIsSHA256OfSaltNumberAndChoice() {
        // Known values (sha256sum): the empty string, "abc", and a quiz key's input.
        #expect(Quiz.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Quiz.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Quiz.key(salt: "00ff", number: 3, choice: 1) == "62f193705f06209f")
        // Every choice of a quiz gets another key, and a new salt changes them all.
        let keys = (0..<10).map { Quiz.key(salt: "00ff", number: 3, choice: $0) }
        #expect(Set(keys).count == 10)
        #expect(Quiz.key(salt: "00fe", number: 3, choice: 1) != keys[1])
        let salts = Set((0..<20).map { _ in Quiz.randomHex() })
        #expect(salts.count == 20 && salts.allSatisfy { $0.count == 16 && $0.allSatisfy(\.isHexDigit) })
    }

    func page(answers: [Int], edition: Edition, root: String? = nil) -> Report {
        let r = Report(chapter: 4, title: "S", outputRoot: root ?? tempDir("edition"))
        r.edition = edition
        r.quizSalt = "0123456789abcdef"
        r.runId = "fedcba9876543210"
        r.quiz("Which *one*?", choices: ["alpha", "beta", "gamma"], answer: answers[0], explanation: "Because beta explains itself at length.")
        r.quiz("Second?", choices: ["x", "y"], answer: answers[1], explanation: "The second explanation, long enough.")
        return r
    }

    @Test func noAnswerCanBeReadFromTheStudentPage() throws {
        let html = page(answers: [1, 0], edition: .student).html()
        for leak in ["data-correct", "Show the answer", "Answer: ", "<details", "explains itself", "second explanation"] {
            #expect(!html.contains(leak), "the student page contains \(leak)")
        }
        // The only thing that depends on the answer is each quiz's data-key: the same page with other
        // right answers differs in those two attributes and nowhere else.
        let other = page(answers: [2, 1], edition: .student).html()
        func withoutKeys(_ s: String) -> String {
            s.replacingOccurrences(of: "data-key=\"[0-9a-f]{16}\"", with: "data-key", options: .regularExpression)
        }
        let stamp = "on [0-9-]+ [0-9:]+ UTC,\\s+run time [^.]+\\."
        #expect(withoutKeys(html).replacingOccurrences(of: stamp, with: "", options: .regularExpression)
                == withoutKeys(other).replacingOccurrences(of: stamp, with: "", options: .regularExpression))
        #expect(html.contains("data-key=\"\(Quiz.key(salt: "0123456789abcdef", number: 1, choice: 1))\""))
        #expect(other.contains("data-key=\"\(Quiz.key(salt: "0123456789abcdef", number: 1, choice: 2))\""))
        // The script gets the salt and the edition; "Save my answers" is under every quiz.
        #expect(html.contains("\"edition\":\"student\"") && html.contains("\"salt\":\"0123456789abcdef\""))
        #expect(html.components(separatedBy: "class=\"quiz-export\"").count - 1 == 2)
        #expect(html.contains("localStorage") && html.contains("function sha256("))
    }

    @Test func theInstructorEditionKeepsTheAnswersAndWritesThemForTheGuide() throws {
        let r = page(answers: [1, 0], edition: .instructor)
        let html = r.html()
        #expect(html.contains("data-correct=\"true\"") && html.contains("<b>Answer: B.</b>") && !html.contains("data-key="))
        #expect(html.contains("\"edition\":\"instructor\"") && !html.contains("\"salt\""))
        try r.write()
        let back = QuizRecord.read(directory: r.directory)
        #expect(back == r.quizzes && back.map(\.answerLetter) == ["B", "A"])
        // The student edition in the same folder removes the answers file.
        let s = page(answers: [1, 0], edition: .student, root: r.outputRoot)
        try s.write()
        #expect(!FileManager.default.fileExists(atPath: s.directory + "/quizzes.json"))
    }

    @Test func theInstructorPageShowsMeasuredTimesAnswersAndDiscussion() throws {
        let r = page(answers: [2, 1], edition: .instructor)
        r.command = "swift run chapter4 --quick"
        try r.write()
        try InstructorPage.BookTiming(finished: "2026-01-01T00:00:00Z", totalSeconds: 75,
                                      chapters: [.init(chapter: 4, command: "swift run chapter4 --quick", seconds: 42, status: "ok")])
            .write(outputRoot: r.outputRoot)
        let lecture = InstructorPage.Lecture(number: 4, title: "Information preference", aim: "The aim.", discussion: ["Why *this*?"])
        let path = try InstructorPage.write(outputRoot: r.outputRoot, lectures: [lecture], exercises: [])
        let guide = try String(contentsOfFile: path, encoding: .utf8)
        let meta = try #require(ReportMeta.read(directory: r.directory))
        #expect(guide.contains("<code>swift run chapter4 --quick</code>"))
        #expect(guide.contains(Format.duration(meta.durationSeconds)) && guide.contains(Format.duration(42)) && guide.contains(Format.duration(75)))
        #expect(guide.contains("<span class=\"right-choice\">C: gamma</span>. Because beta explains itself at length."))
        #expect(guide.contains("<li>Why <em>this</em>?</li>"))
        #expect(guide.contains("No exercise is registered"))
        // The index links to the guide once it exists.
        let index = try String(contentsOfFile: BookIndex.write(outputRoot: r.outputRoot, chapters: [(4, "Information preference")]), encoding: .utf8)
        #expect(index.contains("href=\"instructor.html\""))
    }
}
