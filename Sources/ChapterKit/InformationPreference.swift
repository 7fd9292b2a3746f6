// Chapter 4's sentences that depend on its numbers, each a small function of plain values (tested
// in Tests/ChapterKitTests/InformationPreferenceTests.swift), so that a sentence says only what
// its numbers carry: a direction where a step exceeds twice its standard error, "within the
// noise" otherwise (the rule of Significance.swift).

import Foundation

/// How much a training run's last value can move from one epoch to the next: the root mean
/// square of the last `last` epoch-to-epoch changes of `curve`, over √2 (the spread of one epoch's
/// value if the changes were independent noise). A curve still climbing counts its climb as
/// noise too, which only makes a claim harder to make. 0 for fewer than two epochs.
public func epochToEpochNoise(_ curve: [Double], last: Int = 3) -> Double {
    guard curve.count >= 2 else { return 0 }
    let changes = zip(curve.dropFirst(), curve).map { $0 - $1 }.suffix(last)
    return (changes.map { $0 * $0 }.reduce(0, +) / Double(changes.count)).squareRoot() / 2.0.squareRoot()
}

/// Whether a curve was still rising at its end: its last value above the one two epochs before
/// (above the previous one when there are only two).
public func stillRising(_ curve: [Double]) -> Bool {
    guard curve.count >= 2 else { return false }
    return curve[curve.count - 1] > curve[max(curve.count - 3, 0)]
}

public enum InformationPreference {
    /// The bits in z along the sweep, each step judged against the models' epoch-to-epoch noise,
    /// and which models' KL was still rising when training stopped.
    public static func bitsSentence(names: [String], bits: [Double], noise: [Double], rising: [String], epochs: Int) -> String {
        let trend = StepTrend(names: names, values: bits, standardErrors: noise)
        var s = trend.sentence("The bits in $z$", falls: "fall", rises: "rise", pronoun: "they")
            .replacingOccurrences(of: "$z$ does not", with: "$z$ do not")
        s += " Each model's standard error here is the epoch-to-epoch swing of its validation KL over its last epochs"
        s += " (from \(fmt(noise.min() ?? 0, 1)) to \(fmt(noise.max() ?? 0, 1)) bits)."
        if !rising.isEmpty {
            s += " The validation KL of \(list(rising)) was still rising at epoch \(epochs): "
            s += rising.count == 1 ? "its rate has not settled." : "their rates have not settled."
        }
        return s
    }

    /// Class agreement along the sweep, each step against the standard error of two proportions
    /// over `scored` digits.
    public static func agreementSentence(names: [String], agreement: [Double], scored: Int) -> String {
        let steps = (0..<max(agreement.count - 1, 0)).map {
            Difference.proportions(agreement[$0 + 1], agreement[$0], n1: scored, n2: scored)
        }
        let ses = steps.map(\.se)
        return StepTrend(names: names, steps: steps).sentence("Agreement", falls: "falls", rises: "rises")
            + (ses.isEmpty ? "" : " (A step's standard error over \(scored) digits is \(fmt((ses.min() ?? 0) * 100, 1))–\(fmt((ses.max() ?? 0) * 100, 1)) points.)")
    }

    /// The best bound against the factorized model's, paired over the test digits, and what a
    /// bound can and cannot say about the cost of moving information out of z.
    public static func bestBoundSentence(best: String, bestNegELBO: Double, factorized: String, difference: Difference,
                                         digits: Int, hasNLL: Bool) -> String {
        guard best != factorized else {
            return "The best bound belongs to the factorized model itself (−ELBO \(fmt(bestNegELBO)) nats)."
        }
        let gap = difference.mean   // factorized minus best, nats
        let nllNote = hasNLL ? "the importance-weighted bounds below are closer to it"
                             : "`--iwae-k` adds an importance-weighted bound that is closer to it"
        return "The best bound belongs to \(best) (−ELBO \(fmt(bestNegELBO)) nats), \(fmt(gap)) nats below \(factorized)'s, "
            + "\(difference.clause(unit: "nats", over: "these \(digits) digits")). "
            + "An ELBO is a bound, not the NLL (\(nllNote)), and the PixelCNNs are larger models than the factorized decoder: "
            + "it shows that a decoder with reach fits these digits better, not by itself that taking information out of $z$ costs no density."
    }

    /// Why the probe on μ(x) stays high while the probe on a sampled z falls.
    public static func probeSentence(probeOnMean: [Double], probeOnSample: [Double]) -> String {
        let mu = (probeOnMean.min() ?? 0, probeOnMean.max() ?? 0), z = (probeOnSample.min() ?? 0, probeOnSample.max() ?? 0)
        return """
        The linear probe on $\\mu(x)$ reads the class \(fmt(mu.0 * 100, 1))–\(fmt(mu.1 * 100, 1))% of the time for every \
        decoder, while on a sampled $z \\sim q(z \\mid x)$ it reads it \(fmt(z.0 * 100, 1))–\(fmt(z.1 * 100, 1))% of the time. \
        The two measure different things. $\\mu(x)$ is what the encoder computes, and it can carry the class at a small \
        scale: a dimension whose mean moves a few tenths around 0 with $\\sigma(x)$ near 1 costs only hundredths of a nat, \
        and a linear probe reads small moves as well as large ones. What the decoder receives is a sample, \
        $\\mu(x) + \\sigma(x)\\,\\epsilon$, in which noise of the prior's size drowns those small moves. The probe on a sampled $z$ and the class agreement measure \
        what the code transmits; the probe on $\\mu(x)$ measures what the encoder knows.
        """
    }

    /// Quiz 1: did the widest decoder put fewer bits into z than the narrowest PixelCNN? The
    /// answer is one of three, by the rule: fewer, more, or within the noise.
    public static func widestVsNarrowestAnswer(_ d: Difference) -> Int {
        switch d.direction { case .down: return 0; case .up: return 1; case .withinNoise: return 2 }
    }
    public static let widestVsNarrowestChoices = [
        "Fewer, by more than twice the standard error",
        "More, by more than twice the standard error",
        "Within twice the standard error: this run cannot tell",
    ]

    /// What the correlation of agreement with bits in z says, in words.
    public static func correlationSentence(_ r: Double) -> String {
        r > 0.7 ? "the fewer bits the code holds, the less of the class survives decoding; a wide decoder that models the digit itself also redraws its identity"
            : r > 0.3 ? "fewer bits in the code tend to mean less of the class in the decompressions, though not in lock step"
            : "here the bits in the code say little about how often the class survives"
    }

    /// Which decoders the course's rule calls collapsed.
    public static func collapsedSentence(_ collapsed: [String]) -> String {
        collapsed.isEmpty ? "no decoder of this sweep is collapsed."
            : "\(collapsed.joined(separator: ", ")) \(collapsed.count == 1 ? "is" : "are") collapsed."
    }

    /// Where the two collapse rules disagree, decoder by decoder.
    public static func rulesSentence(_ checks: [(name: String, check: CollapseCheck)]) -> String {
        let disagree = checks.filter { $0.check.rulesDisagree }
        guard !disagree.isEmpty else { return "The two rules agree on every decoder here." }
        return "The two rules disagree on " + disagree.map { m in
            let c = m.check
            return "\(m.name) (course's rule: \(c.course.rawValue), \(c.inactive) of \(c.dims) dimensions under 0.1 nats; mean rule: \(c.meanRuleCollapsed ? "collapsed" : "not collapsed"), \(fmt(c.meanPerDim, 3)) nats per dimension)"
        }.joined(separator: "; ") + ": the mean hides how the nats are spread over the dimensions, the course's rule counts the idle ones."
    }

    /// The values chapters/chapter4/prose.md is filled from: each stored property is a name its
    /// sections use (Tests/ChapterKitTests/ProseTemplateTests.swift checks both ways). Filled as
    /// the chapter computes them; the chapter writes the whole set to prose-values.json.
    public struct Prose: Codable, Sendable {
        public var citeChen = "", citeOord = "", citeOordConditional = "", citeKingma = "", citetBurda = ""
        public var depths = "", fullFieldLabel = "", fullFieldCentre = "", centreEarlier = "", latentDim = ""
        public var fieldList = ""
        public var ranking = "", bitsSentence = "", factorizedBits = "", widestName = "", widestBits = "", widestActive = ""
        public var bestBoundSentence = "", iwaeK = ""
        public var scored = ""
        public var bestAgreeName = "", bestAgree = "", worstAgreeName = "", worstAgree = ""
        public var agreementSentence = "", correlation = "", correlationSentence = "", probeSentence = ""
        public var highPercent = "", lowPercent = "", collapsedSentence = "", rulesSentence = ""
        public var l1Name = "", l1Bits = "", quiz1SE = "", quiz1Gap = "", quiz1Ses = ""
        public var collapsedName = "", collapsedInactive = "", collapsedDims = "", collapsedPercent = "", collapsedMeanRule = "", collapsedMeanPerDim = ""
        public init() {}
    }

    static func list(_ xs: [String]) -> String {
        xs.count <= 2 ? xs.joined(separator: " and ") : xs.dropLast().joined(separator: ", ") + " and " + xs.last!
    }
}
