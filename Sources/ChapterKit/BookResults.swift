// What the book's chapters have written so far, read back from output/chapterN/metrics.json and
// report.json: chapter 9's results table and the `book` runner's summary use it.

import Foundation
import Notebook

/// One chapter's written results (nil fields: that file is missing or unreadable).
public struct ChapterResults {
    public let number: Int
    public let title: String
    /// `metrics.json`'s `models` object: model name → key → value (numbers as Double, others as text).
    public let models: [String: [String: MetricValue]]
    /// The top-level keys of metrics.json besides chapter, dataset, seed and models.
    public let extras: [String: MetricValue]
    public let dataset: String?
    /// What report.json says: when it ran, how long it took, its key numbers.
    public let report: ReportMeta?

    public var ran: Bool { report != nil || dataset != nil }

    /// A number of one model, e.g. `number("vlae", "kl_bits")`.
    public func number(_ model: String, _ key: String) -> Double? {
        if case .number(let v)? = models[model]?[key] { return v }
        return nil
    }

    /// The first key number of the report as one line, e.g. "Bits in z, factorized: 25.1 bits".
    public var keyNumber: String? {
        report?.keyNumbers.first.map { "\($0.label): \($0.value)" + ($0.unit.isEmpty ? "" : " \($0.unit)") }
    }

    /// Reads chapter `number`'s files under `outputRoot`.
    public static func read(_ number: Int, title: String, outputRoot: String) -> ChapterResults {
        let dir = "\(outputRoot)/chapter\(number)"
        var models: [String: [String: MetricValue]] = [:], extras: [String: MetricValue] = [:]
        var dataset: String?
        if let data = FileManager.default.contents(atPath: dir + "/metrics.json"),
           let file = try? JSONDecoder().decode([String: JSONScalarOrObject].self, from: data) {
            if case .scalar(.string(let d))? = file["dataset"] { dataset = d } else { dataset = "" }
            if case .object(let o)? = file["models"] {
                for (name, values) in o { if case .object(let v) = values { models[name] = v.compactMapValues { $0.scalar } } }
            }
            for (k, v) in file where !["chapter", "dataset", "seed", "models"].contains(k) {
                if let m = v.scalar { extras[k] = m }
            }
        }
        return ChapterResults(number: number, title: title, models: models, extras: extras, dataset: dataset,
                              report: ReportMeta.read(directory: dir))
    }

    /// Every chapter of the book, in order.
    public static func all(outputRoot: String, chapters: [(number: Int, title: String)] = Book.chapters) -> [ChapterResults] {
        chapters.map { read($0.number, title: $0.title, outputRoot: outputRoot) }
    }
}

/// A metrics.json value: a scalar, an object, or something else (arrays, null), which is kept as `.other`.
enum JSONScalarOrObject: Decodable {
    case scalar(MetricValue)
    case object([String: JSONScalarOrObject])
    case other

    var scalar: MetricValue? { if case .scalar(let v) = self { return v } else { return nil } }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .scalar(.bool(b)) }
        else if let d = try? c.decode(Double.self) { self = .scalar(.number(d)) }
        else if let s = try? c.decode(String.self) { self = .scalar(.string(s)) }
        else if let o = try? c.decode([String: JSONScalarOrObject].self) { self = .object(o) }
        else { self = .other }
    }
}
