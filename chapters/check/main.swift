// `swift run check [N ...]`: run the exercises' checks, each in its own child process, then each
// exercise's end-to-end run against the bands measured over seeds 1-3 (records/exercise-bands.json).
//
//     swift run check              every exercise
//     swift run check 2 7          exercises 2 and 7
//     swift run check --no-run     the checks only (seconds), no training
//     swift run check --measure-bands    re-measure the bands (seeds 1, 2, 3) and each exercise's time
//
// An exercise whose stub is still there is listed "not done" with its message; one whose checks
// need another exercise's piece says which. Exit status 0 when every exercise listed passed (or,
// with --expect not-done, when every one is still a stub: the check of a fresh student copy).
import ArgumentParser
import Exercises
import Foundation

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the exercises: known values, finite-difference gradients, planted-mistake hints, then a short run against measured bands.")

    @Argument(help: "Exercise numbers (default: all).")
    var numbers: [Int] = []

    @Option(help: "The training seed of the end-to-end runs.")
    var seed: UInt64 = 1

    @Flag(help: "Only the checks, no end-to-end run.")
    var noRun = false

    @Option(help: "pass (default): exit 0 when every exercise passes; not-done: exit 0 when every exercise is still a stub.")
    var expect = "pass"

    @Flag(help: "Measure the bands over seeds 1, 2, 3 and each exercise's time; write records/exercise-bands.json.")
    var measureBands = false

    @Option(help: .hidden) var child: Int?
    @Option(help: .hidden) var childRun: String?

    func validate() throws {
        for n in numbers where Catalog.exercise(n) == nil {
            throw ValidationError("there is no exercise \(n): the exercises are 1-\(Catalog.all.count) (`swift run exercises list`)")
        }
        guard ["pass", "not-done"].contains(expect) else { throw ValidationError("--expect takes pass or not-done") }
    }

    func run() throws {
        if let n = child { Harness.childMain(exercise: n, seed: seed, run: !noRun); return }
        if let name = childRun, let r = EndToEndRun(rawValue: name) { Harness.childRun(r, seed: seed); return }
        if measureBands { try measure(); return }

        let chosen = numbers.isEmpty ? Catalog.all : numbers.map { Catalog.exercise($0)! }
        let bands = BandRecord.load()
        if bands == nil && !noRun { print("note: no \(BandRecord.path): the runs' numbers are shown without bands (swift run check --measure-bands)") }
        var passed = 0, notDone = 0, failed = 0
        let stubs = StudentCopy.remainingStubs(repo: packageRoot)
        for e in chosen {
            let time = bands?.seconds(of: e).map { String(format: ", about %.0f s on 2 cores", $0) } ?? ""
            print("exercise \(e.number): \(e.title) (chapter \(e.chapter), Sources/VLAE/\(e.files.joined(separator: ", "))\(time))")
            // a stub still in the source: not done, whichever stub its checks would reach first
            if stubs.contains(e.number) { print("  not done: \(e.stubMessage)"); notDone += 1; continue }
            var args = ["--child", String(e.number), "--seed", String(seed)]
            if noRun { args.append("--no-run") }
            let c = Harness.child(args)
            switch c.outcome {
            case .stub(let k, let message) where k == e.number:
                print("  not done: \(message)"); notDone += 1
            case .stub(let k, let message):
                print("  needs exercise \(k) first: \(message)"); failed += 1
            case .crashed(let why):
                print("  crashed: \(why)"); failed += 1
            case .finished(let r):
                if showResult(r, exercise: e, bands: bands) { passed += 1 } else { failed += 1 }
            }
        }
        print("\(passed) passed, \(notDone) not done, \(failed) failed (of \(chosen.count))")
        let ok = expect == "pass" ? passed == chosen.count : notDone == chosen.count
        if !ok { throw ExitCode(1) }
    }

    /// Print one finished exercise; whether it passed.
    func showResult(_ r: ChildResult, exercise e: Exercise, bands: BandRecord?) -> Bool {
        guard let report = r.report else { print("  no report"); return false }
        let ok = report.findings.filter(\.passed).count
        print("  checks: \(ok) of \(report.findings.count) passed" + String(format: " (%.1f s)", r.checkSeconds))
        for f in report.findings where !f.passed {
            print("    FAILED \(f.check): \(f.detail)")
            if let h = f.hint { print("      hint: \(h)") }
        }
        guard report.passed else { return false }
        if noRun { return true }
        if let err = r.runError { print("  run \(e.run.rawValue) failed: \(err)"); return false }
        var inBands = true
        for (key, value) in (r.numbers ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let values = bands?.runs[e.run.rawValue]?.values[key] {
                let band = Band(values)
                let inside = band.contains(value)
                inBands = inBands && inside
                print("  run \(e.run.rawValue) (seed \(seed)): \(key) = \(f3(value)), band [\(f3(band.low)), \(f3(band.high))] \(inside ? "inside" : "OUTSIDE")")
            } else {
                print("  run \(e.run.rawValue) (seed \(seed)): \(key) = \(f3(value)) (no measured band)")
            }
        }
        print("  \(inBands ? "passed" : "FAILED: a key number is outside its band") (run \(String(format: "%.1f", r.runSeconds)) s)")
        return inBands
    }

    /// Seeds 1-3 of every run, and every exercise's checks, each timed in its child process.
    func measure() throws {
        let loadBefore = loadAverage()
        var runs: [String: RunRecord] = [:]
        for run in EndToEndRun.allCases {
            var rec = RunRecord(values: [:], seconds: [])
            for s in 1...3 {
                let c = Harness.child(["--child-run", run.rawValue, "--seed", String(s)])
                guard case .finished(let r) = c.outcome, let numbers = r.numbers else {
                    throw ValidationError("run \(run.rawValue), seed \(s) did not finish (\(c.outcome)): the bands need every exercise solved")
                }
                for (k, v) in numbers { rec.values[k, default: []].append(v) }
                rec.seconds.append(c.seconds)
                print("\(run.rawValue) seed \(s): \(numbers.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) (\(String(format: "%.1f", c.seconds)) s)")
            }
            runs[run.rawValue] = rec
        }
        var checkSeconds: [String: Double] = [:]
        for e in Catalog.all {
            let c = Harness.child(["--child", String(e.number), "--no-run"])
            guard case .finished(let r) = c.outcome, r.report?.passed == true else {
                throw ValidationError("exercise \(e.number)'s checks did not pass: the bands need every exercise solved")
            }
            checkSeconds[String(e.number)] = c.seconds
        }
        let load = "before \(loadBefore), after \(loadAverage()) (1, 5, 15 min)"
        let stamp = ISO8601DateFormatter().string(from: Date())
        let record = BandRecord(measured: stamp + ", \(ProcessInfo.processInfo.activeProcessorCount) cores", loadAverage: load,
                                runs: runs, checkSeconds: checkSeconds)
        try record.write()
        print("wrote \(BandRecord.path)")
    }
}

/// The 1, 5 and 15 minute load averages.
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
}

func f3(_ v: Double) -> String { String(format: "%.3f", v) }

Check.main()
