// `swift run exercises`: the student copy and the instructor's list.
//
//     swift run exercises student DIR      write a student copy of this repository into DIR
//     swift run exercises solutions DIR    put this repository's solutions back into a student copy
//     swift run exercises list             the exercises: title, chapter, file, idea, common mistakes
import ArgumentParser
import Exercises
import Foundation

struct ExercisesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exercises",
        abstract: "Student copies without the solutions, and the instructor's list of exercises.",
        subcommands: [Student.self, Solutions.self, List.self])
}

/// One line on stderr and exit status 1.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    return ExitCode(1)
}

struct Student: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a copy of the repository's tracked files in which every exercise region is a stub.")

    @Argument(help: "A new (or empty) folder for the copy.")
    var dir: String

    func run() throws {
        do {
            let s = try StudentCopy.write(repo: packageRoot, to: dir)
            let leaks = StudentCopy.leaks(of: s.stubs, in: dir)
            guard leaks.isEmpty else {
                throw fail("the copy in \(dir) still holds solution lines (do not hand it out): " + leaks.joined(separator: "; "))
            }
            let numbers = Set(s.stubs.map(\.number))
            print("wrote \(s.files) files to \(dir): \(s.stubs.count) stubs for \(numbers.count) exercises; left out \(s.leftOut.count) instructor files")
            print("next: cd \(dir) && swift build && swift run check")
        } catch let e as ExerciseError { throw fail(e.description) }
    }
}

struct Solutions: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Put this repository's solutions back into a student copy.")

    @Argument(help: "The student copy.")
    var dir: String

    func run() throws {
        do {
            let files = try StudentCopy.restore(repo: packageRoot, into: dir)
            print("restored \(files.count) files in \(dir)/Sources/VLAE: \(files.joined(separator: ", "))")
        } catch let e as ExerciseError { throw fail(e.description) }
        catch { throw fail("\(error)") }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The instructor's list: each exercise's title, chapter, file, idea and common mistakes (Markdown).")

    func run() throws {
        let bands = BandRecord.load()
        for e in Catalog.all {
            let time = bands?.seconds(of: e).map { String(format: "%.0f s", $0) } ?? "not measured"
            print("### Exercise \(e.number): \(e.title)\n")
            print("- chapter \(e.chapter); `Sources/VLAE/\(e.files.joined(separator: "`, `Sources/VLAE/"))`; run time on 2 cores (checks + run `\(e.run.rawValue)`): \(time)")
            print("- to implement: \(e.task)")
            print("- the idea: \(e.idea)")
            print("- common mistakes the checker names:")
            for m in e.mistakes { print("  - *\(m.name)*: \(m.hint)") }
            print("")
        }
    }
}

ExercisesCommand.main()
