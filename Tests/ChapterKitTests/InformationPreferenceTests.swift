// Chapter 4's number-dependent sentences (InformationPreference.swift).

import ChapterKit
import Testing

@Suite struct InformationPreferenceTests {
    @Test func epochNoiseIsTheSwingOfTheLastEpochs() {
        #expect(epochToEpochNoise([5]) == 0)
        #expect(abs(epochToEpochNoise([1, 2, 1, 2]) - 1 / 2.0.squareRoot()) < 1e-12)
        // only the last three changes count: the early climb is left out
        #expect(abs(epochToEpochNoise([0, 100, 101, 100, 101]) - 1 / 2.0.squareRoot()) < 1e-12)
        #expect(stillRising([1, 2, 3]))
        #expect(!stillRising([3, 2, 3]))
        #expect(stillRising([1, 2]))
        #expect(!stillRising([2]))
    }

    @Test func bitsAreSaidToFallOnlyWhereEveryStepIsClear() {
        let clear = InformationPreference.bitsSentence(names: ["a", "b", "c"], bits: [30, 20, 10], noise: [0.5, 0.5, 0.5], rising: [], epochs: 12)
        #expect(clear.hasPrefix("The bits in $z$ fall at every step"))
        // chapter 4's middle steps: about 0.7 bits, the size of the epoch-to-epoch swings
        let noisy = InformationPreference.bitsSentence(names: ["L2", "L3", "L4"], bits: [10, 9.3, 8.6], noise: [0.6, 0.6, 0.6],
                                                       rising: ["L3", "L4"], epochs: 12)
        #expect(noisy.hasPrefix("The bits in $z$ do not move clearly from step to step"))
        #expect(noisy.contains("L3 and L4 was still rising at epoch 12"))
        #expect(!noisy.contains("monoton"))
        let mixed = InformationPreference.bitsSentence(names: ["f", "L1", "L2"], bits: [40, 28, 27.5], noise: [0.5, 0.5, 0.5], rising: [], epochs: 3)
        #expect(mixed.contains("they fall clearly at f → L1"))
    }

    @Test func agreementStepsAreJudgedAgainstTwoProportions() {
        let s = InformationPreference.agreementSentence(names: ["L3", "L4", "L6"], agreement: [0.634, 0.634, 0.628], scored: 500)
        #expect(s.hasPrefix("Agreement does not move clearly from step to step"))
        let down = InformationPreference.agreementSentence(names: ["f", "L1"], agreement: [0.95, 0.60], scored: 500)
        #expect(down.hasPrefix("Agreement falls at every step"))
    }

    @Test func theBestBoundIsNotCalledAnNLL() {
        let s = InformationPreference.bestBoundSentence(best: "pixelcnn_full", bestNegELBO: 90, factorized: "factorized",
                                                        difference: Difference(8, se: 0.5), digits: 1000, hasNLL: false)
        #expect(s.contains("8.00 nats below factorized's, more than twice its standard error"))
        #expect(s.contains("not the NLL"))
        #expect(!s.contains("improved it"))
        #expect(InformationPreference.bestBoundSentence(best: "factorized", bestNegELBO: 90, factorized: "factorized",
                                                        difference: Difference(0, se: 0), digits: 10, hasNLL: false)
                .contains("factorized model itself"))
    }

    @Test func theProbeSentenceGivesBothRanges() {
        let s = InformationPreference.probeSentence(probeOnMean: [0.88, 0.91], probeOnSample: [0.26, 0.80])
        #expect(s.contains("88.0–91.0%"))
        #expect(s.contains("26.0–80.0%"))
    }

    @Test func quizOneHasThreeDistinctAnswers() {
        let choices = InformationPreference.widestVsNarrowestChoices
        #expect(Set(choices).count == 3)
        #expect(InformationPreference.widestVsNarrowestAnswer(Difference(-5, se: 1)) == 0)
        #expect(InformationPreference.widestVsNarrowestAnswer(Difference(5, se: 1)) == 1)
        #expect(InformationPreference.widestVsNarrowestAnswer(Difference(1, se: 1)) == 2)
    }
}
