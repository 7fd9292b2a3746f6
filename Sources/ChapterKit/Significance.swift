// The book's one rule for stating a direction: a difference is called up or down only where it
// exceeds twice its standard error; otherwise the page says it is within the noise. Every chapter
// that compares two measured numbers in words goes through `Difference`, so the rule is written
// (and tested, Tests/ChapterKitTests/SignificanceTests.swift) once.

import Foundation

/// A measured difference (a - b, or a value against a bar) and its standard error.
public struct Difference: Sendable, Equatable {
    public var mean: Double
    public var se: Double
    /// How many standard errors a direction needs: about two.
    public static let bar = 2.0

    public init(_ mean: Double, se: Double) { self.mean = mean; self.se = se }

    /// The paired per-item difference a - b (the same digits scored twice).
    public init(paired a: [Double], _ b: [Double]) {
        let d = pairedDifference(a, b)
        self.init(d.mean, se: d.se)
    }

    /// Two proportions p1, p2 measured on n1 and n2 items, treated as independent (conservative
    /// when the items are the same ones, whose errors tend to go together).
    public static func proportions(_ p1: Double, _ p2: Double, n1: Int, n2: Int) -> Difference {
        Difference(p1 - p2, se: (proportionVariance(p1, n1) + proportionVariance(p2, n2)).squareRoot())
    }

    /// A proportion p over n items against a fixed bar (a target, not a measurement).
    public static func proportion(_ p: Double, against bar: Double, n: Int) -> Difference {
        Difference(p - bar, se: proportionVariance(p, n).squareRoot())
    }

    /// Two independent measurements, each with its own standard error.
    public static func independent(_ a: Double, seA: Double, _ b: Double, seB: Double) -> Difference {
        Difference(a - b, se: (seA * seA + seB * seB).squareRoot())
    }

    static func proportionVariance(_ p: Double, _ n: Int) -> Double { p * (1 - p) / Double(max(n, 1)) }

    /// |mean| in standard errors (infinite for a non-zero difference with no spread, 0 for none).
    public var standardErrors: Double {
        se > 0 ? abs(mean) / se : (mean == 0 ? 0 : .infinity)
    }
    /// Whether the difference is large enough to state its direction.
    public var isClear: Bool { standardErrors > Difference.bar }
    public var direction: Direction { !isClear ? .withinNoise : mean > 0 ? .up : .down }

    public enum Direction: String, Sendable { case up, down, withinNoise = "within the noise" }

    /// "more than twice its standard error of 0.12 nats over these 500 digits" or "less than twice
    /// ... , so within their noise": the clause that follows a stated difference.
    public func clause(unit: String = "", over items: String, digits: Int = 2) -> String {
        let seText = fmt(se, digits) + (unit.isEmpty ? "" : " " + unit)
        return isClear ? "more than twice its standard error of \(seText) over \(items)"
                       : "less than twice its standard error of \(seText) over \(items), so within their noise"
    }

    /// "standard error 0.041: within two standard errors, sampling noise" or "... 3.2 standard
    /// errors, more than sampling noise explains": a one-draw measurement against its expectation.
    public func noiseVerdict(digits: Int = 3) -> String {
        guard se > 0 else { return "no standard error measured" }
        return "standard error \(fmt(se, digits)): "
            + (isClear ? "\(fmt(standardErrors, 1)) standard errors, more than sampling noise explains"
                       : "within two standard errors, sampling noise")
    }
}

/// The steps of a sequence of measurements (models in a sweep, in order), each step judged by the
/// rule: how a quantity moves along it, in words that never claim more than the steps show.
public struct StepTrend: Sendable {
    public var names: [String]
    public var steps: [Difference]      // values[i+1] - values[i]

    public init(names: [String], values: [Double], standardErrors: [Double]) {
        precondition(names.count == values.count && values.count == standardErrors.count)
        self.names = names
        steps = (0..<max(values.count - 1, 0)).map {
            Difference.independent(values[$0 + 1], seA: standardErrors[$0 + 1], values[$0], seB: standardErrors[$0])
        }
    }
    public init(names: [String], steps: [Difference]) {
        precondition(names.count == steps.count + 1)
        self.names = names
        self.steps = steps
    }

    /// Steps whose direction is `d`, as "A → B".
    public func steps(_ d: Difference.Direction) -> [String] {
        steps.indices.filter { steps[$0].direction == d }.map { "\(names[$0]) → \(names[$0 + 1])" }
    }
    /// Every step clearly in direction `d`.
    public func isMonotone(_ d: Difference.Direction) -> Bool { !steps.isEmpty && steps.allSatisfy { $0.direction == d } }

    /// One sentence: "<quantity> falls at every step of the sweep, each by more than twice its
    /// standard error", or which steps fall, which rise and which are within the noise.
    public func sentence(_ quantity: String, falls: String = "falls", rises: String = "rises", pronoun: String = "it") -> String {
        if isMonotone(.down) { return "\(quantity) \(falls) at every step, each step by more than twice its standard error." }
        if isMonotone(.up) { return "\(quantity) \(rises) at every step, each step by more than twice its standard error." }
        let down = steps(.down), up = steps(.up), flat = steps(.withinNoise)
        var parts: [String] = []
        if !down.isEmpty { parts.append("\(pronoun) \(falls) clearly at \(down.joined(separator: ", "))") }
        if !up.isEmpty { parts.append("\(pronoun) \(rises) clearly at \(up.joined(separator: ", "))") }
        if !flat.isEmpty {
            parts.append((flat.count == steps.count ? "every step" : flat.count == 1 ? "the step \(flat[0])" : "the steps \(flat.joined(separator: ", "))")
                         + (flat.count == 1 || flat.count == steps.count ? " is within twice its standard error" : " are within twice their standard errors"))
        }
        let verb = flat.count == steps.count ? "does not move clearly from step to step" : "does not move the same way at every step"
        return "\(quantity) \(verb): " + parts.joined(separator: "; ") + "."
    }
}

/// Mean and standard error of the paired per-image difference a - b.
public func pairedDifference(_ a: [Double], _ b: [Double]) -> (mean: Double, se: Double) {
    let diffs = zip(a, b).map { $0 - $1 }
    let mean = diffs.reduce(0, +) / Double(max(diffs.count, 1))
    let v = diffs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(diffs.count - 1, 1))
    return (mean, (v / Double(max(diffs.count, 1))).squareRoot())
}

extension TrainedModel {
    /// This model's −ELBO minus `other`'s, paired over the test digits both were scored on
    /// (negative: this model's bound is better).
    public func negELBODifference(_ other: TrainedModel) -> Difference {
        Difference(paired: test.negativeELBOPerImage.map(Double.init), other.test.negativeELBOPerImage.map(Double.init))
    }
}

extension Difference {
    /// "better", "worse" or "within the noise" for a difference of costs (lower is better).
    public var costWord: String {
        switch direction { case .down: return "better"; case .up: return "worse"; case .withinNoise: return "within the noise" }
    }
    /// Three answers to "is A better than B?" (lower cost), indexed by `costAnswer`.
    public static let costChoices = [
        "Yes, by more than twice the standard error",
        "No: worse, by more than twice the standard error",
        "Neither: within twice the standard error",
    ]
    public var costAnswer: Int {
        switch direction { case .down: return 0; case .up: return 1; case .withinNoise: return 2 }
    }
}
