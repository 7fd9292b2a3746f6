// Chapter 5's number-dependent sentences (LossyCode.swift).

import ChapterKit
import Testing

@Suite struct LossyCodeTests {
    @Test func theBarIsJudgedByTheStandardError() {
        // 88.8% of 500: 0.85 standard errors below 90%, too close to call
        #expect(LossyCode.barAnswer(0.888, n: 500) == 2)
        let close = LossyCode.keepsSentence(0.888, n: 500)
        #expect(close.hasPrefix("Whether the code keeps the digit by the bar of 90% is too close to call"))
        #expect(!close.contains("at least 9 decompressions in 10 are"))
        #expect(LossyCode.barAnswer(0.95, n: 500) == 0)
        #expect(LossyCode.keepsSentence(0.95, n: 500).hasPrefix("The lossy code keeps the digit"))
        #expect(LossyCode.barAnswer(0.80, n: 500) == 1)
        #expect(LossyCode.keepsSentence(0.80, n: 500).contains("does **not** reliably keep"))
        #expect(Set(LossyCode.barChoices).count == 3)
    }

    @Test func theAllowanceIsSaidWhenItSetsTheRatio() {
        // 23.0 of 25.7 bits inside 16 × 1 nat
        let mostly = LossyCode.allowanceNote(vlaeBits: 25.7, withinAllowanceBits: 23.0, allowanceBits: 23.1)
        #expect(mostly.contains("23.0 of the VLAE's 25.7 bits"))
        #expect(mostly.contains("set mostly by the allowance"))
        #expect(LossyCode.allowanceNote(vlaeBits: 25.7, withinAllowanceBits: 5, allowanceBits: 5.8).contains("full price"))
        #expect(LossyCode.allowanceNote(vlaeBits: 25.7, withinAllowanceBits: 0, allowanceBits: 0) == "")
    }

    @Test func decodingAtTheMeanKeepsTheClassifierApart() {
        let d = LossyCode.meanVsSample(sampled: 0.888, atMean: 0.91, n: 500)
        #expect(LossyCode.meanVsSampleAnswer(d) == 2)          // 2.2 points, se about 1.9
        let e = LossyCode.meanVsSampleExplanation(sampled: 0.888, atMean: 0.91, classifierAccuracy: 0.97, n: 500)
        #expect(e.contains("Within the noise"))
        #expect(e.contains("the classifier's own errors (it mislabels 3.0% of the real test digits)"))
        #expect(!e.contains("what is lost is lost in the decoder's sampling"))
        #expect(LossyCode.meanVsSampleAnswer(LossyCode.meanVsSample(sampled: 0.60, atMean: 0.80, n: 500)) == 0)
        #expect(LossyCode.meanVsSampleAnswer(LossyCode.meanVsSample(sampled: 0.80, atMean: 0.60, n: 500)) == 1)
    }

    @Test func validationAndNLLSentencesFollowTheRule() {
        // 77% of 100 validation digits against 69% of 100 test digits: se 6.3 points, within the noise
        let d = Difference.proportions(0.77, 0.69, n1: 100, n2: 100)
        #expect(LossyCode.validationVsTest(d, testAgreement: 0.69).hasPrefix("within the noise of the test digits' 69.0%"))
        #expect(LossyCode.validationVsTest(Difference.proportions(0.95, 0.69, n1: 500, n2: 500), testAgreement: 0.69)
                .hasPrefix("26.0 points more than on the test digits"))
        #expect(LossyCode.validationBar(LossyCode.againstBar(0.77, n: 100)).hasSuffix("less often than 9 times in 10"))
        #expect(LossyCode.validationBar(LossyCode.againstBar(0.89, n: 100)).hasSuffix("within the noise of these digits"))
        #expect(LossyCode.nllVerdict(Difference(-27, se: 0.45)) == "the better one")
        #expect(LossyCode.nllVerdict(Difference(0.3, se: 0.45)) == "level with the factorized model, within the noise")
    }
}
