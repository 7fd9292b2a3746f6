import Foundation
import FlyingFox
import FlyingSocks

/// Broadcasts Server-Sent Events to every connected client.
///
/// Each client is an `AsyncStream` of byte chunks that becomes a chunked HTTP body.
/// Published events are kept in a bounded replay buffer, so a client that connects
/// mid-run first receives the history so far. Events named in `latestOnly` (such as
/// `progress`) keep only their newest copy in the buffer. Every event carries an
/// `id: RUN-SEQ`; a browser that reconnects sends it back as `Last-Event-ID` and
/// receives only what it missed (or everything, if the server has restarted since).
final class EventHub: @unchecked Sendable {
    let runID: String
    let replayCapacity: Int
    let latestOnly: Set<String>

    private let lock = NSLock()
    private var seq = 0
    private var replay: [(seq: Int, name: String, bytes: [UInt8])] = []
    private var clients: [Int: AsyncStream<[UInt8]>.Continuation] = [:]
    private var nextClient = 0
    private var closed = false

    init(replayCapacity: Int, latestOnly: Set<String> = ["progress"]) {
        self.runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        self.replayCapacity = max(1, replayCapacity)
        self.latestOnly = latestOnly
    }

    var clientCount: Int { lock.withLock { clients.count } }

    /// Sends `event: NAME / data: JSON` to all clients and keeps it for replay.
    func publish(event: String, json: String) {
        let name = Self.clean(event)
        lock.withLock {
            seq += 1
            let bytes = Array(Self.frame(id: "\(runID)-\(seq)", event: name, data: json).utf8)
            if latestOnly.contains(name) {
                replay.removeAll { $0.name == name }
            }
            replay.append((seq, name, bytes))
            if replay.count > replayCapacity + replayCapacity / 8 {   // trim in batches
                replay.removeFirst(replay.count - replayCapacity)
            }
            for client in clients.values { client.yield(bytes) }
        }
    }

    /// Sends an SSE comment to every client; it keeps idle connections open and
    /// lets the server notice clients that have gone away.
    func keepAlive() {
        let bytes = Array(": keep-alive\n\n".utf8)
        lock.withLock { for client in clients.values { client.yield(bytes) } }
    }

    /// A new client: a `hello` event with the run id, then the replay, then live events.
    /// `lastEventID` is the browser's `Last-Event-ID` header, if any.
    func subscribe(lastEventID: String?) -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(
            bufferingPolicy: .bufferingNewest(4096))
        lock.withLock {
            guard !closed else { continuation.finish(); return }
            var after = 0
            if let last = lastEventID, let dash = last.lastIndex(of: "-"),
               last[..<dash] == runID, let n = Int(last[last.index(after: dash)...]) {
                after = n
            }
            var first = Array("retry: 2000\n\n".utf8)
            first += Array(Self.frame(id: nil, event: "hello",
                                      data: "{\"type\":\"hello\",\"run\":\"\(runID)\"}").utf8)
            for entry in replay where entry.seq > after { first += entry.bytes }
            continuation.yield(first)

            let id = nextClient
            nextClient += 1
            clients[id] = continuation
            continuation.onTermination = { [weak self] _ in self?.remove(id) }
        }
        return stream
    }

    /// Ends every client stream; later subscribers get an empty stream.
    func close() {
        let all: [AsyncStream<[UInt8]>.Continuation] = lock.withLock {
            closed = true
            defer { clients.removeAll() }
            return Array(clients.values)
        }
        for client in all { client.finish() }
    }

    /// Accepts subscribers again after `close()` (a server started a second time).
    func reopen() {
        lock.withLock { closed = false }
    }

    private func remove(_ id: Int) {
        lock.withLock { _ = clients.removeValue(forKey: id) }
    }

    static func frame(id: String?, event: String, data: String) -> String {
        var out = ""
        if let id { out += "id: \(id)\n" }
        out += "event: \(event)\n"
        // A newline inside data must start a new `data:` line.
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "data: \(line.replacingOccurrences(of: "\r", with: ""))\n"
        }
        return out + "\n"
    }

    /// Event names are one line of plain characters.
    static func clean(_ name: String) -> String {
        let kept = name.filter { $0 != "\n" && $0 != "\r" && $0 != ":" }
        return kept.isEmpty ? "message" : kept
    }
}

/// Adapts a stream of byte chunks to FlyingFox's buffered sequence, for a chunked body.
struct ChunkStream: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8
    let stream: AsyncStream<[UInt8]>

    func makeAsyncIterator() -> Iterator { Iterator(base: stream.makeAsyncIterator()) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var base: AsyncStream<[UInt8]>.AsyncIterator
        var pending: ArraySlice<UInt8> = []

        mutating func next() async throws -> UInt8? {
            guard let buffer = try await nextBuffer(suggested: 1) else { return nil }
            return buffer.first
        }

        /// The next chunk (up to `count` bytes); suspends until one is published.
        mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
            while pending.isEmpty {
                guard let chunk = await base.next() else { return nil }
                pending = chunk[...]
            }
            let n = Swift.min(Swift.max(count, 1), pending.count)
            defer { pending = pending.dropFirst(n) }
            return pending.prefix(n)
        }
    }
}
