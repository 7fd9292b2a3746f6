// Live updates while a chapter trains (--serve): the embedded server (PlotServer) serves the
// book from the output folder and a live page at /live/ whose curves grow with every step
// (Server-Sent Events). When the report is written the live page turns into it, and the
// process keeps serving until Ctrl-C. Without --serve every call here does nothing.

import Foundation
import PlotServer
import VLAE

public final class LiveUpdates {
    public let enabled: Bool
    let server: PlotServer?
    let run: LiveRun?

    public init(chapter: Int, title: String, options: CommonOptions) {
        guard options.serve else { enabled = false; server = nil; run = nil; return }
        try? FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
        let server = PlotServer(root: options.output, host: options.host, port: options.port)
        // The chapter runs synchronously on the main thread; the server lives on Swift's
        // concurrency pool. Wait here until it listens (or cannot).
        let started = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error? = nil
        Task {
            do { try await server.start() } catch { failure = error }
            started.signal()
        }
        started.wait()
        if let failure { fail("\(failure)") }
        server.setLivePage(title: title, chapter: chapter)
        print("live: \(server.url)live/  (the report replaces it when the run ends)")
        self.server = server
        self.run = LiveRun(server: server, title: title, chapter: chapter)
        enabled = true
    }

    public func step(_ model: String, _ s: StepInfo) {
        guard let run else { return }
        let x = Double(s.globalStep)
        run.metric(chart: "−ELBO of training batches (nats)", series: model, x: x, y: s.reconstruction + s.kl)
        run.metric(chart: "KL in z (nats)", series: model, x: x, y: s.kl)
        run.progress(text: String(format: "%@ · epoch %d/%d · step %d/%d · %.0f images/s · ETA %@",
                                  model, s.epoch, s.epochs, s.step, s.stepsPerEpoch, s.imagesPerSecond, formatDuration(s.eta)),
                     fraction: Double((s.epoch - 1) * s.stepsPerEpoch + s.step) / Double(s.epochs * s.stepsPerEpoch))
    }

    public func epoch(_ model: String, _ e: EpochRecord) {
        guard let run else { return }
        run.metric(chart: "Validation −ELBO per epoch (nats)", series: model, x: Double(e.epoch), y: -e.validationELBO)
        run.log(String(format: "%@ epoch %d: validation −ELBO %.2f nats, KL %.2f nats, %.0f images/s",
                       model, e.epoch, -e.validationELBO, e.validationKL, e.imagesPerSecond))
    }

    public func log(_ text: String) { run?.log(text) }

    /// Point the live page at the finished report, then serve until Ctrl-C.
    public func done(reportPath: String) {
        guard let run, let server else { return }
        run.done(reportURL: reportPath)
        print("serving \(server.url) (report: \(server.url.dropLast())\(reportPath)); press Ctrl-C to stop")
        waitForInterrupt()
        let stopped = DispatchSemaphore(value: 0)
        Task { await server.stop(); stopped.signal() }
        _ = stopped.wait(timeout: .now() + 3)
        exit(0)
    }
}

/// Block until SIGINT or SIGTERM arrives.
func waitForInterrupt() {
    let received = DispatchSemaphore(value: 0)
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM] {
        signal(sig, SIG_IGN)
        let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        src.setEventHandler { received.signal() }
        src.resume()
        sources.append(src)
    }
    received.wait()
    _ = sources
}
