// A one-line progress bar for the terminal: epoch, step, loss terms, speed and time left.
// Redrawn in place (carriage return) at most a few times a second; on a non-terminal (CI logs)
// it prints one line per epoch instead.

import Foundation
import VLAE

public final class ProgressBar {
    let label: String
    var lastDraw = Date.distantPast
    let interactive = isatty(STDERR_FILENO) != 0
    var lastLength = 0

    public init(_ label: String) { self.label = label }

    public func update(_ s: StepInfo) {
        let now = Date()
        let endOfEpoch = s.step == s.stepsPerEpoch
        guard (interactive && now.timeIntervalSince(lastDraw) > 0.2) || endOfEpoch else { return }
        lastDraw = now
        let frac = Double((s.epoch - 1) * s.stepsPerEpoch + s.step) / Double(s.epochs * s.stepsPerEpoch)
        let width = 24
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "%@ %@ epoch %d/%d step %d/%d  -ELBO %.2f  KL %.2f nats  %.0f img/s  ETA %@",
                          label, bar, s.epoch, s.epochs, s.step, s.stepsPerEpoch, s.reconstruction + s.kl, s.kl,
                          s.imagesPerSecond, formatDuration(s.eta))
        if interactive {
            let pad = max(0, lastLength - line.count)
            FileHandle.standardError.write(Data(("\r" + line + String(repeating: " ", count: pad)).utf8))
            lastLength = line.count
        } else if endOfEpoch {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// A generic "done of total" line (evaluation loops).
    public func update(done: Int, total: Int, unit: String = "images") {
        let now = Date()
        guard (interactive && now.timeIntervalSince(lastDraw) > 0.2) || done == total else { return }
        lastDraw = now
        let line = "\(label): \(done)/\(total) \(unit)"
        if interactive {
            FileHandle.standardError.write(Data(("\r" + line + String(repeating: " ", count: max(0, lastLength - line.count))).utf8))
            lastLength = line.count
        }
    }

    public func finish(_ message: String) {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        print(message)
    }
}

public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "--" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
         : s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
}

/// A number for prose: fixed digits.
public func fmt(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }

/// A value and how long it took to compute.
public struct Timed<T: Codable>: Codable {
    public var value: T
    public var seconds: Double
}

public func timed<T: Codable>(_ body: () throws -> T) rethrows -> Timed<T> {
    let start = Date()
    let v = try body()
    return Timed(value: v, seconds: Date().timeIntervalSince(start))
}
