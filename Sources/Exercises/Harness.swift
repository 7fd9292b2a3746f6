// Running one exercise in a child process: a stub's fatalError ("exercise N: ...") or any other
// crash stops that child only, and the parent reads what happened from its exit and its stderr.

import Foundation

/// What a child process reports on stdout, as JSON.
public struct ChildResult: Codable, Sendable {
    public var report: CheckReport?
    public var numbers: KeyNumbers?
    public var runError: String?
    public var checkSeconds: Double = 0
    public var runSeconds: Double = 0
    public init() {}
}

public enum Outcome: Sendable {
    /// The child finished and printed its result.
    case finished(ChildResult)
    /// A stub stopped it: exercise `number`'s with its message.
    case stub(number: Int, message: String)
    /// It crashed otherwise (the last lines of its stderr).
    case crashed(String)
}

public struct ChildRun: Sendable {
    public var outcome: Outcome
    public var seconds: Double
}

public enum Harness {
    /// This executable's path, to start it again as a child.
    public static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The first "exercise N: message" a stub printed (fatalError writes "Fatal error: exercise N: ...").
    public static func stubMessage(in stderr: String) -> (Int, String)? {
        for line in stderr.components(separatedBy: "\n") {
            guard let r = line.range(of: "Fatal error: exercise ") else { continue }
            let rest = line[r.upperBound...]
            guard let colon = rest.firstIndex(of: ":"), let n = Int(rest[..<colon]) else { continue }
            return (n, "exercise \(n):" + rest[rest.index(after: colon)...])
        }
        return nil
    }

    /// Run this executable with `arguments`; decode its JSON result or explain its end.
    public static func child(_ arguments: [String]) -> ChildRun {
        let start = Date()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch {
            return ChildRun(outcome: .crashed("could not start \(executable): \(error)"), seconds: 0)
        }
        // read both pipes while the child runs (a full pipe would block it)
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let stderr = String(decoding: errData, as: UTF8.self)
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if p.terminationStatus == 0, let r = try? dec.decode(ChildResult.self, from: outData) {
            return ChildRun(outcome: .finished(r), seconds: seconds)
        }
        if let (n, m) = stubMessage(in: stderr) { return ChildRun(outcome: .stub(number: n, message: m), seconds: seconds) }
        let tail = stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
        return ChildRun(outcome: .crashed(tail.isEmpty ? "exit status \(p.terminationStatus)" : tail), seconds: seconds)
    }

    /// The child's side: run exercise `n`'s checks and, if they pass and `run` is set, its
    /// end-to-end run with `seed`; print the result as JSON.
    public static func childMain(exercise n: Int, seed: UInt64, run: Bool) {
        var r = ChildResult()
        let t0 = Date()
        let report = Checks.run(n)
        r.report = report
        r.checkSeconds = Date().timeIntervalSince(t0)
        if run && report.passed {
            let t1 = Date()
            do { r.numbers = try Runs.run(Catalog.exercise(n)!.run, seed: seed) } catch { r.runError = "\(error)" }
            r.runSeconds = Date().timeIntervalSince(t1)
        }
        printJSON(r)
    }

    /// The child's side of an end-to-end run alone (measuring the bands).
    public static func childRun(_ run: EndToEndRun, seed: UInt64) {
        var r = ChildResult()
        let t1 = Date()
        do { r.numbers = try Runs.run(run, seed: seed) } catch { r.runError = "\(error)" }
        r.runSeconds = Date().timeIntervalSince(t1)
        printJSON(r)
    }

    static func printJSON(_ r: ChildResult) {
        let enc = JSONEncoder()
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = (try? enc.encode(r)) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data)
    }
}
