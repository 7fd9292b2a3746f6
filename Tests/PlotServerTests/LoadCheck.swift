import Foundation
import Testing
@testable import PlotServer

/// The bounded load check, off by default: `scripts/loadcheck.sh` runs it.
/// A server on a free loopback port publishes 20 events/s while
/// `scripts/loadcheck.py` runs 200 clients for 10 s (each holding /events open and
/// fetching / and /live/ in a loop); then `wrk` fetches / for 10 s if installed.
@Suite("Load check", .enabled(if: ProcessInfo.processInfo.environment["PLOTSERVER_LOADCHECK"] == "1"))
struct LoadCheck {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func twoHundredClientsForTenSeconds() async throws {
        try await withServer { server, _ in
            let publisher = Task {
                var step = 0
                while !Task.isCancelled {
                    server.publish(event: "metric", json: #"{"type":"metric","chart":"ELBO","series":"train","x":\#(step),"y":-\#(step % 100)}"#)
                    step += 1
                    try? await Task.sleep(nanoseconds: 50_000_000)
                }
            }
            defer { publisher.cancel() }
            let script = Self.packageRoot.appendingPathComponent("scripts/loadcheck.py").path
            let (status, output) = try await run("/usr/bin/env", ["python3", script, "--port", "\(server.port)",
                                                                  "--clients", "200", "--seconds", "10"])
            print(output)
            #expect(status == 0)

            if FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") {
                let (_, wrk) = try await run("/usr/bin/wrk", ["-t2", "-c200", "-d10s", "--latency",
                                                             "http://127.0.0.1:\(server.port)/"])
                print(wrk)
            }
            print("event clients still connected after the run: \(server.clientCount)")
        }
    }

    func run(_ tool: String, _ args: [String]) async throws -> (Int32, String) {
        try await onThread {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = args
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}
