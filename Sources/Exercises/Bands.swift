// The tolerance bands of the end-to-end runs, measured over seeds 1, 2 and 3 by
// `swift run exercises measure-bands` and kept in records/exercise-bands.json with the date,
// the machine's load and each run's time. A band is the three seeds' mean plus or minus
// max(3 standard deviations, 1% of the mean): three seeds lie inside it by construction (none
// is more than 1.2 standard deviations from their mean), the 1% floor leaves room for the
// float differences of another CPU, and a planted mistake moves the numbers far more.

import Foundation

/// The package root, from this file's compile-time path (Sources/Exercises/Bands.swift).
public let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

public struct RunRecord: Codable, Sendable {
    /// Each key number's value for seeds 1, 2, 3.
    public var values: [String: [Double]]
    /// Wall-clock seconds of each seed's run (a child process: data, training, measurement).
    public var seconds: [Double]
    public init(values: [String: [Double]], seconds: [Double]) { self.values = values; self.seconds = seconds }
}

public struct BandRecord: Codable, Sendable {
    /// When and where the bands were measured.
    public var measured: String
    public var loadAverage: String
    public var runs: [String: RunRecord]
    /// Seconds of each exercise's checks (a child process), by exercise number.
    public var checkSeconds: [String: Double]

    public init(measured: String, loadAverage: String, runs: [String: RunRecord], checkSeconds: [String: Double]) {
        self.measured = measured; self.loadAverage = loadAverage; self.runs = runs; self.checkSeconds = checkSeconds
    }

    public static var path: String { packageRoot + "/records/exercise-bands.json" }

    public static func load() -> BandRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(BandRecord.self, from: data)
    }

    public func write() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(self).write(to: URL(fileURLWithPath: BandRecord.path), options: .atomic)
    }

    /// An exercise's measured time on this machine: its checks plus the mean of its run's seeds.
    public func seconds(of e: Exercise) -> Double? {
        guard let c = checkSeconds[String(e.number)], let r = runs[e.run.rawValue], !r.seconds.isEmpty else { return nil }
        return c + r.seconds.reduce(0, +) / Double(r.seconds.count)
    }
}

public struct Band: Sendable {
    public var centre: Double, halfWidth: Double
    public var low: Double { centre - halfWidth }
    public var high: Double { centre + halfWidth }
    public func contains(_ v: Double) -> Bool { v.isFinite && abs(v - centre) <= halfWidth }

    /// mean +- max(3 sd, 1% of |mean|) of the seeds' values.
    public init(_ values: [Double]) {
        let n = Double(values.count)
        centre = values.reduce(0, +) / n
        let c = centre
        let sd = n > 1 ? (values.reduce(0) { $0 + ($1 - c) * ($1 - c) } / (n - 1)).squareRoot() : 0
        halfWidth = max(3 * sd, 0.01 * abs(centre))
    }
}
