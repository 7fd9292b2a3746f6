import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deliberately plain HTTP/1.1 client over a TCP socket to 127.0.0.1: it sends
/// the request line exactly as written (no path normalisation, unlike URLSession),
/// and runs on its own thread so blocking reads never starve the server's tasks.
///
/// The receive timeout only bounds how long a broken server can stall a test; a read normally
/// ends at EOF (`Connection: close`) or when `done` holds. It is generous because `swift test`
/// runs the CPU-heavy model tests beside these ones on two cores, which can keep the server's
/// tasks from being scheduled for seconds (a 3 s timeout once failed the first fetch in CI).
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    /// Whether the last `read` ended because the server closed the connection (not because
    /// the receive timeout ran out or `done` held).
    private(set) var sawEOF = false

    init(port: UInt16, timeout: Double = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawError("socket failed") }
        var tv = timeval()
        tv.tv_sec = .init(timeout)
        tv.tv_usec = .init((timeout - floor(timeout)) * 1e6)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { close(fd); throw RawError("connect failed: \(errno)") }
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Reads until `done(received)` holds, EOF, or the receive timeout.
    func read(until done: (Data) -> Bool = { _ in false }) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        sawEOF = false
        while !done(data) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { sawEOF = true }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }

    func shutdown() { close(fd) }
}

struct RawError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A parsed response: status, lower-cased headers, body (de-chunked).
struct RawResponse {
    var status = 0
    var headers: [String: String] = [:]
    var body = Data()
    var text: String { String(decoding: body, as: UTF8.self) }

    init(_ data: Data) {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { return }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        body = Data(data[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = Self.dechunk(body) }
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data(), rest = data[...]
        while let crlf = rest.range(of: Data("\r\n".utf8)),
              let size = Int(String(decoding: rest[..<crlf.lowerBound], as: UTF8.self), radix: 16),
              size > 0, rest.count >= crlf.upperBound - rest.startIndex + size {
            let start = crlf.upperBound
            out.append(rest[start..<start + size])
            rest = rest[(start + size)...].dropFirst(2)
        }
        return out
    }
}

/// Runs blocking work on a fresh thread.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// One request on a fresh connection (`Connection: close`), sent verbatim.
func fetch(_ port: UInt16, _ method: String, _ target: String,
           headers: [String: String] = [:]) async throws -> RawResponse {
    try await onThread {
        let c = try RawConnection(port: port)
        defer { c.shutdown() }
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (k, v) in headers { request += "\(k): \(v)\r\n" }
        c.send(request + "\r\n")
        return RawResponse(c.read())
    }
}
