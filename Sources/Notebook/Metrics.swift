import Foundation

/// One value in metrics.json: a number, a string or a flag.
public enum MetricValue: Equatable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
                         ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case number(Double)
    case string(String)
    case bool(Bool)

    public init(floatLiteral v: Double) { self = .number(v) }
    public init(integerLiteral v: Int) { self = .number(Double(v)) }
    public init(stringLiteral v: String) { self = .string(v) }
    public init(booleanLiteral v: Bool) { self = .bool(v) }

    var json: Any {
        switch self {
        case .number(let d):
            if !d.isFinite { return NSNull() }   // JSON has no NaN or infinity
            if d == d.rounded() && abs(d) < 1e15 { return Int(d) }
            return d
        case .string(let s): return s
        case .bool(let b): return b
        }
    }
}

/// The numbers a chapter computed, written as
/// `{"chapter": N, "dataset": "...", "seed": S, "models": {NAME: {key: value}}}`.
/// Keys are snake_case and carry their unit: `test_elbo_nats`, `kl_bits`, `train_seconds`.
public struct Metrics {
    public var chapter: Int
    public var dataset: String
    public var seed: UInt64
    public var models: [String: [String: MetricValue]] = [:]
    /// Lists of records inside a model's entry, e.g. `models.vlae.iwae_curve = [{k, nll_nats}]`.
    public var modelLists: [String: [String: [[String: MetricValue]]]] = [:]
    /// Further top-level keys beside "models" (chapter 3: clean_bits, baselines, beta_sweep):
    /// any JSON value (numbers, strings, arrays and objects of them).
    public var extra: [String: Any] = [:]

    public init(chapter: Int, dataset: String, seed: UInt64) {
        self.chapter = chapter; self.dataset = dataset; self.seed = seed
    }

    /// Sets (or overwrites) values of one model: `metrics.record("factorized", ["test_elbo_nats": 93.2])`.
    public mutating func record(_ model: String, _ values: [String: MetricValue]) {
        models[model, default: [:]].merge(values) { _, new in new }
    }

    /// `metrics["factorized", "kl_bits"] = .number(12)`.
    public subscript(model: String, key: String) -> MetricValue? {
        get { models[model]?[key] }
        set { models[model, default: [:]][key] = newValue }
    }

    /// The JSON object.
    public var jsonObject: [String: Any] {
        let modelsObject = Dictionary(uniqueKeysWithValues: Set(models.keys).union(modelLists.keys).map { name -> (String, [String: Any]) in
            var entry: [String: Any] = (models[name] ?? [:]).mapValues(\.json)
            for (key, list) in modelLists[name] ?? [:] { entry[key] = list.map { $0.mapValues(\.json) } }
            return (name, entry)
        })
        var o: [String: Any] = ["chapter": chapter, "dataset": dataset, "seed": seed, "models": modelsObject]
        for (k, v) in extra where o[k] == nil { o[k] = v }
        return o
    }

    /// Pretty-printed JSON with sorted keys (stable diffs between runs).
    public func jsonData() throws -> Data {
        try JSONSerialization.data(withJSONObject: jsonObject, options: [.prettyPrinted, .sortedKeys])
    }

    /// Writes `metrics.json` into `directory`.
    public func write(toDirectory directory: String) throws {
        try writeBytes(Array(jsonData()), to: directory + "/metrics.json")
    }
}
