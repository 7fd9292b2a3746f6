// Two rules for calling a model's code "collapsed", side by side, so a chapter can state both
// and show where they disagree:
// - the course's rule: collapsed when more than 10-20% of the latent dimensions carry under
//   0.1 nats (over 20%: collapsed; 10-20%: the rule's grey zone; at most 10%: not collapsed);
// - the mean rule (chapter 2): collapsed when the mean KL per dimension is under 0.1 nats.

import Foundation
import VLAE

public struct CollapseCheck: Sendable {
    public enum Verdict: String, Sendable { case collapsed, greyZone = "grey zone", notCollapsed = "not collapsed" }

    public static let threshold = 0.1, lowFraction = 0.10, highFraction = 0.20

    public let dims: Int
    public let inactive: Int
    public let meanPerDim: Double

    public init(klPerDim: [Double]) {
        dims = klPerDim.count
        inactive = klPerDim.filter { $0 < CollapseCheck.threshold }.count
        meanPerDim = klPerDim.reduce(0, +) / Double(max(klPerDim.count, 1))
    }

    public init(_ r: EvaluationResult) { self.init(klPerDim: r.klPerDim) }

    public var inactiveFraction: Double { Double(inactive) / Double(max(dims, 1)) }
    /// The course's rule.
    public var course: Verdict {
        inactiveFraction > CollapseCheck.highFraction ? .collapsed
            : inactiveFraction > CollapseCheck.lowFraction ? .greyZone : .notCollapsed
    }
    /// The mean-KL rule.
    public var meanRuleCollapsed: Bool { meanPerDim < CollapseCheck.threshold }
    /// Whether the two rules give different answers (the grey zone counts as agreeing with either).
    public var rulesDisagree: Bool {
        switch course {
        case .collapsed: return !meanRuleCollapsed
        case .notCollapsed: return meanRuleCollapsed
        case .greyZone: return false
        }
    }
}
