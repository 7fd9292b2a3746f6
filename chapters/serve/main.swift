// `swift run serve`: browse the book (output/) in a browser.
//
//     swift run serve [--root output] [--host 127.0.0.1] [--port 8000]
//
// Prints the URL, serves until Ctrl-C (then stops cleanly and exits 0).
// A taken port is one line on stderr and exit code 1.
import ArgumentParser
import Dispatch
import Foundation
import PlotServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the book's HTML reports (the output folder) over HTTP.")

    @Option(help: "The folder to serve.")
    var root = "output"

    @Option(help: "The address to listen on; anything but loopback is reachable from other machines.")
    var host = "127.0.0.1"

    @Option(help: "The TCP port.")
    var port: UInt16 = 8000

    func run() async throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            fputs("error: no folder '\(root)': run a chapter first, e.g. `swift run chapter1`\n", stderr)
            throw ExitCode(1)
        }
        // Ctrl-C or kill: stop the server, then exit 0.
        let stopped = AsyncStream<Int32> { continuation in
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
                source.setEventHandler { continuation.yield(sig) }
                source.resume()
                Signals.keep.append(source)
            }
        }
        let server = PlotServer(root: root, host: host, port: port)
        do {
            try await server.start()
        } catch let error as PlotServerError {
            fputs("error: \(error.description)\n", stderr)
            throw ExitCode(1)
        }

        if !FileManager.default.fileExists(atPath: root + "/index.html") {
            print("note: \(root)/index.html does not exist yet: run `swift run chapter1` to build the first chapter")
        }
        print("serving \(server.root) at \(server.url)  (Ctrl-C to stop)")
        print("live page of a running chapter: \(server.url)live/")

        for await _ in stopped { break }
        print("\nstopping")
        await server.stop()
    }
}

/// Keeps the signal sources alive for the life of the process.
enum Signals { nonisolated(unsafe) static var keep: [DispatchSourceSignal] = [] }

// Parse and run by hand: in main.swift, `Serve.main()` would pick the synchronous overload.
setvbuf(stdout, nil, _IOLBF, 0)   // line by line, also into a pipe or file
do {
    let command = try Serve.parse()
    try await command.run()
} catch {
    Serve.exit(withError: error)
}
