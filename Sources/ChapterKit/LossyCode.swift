// Chapter 5's sentences that depend on its numbers, each a small function of plain values (tested
// in Tests/ChapterKitTests/LossyCodeTests.swift). Whether the code "keeps the digit" is judged
// against the book's bar of 90% by the rule of Significance.swift: above or below only by more
// than twice the standard error, "too close to call" otherwise.

import Foundation

public enum LossyCode {
    /// The book's bar: a code keeps the digit when at least 9 decompressions in 10 are labelled
    /// with the original's class.
    public static let bar = 0.9

    /// Class agreement p over n scored digits, against the bar.
    public static func againstBar(_ p: Double, n: Int) -> Difference { Difference.proportion(p, against: bar, n: n) }

    /// The verdict on the bar, in one sentence that never says more than the standard error allows.
    public static func keepsSentence(_ p: Double, n: Int) -> String {
        let d = againstBar(p, n: n)
        let where_ = "\(fmt(p * 100, 1))% is \(fmt(d.standardErrors, 1)) standard errors (\(fmt(d.se * 100, 1)) points over \(n) digits) \(d.mean >= 0 ? "above" : "below") the bar of 90%"
        switch d.direction {
        case .up: return "The lossy code keeps the digit: \(where_), so at least 9 decompressions in 10 are the same digit drawn with new strokes."
        case .down: return "The code does **not** reliably keep the digit: \(where_), so more than 1 decompression in 10 turns into another digit."
        case .withinNoise: return "Whether the code keeps the digit by the bar of 90% is too close to call with these digits: \(where_), within twice its standard error, and another seed or another set of digits could land on the other side."
        }
    }

    /// The quiz on the bar: three choices, answered by the rule.
    public static let barChoices = [
        "Yes: more than twice the standard error above 90%",
        "No: more than twice the standard error below 90%",
        "Too close to call: within twice the standard error of 90%",
    ]
    public static func barAnswer(_ p: Double, n: Int) -> Int {
        switch againstBar(p, n: n).direction { case .up: return 0; case .down: return 1; case .withinNoise: return 2 }
    }

    /// How much of the VLAE's code sits inside the free-bits allowance, said beside the paper's
    /// ratio (nothing without free bits).
    public static func allowanceNote(vlaeBits: Double, withinAllowanceBits: Double, allowanceBits: Double) -> String {
        guard allowanceBits > 0 else { return "" }
        let share = vlaeBits > 0 ? withinAllowanceBits / vlaeBits : 0
        let lead = "Read the ratio with the free-bits allowance in mind: \(fmt(withinAllowanceBits, 1)) of the VLAE's \(fmt(vlaeBits, 1)) bits sit within its \(fmt(allowanceBits, 1)) free bits"
        return lead + (share > 0.5 ? ", so the VLAE's side of the ratio is set mostly by the allowance this run chose, not by a price the code paid."
                                   : ", so most of its code is paid for at full price.")
    }

    /// Decoding at z = μ(x) against a sampled z, the difference judged by the rule.
    public static let meanVsSampleChoices = [
        "Up, by more than twice the standard error",
        "Down, by more than twice the standard error",
        "Within twice the standard error",
    ]
    public static func meanVsSample(sampled: Double, atMean: Double, n: Int) -> Difference {
        Difference.proportions(atMean, sampled, n1: n, n2: n)
    }
    public static func meanVsSampleAnswer(_ d: Difference) -> Int {
        switch d.direction { case .up: return 0; case .down: return 1; case .withinNoise: return 2 }
    }
    /// Its explanation, which keeps the classifier's own errors apart from the decoder's sampling.
    public static func meanVsSampleExplanation(sampled: Double, atMean: Double, classifierAccuracy: Double, n: Int) -> String {
        let d = meanVsSample(sampled: sampled, atMean: atMean, n: n)
        let first = "At z = μ(x) it is \(fmt(atMean * 100, 1))%, \(fmt(abs(d.mean) * 100, 1)) points \(d.mean >= 0 ? "up" : "down") (standard error \(fmt(d.se * 100, 1)) points over \(n) digits). "
        let lost = "The \(fmt((1 - atMean) * 100, 1))% that still change class at z = μ(x) mix two causes this measurement cannot separate: the classifier's own errors (it mislabels \(fmt((1 - classifierAccuracy) * 100, 1))% of the real test digits) and digits the decoder's sampling redraws as another class."
        switch d.direction {
        case .up: return first + "The posterior's noise moves z away from the digit's own code; removing it keeps more classes. " + lost
        case .down: return first + "Here the mean code did worse than a sampled one, by more than the noise. " + lost
        case .withinNoise: return first + "Within the noise of these digits: this run cannot tell whether the code's own noise costs agreement. " + lost
        }
    }

    /// The validation digits' agreement against the test digits' (validation minus test).
    public static func validationVsTest(_ d: Difference, testAgreement: Double) -> String {
        d.isClear
            ? "\(fmt(abs(d.mean) * 100, 1)) points \(d.mean > 0 ? "more than" : "fewer than") on the test digits (more than twice the standard error of \(fmt(d.se * 100, 1)) points)"
            : "within the noise of the test digits' \(fmt(testAgreement * 100, 1))% (\(fmt(abs(d.mean) * 100, 1)) points apart, less than twice the standard error of \(fmt(d.se * 100, 1)))"
    }

    /// The validation digits' agreement against the bar.
    public static func validationBar(_ d: Difference) -> String {
        "\(fmt(d.standardErrors, 1)) standard errors \(d.mean >= 0 ? "above" : "below") the bar of 90%"
            + (d.direction == .down ? ": on fresh digits this code keeps the digit less often than 9 times in 10"
               : d.direction == .up ? ": on fresh digits it keeps the digit at least 9 times in 10" : ", within the noise of these digits")
    }

    /// The VLAE's NLL against the factorized model's (VLAE minus factorized), in a word.
    public static func nllVerdict(_ d: Difference) -> String {
        d.direction == .down ? "the better one" : d.direction == .up ? "the worse one" : "level with the factorized model, within the noise"
    }

    /// The values chapters/chapter5/prose.md is filled from: each stored property is a name its
    /// sections use (Tests/ChapterKitTests/ProseTemplateTests.swift checks both ways).
    public struct Prose: Codable, Sendable {
        public var citetBowman = "", citeChen = "", citeOord = "", citeOordConditional = "", citetBurda = ""
        public var layers = "", channels = "", latentDim = "", fieldCount = "", rowsAbove = "", columnsLeft = "", rowAbove = ""
        public var priorSentence = "", epochs = "", objective = "", configurationSentence = ""
        public var factorizedBits = "", vlaeBits = "", ratioPercent = "", paperFactorized = "", paperVLAE = "", paperRatioPercent = ""
        public var paperVLAELayers = "", layersText = "", ourPrior = "", trainDigits = "", codeSizeNote = "", allowanceNote = ""
        public var lambda = "", allowanceBits = "", withinAllowanceBits = "", aboveAllowanceBits = "", dimsBelow = ""
        public var scored = "", classifierPercent = "", vlaeAgreement = "", vlaeAgreementAtMean = "", factorizedAgreement = ""
        public var factorizedAgreementAtMean = "", ratioPercentRounded = "", keepsSentence = ""
        public var vlaeProbe = "", vlaeProbeSampled = "", factorizedProbe = "", factorizedProbeSampled = ""
        public var validationScored = "", validationAgreement = "", validationAgreementAtMean = "", validationVsTest = ""
        public var validationBar = "", validationFactorized = ""
        public var k = "", testDigits = "", nllVerdict = "", vlaeNLL = "", factorizedNLL = "", nllClause = ""
        public init() {}
    }
}
