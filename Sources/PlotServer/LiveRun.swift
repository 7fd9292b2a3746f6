import Foundation

/// What a training loop calls to show its progress on the live page, without JSON.
///
///     let live = LiveRun(server: server, title: "Binarized MNIST", chapter: 1)
///     for step in 0..<steps {
///         live.metric(chart: "ELBO", series: "train_elbo_nats", x: Double(step), y: elbo)
///         live.progress(text: "epoch \(epoch)/10 step \(step)", fraction: Double(step) / Double(steps))
///     }
///     live.done(reportURL: "/chapter1/index.html")
///
/// Cheap enough for every step: points of one series that arrive faster than
/// `minInterval` seconds apart are averaged into one point (at the last x), and
/// progress lines are thinned the same way. `flush()` and `done` send what is held back.
public final class LiveRun: @unchecked Sendable {
    public let server: PlotServer
    public let minInterval: Double

    private struct Pending { var x = 0.0, sum = 0.0, count = 0, lastSent = -Double.infinity }
    private let lock = NSLock()
    private var pending: [String: Pending] = [:]           // key: chart + "\u{1}" + series
    private var pendingProgress: (text: String, fraction: Double?)?
    private var lastProgress = -Double.infinity
    private let clock = Date()

    /// Also sets the `/live/` page's title and chapter.
    public init(server: PlotServer, title: String, chapter: Int, minInterval: Double = 0.2) {
        self.server = server
        self.minInterval = minInterval
        server.setLivePage(title: title, chapter: chapter)
    }

    private var now: Double { Date().timeIntervalSince(clock) }

    /// Adds a point (x, y) to `series` in the chart titled `chart`.
    public func metric(chart: String, series: String, x: Double, y: Double) {
        let key = chart + "\u{1}" + series
        let t = now
        let send: (x: Double, y: Double)? = lock.withLock {
            var p = pending[key] ?? Pending()
            p.x = x; p.sum += y; p.count += 1
            defer { pending[key] = p }
            guard t - p.lastSent >= minInterval else { return nil }
            let out = (x, p.sum / Double(p.count))
            p.sum = 0; p.count = 0; p.lastSent = t
            return out
        }
        if let (x, y) = send { sendMetric(chart: chart, series: series, x: x, y: y) }
    }

    /// Sets the progress line; `fraction` in 0...1 fills the bar.
    public func progress(text: String, fraction: Double? = nil) {
        let t = now
        let send: Bool = lock.withLock {
            if t - lastProgress >= minInterval || (fraction ?? 0) >= 1 {
                lastProgress = t; pendingProgress = nil
                return true
            }
            pendingProgress = (text, fraction)
            return false
        }
        if send { sendProgress(text: text, fraction: fraction) }
    }

    /// Appends a line to the page's log (never thinned).
    public func log(_ text: String) {
        server.publish(event: "log", json: #"{"type":"log","text":\#(Self.quote(text))}"#)
    }

    /// Sends every point and progress line still held back.
    public func flush() {
        let (points, progress) = lock.withLock { () -> ([(String, Double, Double)], (text: String, fraction: Double?)?) in
            var out: [(String, Double, Double)] = []
            for (key, p) in pending where p.count > 0 {
                out.append((key, p.x, p.sum / Double(p.count)))
                pending[key]?.sum = 0; pending[key]?.count = 0
            }
            defer { pendingProgress = nil }
            return (out, pendingProgress)
        }
        for (key, x, y) in points.sorted(by: { $0.0 < $1.0 }) {
            let parts = key.split(separator: "\u{1}", maxSplits: 1, omittingEmptySubsequences: false)
            sendMetric(chart: String(parts[0]), series: String(parts[1]), x: x, y: y)
        }
        if let p = progress { sendProgress(text: p.text, fraction: p.fraction) }
    }

    /// Flushes, then tells the page to open the final report at `reportURL`
    /// (a path on this server such as `/chapter1/index.html`).
    public func done(reportURL: String) {
        flush()
        server.publish(event: "done", json: #"{"type":"done","url":\#(Self.quote(reportURL))}"#)
    }

    private func sendMetric(chart: String, series: String, x: Double, y: Double) {
        server.publish(event: "metric", json:
            #"{"type":"metric","chart":\#(Self.quote(chart)),"series":\#(Self.quote(series)),"x":\#(Self.number(x)),"y":\#(Self.number(y))}"#)
    }

    private func sendProgress(text: String, fraction: Double?) {
        let f = fraction.map(Self.number) ?? "null"
        server.publish(event: "progress", json:
            #"{"type":"progress","text":\#(Self.quote(text)),"fraction":\#(f)}"#)
    }

    /// A JSON number; NaN and infinities (not JSON) become null.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// A JSON string literal.
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029:
                out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
