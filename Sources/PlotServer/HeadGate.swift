// The front door: bounds the size of request heads before FlyingFox sees them.
//
// FlyingFox 0.27.1 reads a request head with no size limit, and offers no hook before it has
// parsed the whole head: a client sending a 200 KB header was never answered (issue 13). So the
// public socket is ours. For every connection the gate reads what the client sends, passes on
// each request head whole once its blank line has arrived, and answers
// `431 Request Header Fields Too Large` itself (then closes) when a head grows past `limit`
// bytes. Everything else is copied through unchanged, both ways, to FlyingFox, which listens
// on a private Unix socket (Linux abstract namespace: no file, nothing to clean up).
//
// The server takes GET and HEAD only, which carry no body; after a head that announces a body
// (Content-Length or Transfer-Encoding) the rest of the connection is copied through as is.

import Foundation
import FlyingFox
import FlyingSocks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class HeadGate: @unchecked Sendable {
    /// Largest request head passed on, bytes (request line and headers).
    static let limit = 32 * 1024

    static let response431: [UInt8] = {
        let body = "431 request header fields too large (\(limit / 1024) KB)"
        return Array((
            "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        ).utf8)
    }()

    let listener: Socket
    let upstream: sockaddr_un
    let port: UInt16
    private var task: Task<Void, Never>?
    private let lock = NSLock()
    private var isStopping = false
    var stopping: Bool { lock.withLock { isStopping } }

    /// Accept on `listener` (bound and listening on the server's public address); pass heads
    /// on to `upstream`.
    init(listeningOn listener: Socket, upstream: sockaddr_un) throws {
        self.listener = listener
        self.upstream = upstream
        switch try listener.sockname() {
        case let .ip4(_, port): self.port = port
        case let .ip6(_, port): self.port = port
        default: self.port = 0
        }
    }

    func start() async throws {
        let pool = HTTPServer.defaultPool()
        try await pool.prepare()
        let accepting = try AsyncSocket(socket: listener, pool: pool)
        task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await pool.run() }
                group.addTask {
                    await withTaskGroup(of: Void.self) { connections in
                        // An accept that fails (out of file descriptors, a connection reset
                        // before it was taken) must not end the server: retry until stopped.
                        while !Task.isCancelled && !self.stopping {
                            do {
                                for try await client in accepting.sockets {
                                    connections.addTask { await HeadGate.serve(client, upstream: self.upstream, pool: pool) }
                                }
                            } catch {}
                            try? await Task.sleep(nanoseconds: 10_000_000)
                        }
                        connections.cancelAll()
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Stop accepting and end every connection.
    func stop() async {
        lock.withLock { isStopping = true }
        HeadGate.shutdownBoth(listener)   // wakes the accept loop
        task?.cancel()
        await task?.value
        try? listener.close()
    }

    static func serve(_ client: AsyncSocket, upstream: sockaddr_un, pool: some AsyncSocketPool) async {
        // The first whole head, before anything is opened upstream: a client that connects and
        // sends nothing (or half a head) costs one socket, not three.
        var meter = HeadMeter()
        var first: [UInt8] = []
        while first.isEmpty {
            guard let chunk = try? await client.read(atMost: 16 * 1024), !chunk.isEmpty else { try? client.close(); return }
            switch meter.feed(chunk) {
            case .pass(let bytes): first = bytes
            case .tooLarge:
                await answer431(client)
                try? client.close()
                return
            }
        }
        guard let up = try? await connect(upstream, pool: pool), (try? await up.write(Data(first))) != nil else {
            try? client.close(); return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {   // client -> server, head by head
                var meter = meter
                while let chunk = try? await client.read(atMost: 16 * 1024), !chunk.isEmpty {
                    switch meter.feed(chunk) {
                    case .pass(let bytes):
                        if !bytes.isEmpty { guard (try? await up.write(Data(bytes))) != nil else { return } }
                    case .tooLarge:
                        await answer431(client)
                        return
                    }
                }
            }
            group.addTask {   // server -> client, as it comes
                while let chunk = try? await up.read(atMost: 64 * 1024), !chunk.isEmpty {
                    guard (try? await client.write(Data(chunk))) != nil else { return }
                }
            }
            // Either side done: shut both sockets down, which wakes the other copy (its read
            // ends), and wait for it before the sockets are closed, once each.
            await group.next()
            shutdownBoth(client.socket)
            shutdownBoth(up.socket)
            await group.next()
        }
        try? up.close()
        try? client.close()
    }

    /// Bytes and seconds a refused client may still send after its 431 before the gate closes.
    static let lingerBytes = 1 << 20
    static let lingerNanoseconds: UInt64 = 2_000_000_000

    /// Answer 431 without losing the answer: closing a socket whose client is still sending (the
    /// rest of its oversized head) makes the kernel reset the connection, and a reset discards the
    /// answer from the client's receive buffer before the client reads it; under load that race
    /// was lost. So the gate answers, half-closes (the client reads the answer, then end of
    /// stream), and reads and drops what the client still sends, for at most `lingerBytes` or
    /// `lingerNanoseconds`, before the caller closes the socket: Apache's "lingering close".
    static func answer431(_ client: AsyncSocket) async {
        _ = try? await client.write(Data(response431))
        _ = shutdown(client.socket.file.rawValue, Int32(SHUT_WR))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var drained = 0
                while drained < lingerBytes, let chunk = try? await client.read(atMost: 64 * 1024), !chunk.isEmpty {
                    drained += chunk.count
                }
            }
            group.addTask { try? await Task.sleep(nanoseconds: lingerNanoseconds) }
            await group.next()
            group.cancelAll()
            _ = shutdown(client.socket.file.rawValue, Int32(SHUT_RD))   // wakes the drain if it still waits
        }
    }

    static func shutdownBoth(_ socket: Socket) {
        _ = shutdown(socket.file.rawValue, Int32(SHUT_RDWR))
    }

    static func connect(_ address: sockaddr_un, pool: some AsyncSocketPool) async throws -> AsyncSocket {
        let socket = try Socket(domain: AF_UNIX, type: .stream)
        let s = try AsyncSocket(socket: socket, pool: pool)
        try await s.connect(to: address)
        return s
    }
}

/// Splits the client's bytes into whole request heads (passed on at once) and a pending tail;
/// a pending tail longer than the limit is a head too large.
struct HeadMeter {
    enum Verdict: Equatable { case pass([UInt8]), tooLarge }
    var limit = HeadGate.limit
    private var pending: [UInt8] = []
    /// After a head announcing a body: copy everything through.
    private(set) var passThrough = false

    mutating func feed(_ chunk: [UInt8]) -> Verdict {
        if passThrough { return .pass(chunk) }
        let searchFrom = max(0, pending.count - 3)
        pending += chunk
        var out: [UInt8] = []
        var start = 0
        var i = searchFrom
        while i + 3 < pending.count {
            if pending[i] == 13, pending[i + 1] == 10, pending[i + 2] == 13, pending[i + 3] == 10 {
                let head = pending[start..<(i + 4)]
                if head.count > limit { return .tooLarge }
                out += head
                start = i + 4
                if Self.announcesBody(head) {
                    passThrough = true
                    out += pending[start...]
                    pending = []
                    return .pass(out)
                }
                i = start
            } else {
                i += 1
            }
        }
        pending.removeFirst(start)
        if pending.count > limit { return .tooLarge }
        return .pass(out)
    }

    static func announcesBody(_ head: ArraySlice<UInt8>) -> Bool {
        let text = String(decoding: head, as: UTF8.self).lowercased()
        if text.contains("\ntransfer-encoding:") { return true }
        guard let r = text.range(of: "\ncontent-length:") else { return false }
        let value = text[r.upperBound...].prefix { $0 != "\r" && $0 != "\n" }.trimmingCharacters(in: .whitespaces)
        return (Int(value) ?? 1) > 0
    }
}
