// Oversized request heads are answered (431), and the server stays usable.

import Foundation
import Testing
@testable import PlotServer

/// Before the head gate (Sources/PlotServer/HeadGate.swift) a 200 KB header was never answered:
/// FlyingFox reads a request head without any limit.
@Suite("PlotServer header limits", .serialized)
struct HeaderLimitTests {
    /// A 200 KB header gets a 431 answer, not silence until the client gives up. The receive
    /// timeout (20 s) only bounds how long a broken server can stall the test; it is not a speed
    /// requirement.
    @Test func oversizedHeaderIsAnswered431() async throws {
        try await withServer { server, _ in
            let port = server.port
            for (name, size) in [("X-Big", 200_000), ("Cookie", 70_000)] {
                let response = try await onThread { () -> RawResponse in
                    let c = try RawConnection(port: port, timeout: 20)
                    defer { c.shutdown() }
                    c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\(name): " + String(repeating: "a", count: size) + "\r\n\r\n")
                    return RawResponse(c.read { $0.range(of: Data("\r\n\r\n".utf8)) != nil })
                }
                #expect(response.status == 431, "\(name) of \(size) bytes: status \(response.status)")
            }
            // So is a request line longer than the limit.
            let longTarget = try await fetch(port, "GET", "/" + String(repeating: "b", count: 100_000))
            #expect(longTarget.status == 431 || longTarget.status == 414, "status \(longTarget.status)")
            // Normal requests still work.
            let ok = try await fetch(port, "GET", "/", headers: ["X-Small": String(repeating: "c", count: 4000)])
            #expect(ok.status == 200)
        }
    }

    /// Clients that connect and send half a head (or nothing) hold no request open upstream,
    /// and the server keeps answering others.
    @Test func halfOpenClientsDoNotBlockOthers() async throws {
        try await withServer { server, _ in
            let port = server.port
            let idle = try await onThread { () -> [RawConnection] in
                try (0..<100).map { i in
                    let c = try RawConnection(port: port, timeout: 5)
                    if i % 2 == 0 { c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ") }
                    return c
                }
            }
            defer { idle.forEach { $0.shutdown() } }
            let ok = try await fetch(port, "GET", "/")
            #expect(ok.status == 200)
        }
    }

    /// The 431 answer's Content-Length is its body's length, so a client reads the whole message.
    @Test func answer431DeclaresItsBodyLength() throws {
        let text = String(decoding: HeadGate.response431, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        #expect(parts.count == 2)
        let declared = parts[0].components(separatedBy: "\r\n").first { $0.hasPrefix("Content-Length: ") }
            .flatMap { Int($0.dropFirst("Content-Length: ".count)) }
        #expect(declared == parts[1].utf8.count)
        #expect(parts[1] == "431 request header fields too large (32 KB)")
    }
}
