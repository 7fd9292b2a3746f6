import Foundation
import Testing
@testable import PlotServer

/// A temp folder: `root/` (index.html, dot.png, sub/index.html, two symlinks that
/// point outside) next to `outside/secret.txt`.
struct Fixture {
    let base: URL
    var root: String { base.appendingPathComponent("root").path }
    static let secret = "TOP-SECRET-4711"
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13,
                           0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
                           0x1F, 0x15, 0xC4, 0x89])
    static let index = "<!DOCTYPE html><title>Book</title><h1>The book</h1>"

    init() throws {
        let fm = FileManager.default
        base = fm.temporaryDirectory.appendingPathComponent("plotserver-\(UUID().uuidString)")
        let root = base.appendingPathComponent("root"), outside = base.appendingPathComponent("outside")
        try fm.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data(Self.index.utf8).write(to: root.appendingPathComponent("index.html"))
        try Data("<p>sub</p>".utf8).write(to: root.appendingPathComponent("sub/index.html"))
        try Self.png.write(to: root.appendingPathComponent("dot.png"))
        try Data(Self.secret.utf8).write(to: outside.appendingPathComponent("secret.txt"))
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("leak.txt").path,
                                  withDestinationPath: outside.appendingPathComponent("secret.txt").path)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("leakdir").path,
                                  withDestinationPath: outside.path)
    }

    func remove() { try? FileManager.default.removeItem(at: base) }
}

/// Starts a server on a free port over a fresh fixture, runs `body`, cleans up.
func withServer(keepAlive: Double = 15,
                _ body: (PlotServer, Fixture) async throws -> Void) async throws {
    let fixture = try Fixture()
    let server = PlotServer(root: fixture.root, port: 0, keepAliveInterval: keepAlive)
    try await server.start()
    do { try await body(server, fixture) } catch {
        await server.stop(); fixture.remove(); throw error
    }
    await server.stop()
    fixture.remove()
}

@Suite("PlotServer", .serialized)
struct PlotServerTests {

    @Test func servesIndexAndImageWithTypesAndCacheHeaders() async throws {
        try await withServer { server, _ in
            let port = server.port
            #expect(port != 0)

            let index = try await fetch(port, "GET", "/")
            #expect(index.status == 200)
            #expect(index.headers["content-type"] == "text/html; charset=utf-8")
            #expect(index.headers["cache-control"] == "no-cache")
            #expect(index.text == Fixture.index)
            #expect(index.headers["content-length"] == String(Fixture.index.utf8.count))

            let image = try await fetch(port, "GET", "/dot.png")
            #expect(image.status == 200)
            #expect(image.headers["content-type"] == "image/png")
            #expect(image.body == Fixture.png)
            #expect(image.headers["cache-control"]?.hasPrefix("max-age=") == true)
            let etag = try #require(image.headers["etag"])
            #expect(image.headers["last-modified"] != nil)

            let again = try await fetch(port, "GET", "/dot.png", headers: ["If-None-Match": etag])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)

            let sub = try await fetch(port, "GET", "/sub")
            #expect(sub.status == 301)
            #expect(sub.headers["location"] == "/sub/")
            #expect(try await fetch(port, "GET", "/sub/").text == "<p>sub</p>")
            #expect(try await fetch(port, "GET", "/missing.png").status == 404)
        }
    }

    @Test func headWorksAndOtherMethodsAre405() async throws {
        try await withServer { server, _ in
            let head = try await fetch(server.port, "HEAD", "/dot.png")
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == String(Fixture.png.count))
            #expect(head.headers["content-type"] == "image/png")
            #expect(head.body.isEmpty)

            for method in ["POST", "PUT", "DELETE"] {
                let r = try await fetch(server.port, method, "/")
                #expect(r.status == 405, "\(method)")
                #expect(r.headers["allow"] == "GET, HEAD")
            }
        }
    }

    @Test func nothingOutsideRootIsReachable() async throws {
        try await withServer { server, _ in
            let attempts = [
                "/../etc/passwd", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                "/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "/..%2fsecret", "/..%2foutside%2fsecret.txt",
                "/%2e%2e%2foutside%2fsecret.txt", "/../outside/secret.txt", "/.%2e/outside/secret.txt",
                "//etc/passwd", "/..\\outside\\secret.txt", "/%5c..%5coutside%5csecret.txt",
                "/leak.txt", "/leakdir/secret.txt", "/leakdir/", "/index.html%00.png",
                "/sub/../../outside/secret.txt", "/.hidden", "/etc/passwd",
            ]
            for path in attempts {
                let r = try await fetch(server.port, "GET", path)
                #expect(r.status == 403 || r.status == 404 || r.status == 400, "\(path) -> \(r.status)")
                #expect(!r.text.contains(Fixture.secret), "\(path) leaked the secret")
                #expect(!r.text.contains("root:x:0:0"), "\(path) leaked /etc/passwd")
            }
        }
    }

    @Test func secondServerOnSamePortFailsWithOneLine() async throws {
        try await withServer { server, fixture in
            let second = PlotServer(root: fixture.root, port: server.port)
            do {
                try await second.start()
                await second.stop()
                Issue.record("second server started on a taken port")
            } catch let error as PlotServerError {
                #expect(error == .portInUse(host: "127.0.0.1", port: server.port))
                let line = error.description
                #expect(!line.contains("\n"))
                #expect(line == "port \(server.port) is in use: stop the other server or pass --port \(server.port + 1)")
            }
        }
    }

    @Test func eventsReachSubscribersAndLateSubscribersGetTheReplay() async throws {
        try await withServer { server, _ in
            let port = server.port
            // A subscriber that is there from the start.
            let early = try await onThread { try RawConnection(port: port) }
            defer { early.shutdown() }
            early.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            let hello = try await onThread { early.read { String(decoding: $0, as: UTF8.self).contains("event: hello") } }
            #expect(RawResponse(hello).headers["content-type"] == "text/event-stream; charset=utf-8")
            #expect(server.clientCount == 1)

            // A short loop standing in for training.
            for step in 1...3 {
                server.publish(event: "metric", json: #"{"type":"metric","chart":"ELBO","series":"train","x":\#(step),"y":-\#(90 + step)}"#)
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            let live = try await onThread {
                String(decoding: early.read { String(decoding: $0, as: UTF8.self).contains(#""x":3"#) }, as: UTF8.self)
            }
            for step in 1...3 {
                #expect(live.contains("event: metric\ndata: {\"type\":\"metric\",\"chart\":\"ELBO\",\"series\":\"train\",\"x\":\(step),\"y\":-\(90 + step)}\n\n"))
            }

            // A late subscriber first receives the history so far, in order.
            let late = try await fetchEvents(port, until: #""x":3"#)
            let xs = late.components(separatedBy: "\"x\":").dropFirst().map { $0.prefix(1) }
            #expect(xs == ["1", "2", "3"])
            #expect(late.contains("retry: 2000"))

            // A reconnecting browser (Last-Event-ID) receives only what it missed.
            let id = try #require(late.components(separatedBy: "\n").first { $0.hasPrefix("id: ") && $0.hasSuffix("-2") })
            let resumed = try await fetchEvents(port, until: #""x":3"#, lastEventID: String(id.dropFirst(4)))
            #expect(!resumed.contains(#""x":1"#) && !resumed.contains(#""x":2"#))
            #expect(resumed.contains(#""x":3"#))
        }
    }

    @Test func goneClientsAreDroppedAndStopEndsStreams() async throws {
        try await withServer(keepAlive: 0.1) { server, _ in
            let port = server.port
            _ = try await fetchEvents(port, until: "event: hello")   // connects, then closes
            // The next keep-alive write fails and the client is removed.
            var waited = 0
            while server.clientCount > 0 && waited < 60 {
                try await Task.sleep(nanoseconds: 50_000_000); waited += 1
            }
            #expect(server.clientCount == 0)
            server.publish(event: "log", json: #"{"type":"log","text":"still fine"}"#)

            // A client still connected when the server stops sees the stream end.
            let open = try await onThread { try RawConnection(port: port, timeout: 5) }
            defer { open.shutdown() }
            open.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try await onThread { open.read { String(decoding: $0, as: UTF8.self).contains("still fine") } }
            async let rest = onThread { open.read() }            // until EOF (or the 5 s receive timeout)
            await server.stop()
            let tail = String(decoding: try await rest, as: UTF8.self)
            #expect(open.sawEOF, "the stream did not end when the server stopped")
            #expect(tail.hasSuffix("0\r\n\r\n") || tail.isEmpty)
        }
    }

    @Test func liveRunSendsJSONAndThinsFastSeries() async throws {
        try await withServer { server, _ in
            let live = LiveRun(server: server, title: "Binarized <MNIST>", chapter: 1, minInterval: 0.5)
            for step in 0..<1000 {
                live.metric(chart: "ELBO", series: "train_elbo_nats", x: Double(step), y: -100 + Double(step) / 100)
                live.progress(text: "step \(step)/1000", fraction: Double(step) / 1000)
            }
            live.log("epoch 1 done: \"ok\"\nnext")
            live.done(reportURL: "/chapter1/index.html")

            let events = try await fetchEvents(server.port, until: #""type":"done""#)
            let metrics = events.components(separatedBy: "event: metric").count - 1
            #expect(metrics >= 2 && metrics < 20, "1000 calls thinned to \(metrics) events")
            #expect(events.contains(#""x":999"#))                           // flushed by done
            #expect(events.components(separatedBy: "event: progress").count - 1 == 1)  // latest only
            #expect(events.contains(#"{"type":"log","text":"epoch 1 done: \"ok\"\nnext"}"#))
            #expect(events.contains(#"{"type":"done","url":"/chapter1/index.html"}"#))

            let page = try await fetch(server.port, "GET", "/live/")
            #expect(page.status == 200)
            #expect(page.text.contains("Chapter 1 · Binarized &lt;MNIST&gt;"))
            #expect(page.text.contains(#"new EventSource("/events")"#))
            #expect(!page.text.contains("http://") && !page.text.contains("https://"))  // no CDN
        }
    }

    @Test func jsonHelpers() {
        #expect(LiveRun.number(3) == "3")
        #expect(LiveRun.number(-0.25) == "-0.25")
        #expect(LiveRun.number(.nan) == "null")
        #expect(LiveRun.number(.infinity) == "null")
        #expect(LiveRun.quote("a\"b\\c\u{1}") == #""a\"b\\c\u0001""#)
        #expect(EventHub.frame(id: nil, event: "log", data: "a\nb") == "event: log\ndata: a\ndata: b\n\n")
    }
}

/// Connects to /events, reads until `marker` appears, disconnects; returns the stream text.
func fetchEvents(_ port: UInt16, until marker: String, lastEventID: String? = nil) async throws -> String {
    try await onThread {
        let c = try RawConnection(port: port)
        defer { c.shutdown() }
        var request = "GET /events HTTP/1.1\r\nHost: x\r\n"
        if let id = lastEventID { request += "Last-Event-ID: \(id)\r\n" }
        c.send(request + "\r\n")
        return String(decoding: c.read { String(decoding: $0, as: UTF8.self).contains(marker) }, as: UTF8.self)
    }
}

@Test func httpDateFormat() {
    #expect(PlotServer.httpDate(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT")
}
