import Foundation
import FlyingFox
import FlyingSocks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the server could not start. `description` is one line, fit for stderr.
public enum PlotServerError: Error, CustomStringConvertible, Equatable {
    case portInUse(host: String, port: UInt16)
    case badHost(String)
    case cannotListen(host: String, port: UInt16, reason: String)
    case notStarted

    public var description: String {
        switch self {
        case let .portInUse(_, port):
            return "port \(port) is in use: stop the other server or pass --port \(port == UInt16.max ? port - 1 : port + 1)"
        case let .badHost(host):
            return "cannot listen on host '\(host)': give an IPv4 or IPv6 address such as 127.0.0.1"
        case let .cannotListen(host, port, reason):
            return "cannot listen on \(host):\(port): \(reason)"
        case .notStarted:
            return "the server did not start within 10 s"
        }
    }
}

/// The book's embedded HTTP server: static files from the output folder, a live
/// page at `/live/`, and Server-Sent Events at `/events`.
///
///     let server = PlotServer(root: "output", port: 8000)
///     try await server.start()
///     server.publish(event: "log", json: #"{"type":"log","text":"hello"}"#)
///     await server.stop()
///
/// Routes (GET and HEAD only; anything else is 405):
/// - `/events`: the event stream, one per server (history replayed on connect).
/// - `/live/`: the live page (`LivePage.html`), title and chapter set by `setLivePage`.
/// - anything else: a file under `root`; a folder serves its `index.html`.
public final class PlotServer: @unchecked Sendable {
    public let host: String
    /// The port asked for; 0 picks a free one (read `port` after `start()`).
    public let requestedPort: UInt16
    /// The resolved root folder.
    public var root: String { files.root }

    private let files: StaticFiles
    private let hub: EventHub
    private let keepAliveInterval: Double
    private let lock = NSLock()
    private var http: HTTPServer?
    private var runTask: Task<Void, Never>?
    private var keepAliveTask: Task<Void, Never>?
    private var gate: HeadGate?
    private var boundPort: UInt16?
    private var livePage: String = LivePage.html(title: "Live run", chapter: 0)

    /// - Parameters:
    ///   - root: the folder to serve (the book's `output` folder).
    ///   - host: the address to bind; anything but loopback prints a warning.
    ///   - port: the TCP port; 0 picks a free one.
    ///   - replayCapacity: how many events a late subscriber is sent first.
    ///   - keepAliveInterval: seconds between SSE keep-alive comments.
    public init(root: String, host: String = "127.0.0.1", port: UInt16 = 8000,
                replayCapacity: Int = 20_000, keepAliveInterval: Double = 15) {
        self.host = host
        self.requestedPort = port
        self.files = StaticFiles(root: root)
        self.hub = EventHub(replayCapacity: replayCapacity)
        self.keepAliveInterval = keepAliveInterval
    }

    /// The bound port once started (the requested one before).
    public var port: UInt16 { lock.withLock { boundPort ?? requestedPort } }

    /// The base URL, e.g. `http://127.0.0.1:8000/`.
    public var url: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return "http://\(shown):\(port)/"
    }

    /// How many event-stream clients are connected now.
    public var clientCount: Int { hub.clientCount }

    /// Sets the title and chapter of the page served at `/live/`.
    public func setLivePage(title: String, chapter: Int) {
        let page = LivePage.html(title: title, chapter: chapter)
        lock.withLock { livePage = page }
    }

    /// Broadcasts one event (`event: NAME`, `data: JSON`) to every client and keeps
    /// it for late subscribers. Cheap and synchronous; safe from any thread.
    public func publish(event: String, json: String) {
        hub.publish(event: event, json: json)
    }

    /// Binds and starts serving; returns once listening.
    /// Throws `PlotServerError.portInUse` when the port is taken.
    public func start() async throws {
        if lock.withLock({ http != nil }) { return }
        hub.reopen()
        let address = try Self.address(host: host, port: requestedPort)
        if !Self.isLoopback(host) {
            FileHandle.standardError.write(Data(
                "warning: serving \(root) on \(host), reachable from other machines\n".utf8))
        }
        // The public socket first, so a port in use fails fast and clearly. It is the gate's
        // (HeadGate.swift), which bounds request heads before FlyingFox reads them; FlyingFox
        // listens privately.
        let publicSocket: Socket
        do { publicSocket = try Self.listen(address) } catch { throw Self.mapError(error, host: host, port: requestedPort) }
        let privateAddress = sockaddr_un.unix(abstractNamespace: "plotserver-\(getpid())-\(UUID().uuidString)")
        let server = HTTPServer(address: privateAddress, timeout: 30, logger: .disabled, handler: Router(owner: self))
        let failure = FailureBox()
        let task = Task {
            do { try await server.run() } catch { failure.set(error) }
        }
        lock.withLock { http = server; runTask = task }

        let deadline = Date().addingTimeInterval(10)
        while await !server.isListening {
            if let error = failure.get() {
                lock.withLock { http = nil; runTask = nil }
                try? publicSocket.close()
                throw Self.mapError(error, host: host, port: requestedPort)
            }
            if Date() > deadline {
                task.cancel()
                lock.withLock { http = nil; runTask = nil }
                try? publicSocket.close()
                throw PlotServerError.notStarted
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        let gate: HeadGate
        do {
            gate = try HeadGate(listeningOn: publicSocket, upstream: privateAddress)
            try await gate.start()
        } catch {
            try? publicSocket.close()
            await server.stop(timeout: 0.1)
            await task.value
            lock.withLock { http = nil; runTask = nil }
            throw Self.mapError(error, host: host, port: requestedPort)
        }
        let actual = gate.port
        let hub = self.hub, interval = keepAliveInterval
        let keepAlive = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                if Task.isCancelled { break }
                hub.keepAlive()
            }
        }
        lock.withLock { boundPort = actual; keepAliveTask = keepAlive; self.gate = gate }
    }

    /// Stops listening, ends every event stream and closes all connections.
    public func stop() async {
        let (server, task, keepAlive, gate) = lock.withLock { () -> (HTTPServer?, Task<Void, Never>?, Task<Void, Never>?, HeadGate?) in
            defer { http = nil; runTask = nil; keepAliveTask = nil; self.gate = nil }
            return (http, runTask, keepAliveTask, self.gate)
        }
        keepAlive?.cancel()
        hub.close()
        await server?.stop(timeout: 0.1)   // closes its connections, which ends the gate's copies
        await task?.value
        await gate?.stop()
    }

    // MARK: - Requests

    fileprivate func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            return Self.plain(.methodNotAllowed, "405 method not allowed\n",
                              extra: [HTTPHeader("Allow"): "GET, HEAD"], head: false)
        }
        let head = request.method == .HEAD
        let raw = request.target.path()
        switch raw {
        case "/events":
            return events(request, head: head)
        case "/live":
            return Self.redirect("/live/", head: head)
        case "/live/", "/live/index.html":
            let page = lock.withLock { livePage }
            return Self.body(Data(page.utf8), type: "text/html; charset=utf-8",
                             extra: [.cacheControl: "no-cache"], head: head)
        default:
            return serveFile(request, raw: raw, head: head)
        }
    }

    private func events(_ request: HTTPRequest, head: Bool) -> HTTPResponse {
        var headers: HTTPHeaders = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
            HTTPHeader("X-Accel-Buffering"): "no",
        ]
        if head { return HTTPResponse(statusCode: .ok, headers: headers) }
        headers[.connection] = "keep-alive"
        let stream = hub.subscribe(lastEventID: request.headers[HTTPHeader("Last-Event-ID")])
        return HTTPResponse(statusCode: .ok, headers: headers,
                            body: HTTPBodySequence(from: ChunkStream(stream: stream),
                                                   suggestedBufferSize: 64 * 1024))
    }

    private func serveFile(_ request: HTTPRequest, raw: String, head: Bool) -> HTTPResponse {
        switch files.resolve(rawPath: raw) {
        case .forbidden:
            return Self.plain(.forbidden, "403 forbidden\n", head: head)
        case .notFound:
            return Self.plain(.notFound, "404 not found\n", head: head)
        case let .redirect(location):
            return Self.redirect(location, head: head)
        case let .file(path):
            var info = stat()
            guard stat(path, &info) == 0 else {
                return Self.plain(.notFound, "404 not found\n", head: head)
            }
            let size = Int(info.st_size)
            #if canImport(Darwin)
            let mtime = Int(info.st_mtimespec.tv_sec)
            let mtimeNanos = Int(info.st_mtimespec.tv_nsec)
            #else
            let mtime = Int(info.st_mtim.tv_sec)
            let mtimeNanos = Int(info.st_mtim.tv_nsec)
            #endif
            let etag = "\"\(String(size, radix: 16))-\(String(mtime, radix: 16))-\(String(mtimeNanos, radix: 16))\""
            let lastModified = Self.httpDate(mtime)
            var headers: HTTPHeaders = [
                .contentType: StaticFiles.mimeType(for: path),
                .cacheControl: StaticFiles.cacheControl(for: path),
                .eTag: etag,
                .lastModified: lastModified,
                HTTPHeader("X-Content-Type-Options"): "nosniff",
            ]
            let notModified: Bool
            if let match = request.headers[.ifNoneMatch] {
                notModified = match.split(separator: ",").contains {
                    let tag = $0.trimmingCharacters(in: .whitespaces)
                    return tag == etag || tag == "W/" + etag || tag == "*"
                }
            } else {
                notModified = request.headers[.ifModifiedSince] == lastModified
            }
            if notModified {
                return HTTPResponse(statusCode: .notModified, headers: headers)
            }
            if head {
                headers[.contentLength] = String(size)
                return HTTPResponse(statusCode: .ok, headers: headers)
            }
            do {
                let body = try HTTPBodySequence(file: URL(fileURLWithPath: path),
                                                suggestedBufferSize: 64 * 1024)
                return HTTPResponse(statusCode: .ok, headers: headers, body: body)
            } catch {
                return Self.plain(.notFound, "404 not found\n", head: head)
            }
        }
    }

    // MARK: - Helpers

    private static func body(_ data: Data, type: String, status: HTTPStatusCode = .ok,
                             extra: HTTPHeaders = [:], head: Bool) -> HTTPResponse {
        var headers = extra
        headers[.contentType] = type
        if head {
            headers[.contentLength] = String(data.count)
            return HTTPResponse(statusCode: status, headers: headers)
        }
        return HTTPResponse(statusCode: status, headers: headers, body: data)
    }

    private static func plain(_ status: HTTPStatusCode, _ text: String,
                              extra: HTTPHeaders = [:], head: Bool) -> HTTPResponse {
        body(Data(text.utf8), type: "text/plain; charset=utf-8", status: status,
             extra: extra, head: head)
    }

    private static func redirect(_ location: String, head: Bool) -> HTTPResponse {
        body(Data("moved to \(location)\n".utf8), type: "text/plain; charset=utf-8",
             status: .movedPermanently, extra: [.location: location], head: head)
    }

    /// An HTTP date (RFC 9110), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ seconds: Int) -> String {
        var t = time_t(seconds), parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(1900 + parts.tm_year) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// An IPv4 or IPv6 socket address.
    enum BindAddress {
        case v4(sockaddr_in)
        case v6(sockaddr_in6)
    }

    static func address(host: String, port: UInt16) throws -> BindAddress {
        do {
            if host == "localhost" { return .v4(try .inet(ip4: "127.0.0.1", port: port)) }
            if host.contains(":") { return .v6(try .inet6(ip6: host, port: port)) }
            return .v4(try .inet(ip4: host, port: port))
        } catch {
            throw PlotServerError.badHost(host)
        }
    }

    /// A listening socket on the public address (closed again if it cannot bind or listen).
    static func listen(_ address: BindAddress) throws -> Socket {
        func listening(_ domain: Int32, _ a: some SocketAddress) throws -> Socket {
            let s = try Socket(domain: domain)
            do {
                try s.setValue(true, for: .localAddressReuse)
                try s.bind(to: a)
                try s.listen()
            } catch {
                try? s.close()
                throw error
            }
            return s
        }
        switch address {
        case let .v4(a): return try listening(AF_INET, a)
        case let .v6(a): return try listening(AF_INET6, a)
        }
    }

    static func mapError(_ error: Error, host: String, port: UInt16) -> Error {
        if let e = error as? PlotServerError { return e }
        if case let .failed(_, code, message)? = error as? SocketError {
            if code == EADDRINUSE { return PlotServerError.portInUse(host: host, port: port) }
            return PlotServerError.cannotListen(host: host, port: port, reason: message)
        }
        return PlotServerError.cannotListen(host: host, port: port, reason: "\(error)")
    }
}

/// Hands every request to the server's `handle`.
private struct Router: HTTPHandler {
    let owner: PlotServer
    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        await owner.handle(request)
    }
}

/// The run task's error, read by `start()` while it waits for the socket.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    func set(_ e: Error) { lock.withLock { error = e } }
    func get() -> Error? { lock.withLock { error } }
}
