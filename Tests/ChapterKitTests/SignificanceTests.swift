// The book's rule for stating a direction (Significance.swift): twice the standard error.

import ChapterKit
import Testing

@Suite struct SignificanceTests {
    @Test func theBarIsTwiceTheStandardError() {
        #expect(Difference(0.5, se: 0.2).direction == .up)
        #expect(Difference(-0.5, se: 0.2).direction == .down)
        #expect(Difference(0.39, se: 0.2).direction == .withinNoise)
        #expect(Difference(-0.4, se: 0.2).direction == .withinNoise)     // exactly two: not more than
        #expect(Difference(0, se: 0).direction == .withinNoise)
        #expect(Difference(0.1, se: 0).direction == .up)
    }

    @Test func pairedDifferenceIsTheMeanAndStandardErrorOfTheDifferences() {
        let d = Difference(paired: [3, 5, 7, 9], [1, 2, 3, 4])      // differences 2, 3, 4, 5
        #expect(abs(d.mean - 3.5) < 1e-12)
        // sample variance of 2,3,4,5 is 5/3; se = sqrt(5/3 / 4)
        #expect(abs(d.se - (5.0 / 12).squareRoot()) < 1e-12)
    }

    @Test func proportionsUseTheBinomialStandardError() {
        // 88.8% of 500 against the 90% bar: se = sqrt(.888 * .112 / 500) = 1.41 points
        let bar = Difference.proportion(0.888, against: 0.9, n: 500)
        #expect(abs(bar.se - 0.01410) < 1e-4)
        #expect(bar.direction == .withinNoise)
        #expect(Difference.proportion(0.85, against: 0.9, n: 500).direction == .down)
        // 63.4% against 62.8% over 500 digits each: far inside the noise (se about 3 points)
        let step = Difference.proportions(0.628, 0.634, n1: 500, n2: 500)
        #expect(abs(step.se - (0.628 * 0.372 / 500 + 0.634 * 0.366 / 500).squareRoot()) < 1e-12)
        #expect(step.direction == .withinNoise)
    }

    @Test func clausesSayWhichSideOfTheBar() {
        #expect(Difference(1, se: 0.1).clause(unit: "nats", over: "these 100 digits")
                == "more than twice its standard error of 0.10 nats over these 100 digits")
        #expect(Difference(0.1, se: 0.1).clause(over: "these 100 digits")
                == "less than twice its standard error of 0.10 over these 100 digits, so within their noise")
        #expect(Difference(0.1, se: 0.1).noiseVerdict() == "standard error 0.100: within two standard errors, sampling noise")
        #expect(Difference(0.5, se: 0.1).noiseVerdict() == "standard error 0.100: 5.0 standard errors, more than sampling noise explains")
        #expect(Difference(0.5, se: 0).noiseVerdict() == "no standard error measured")
    }

    @Test func aTrendIsMonotoneOnlyWhenEveryStepIsClear() {
        let clear = StepTrend(names: ["a", "b", "c"], values: [10, 8, 6], standardErrors: [0.1, 0.1, 0.1])
        #expect(clear.isMonotone(.down))
        #expect(clear.sentence("Bits in z") == "Bits in z falls at every step, each step by more than twice its standard error.")
        // chapter 4's agreement: 63.4, 63.4, 62.8 with a standard error of about 2.2 points each
        let noisy = StepTrend(names: ["L3", "L4", "L6"], values: [63.4, 63.4, 62.8], standardErrors: [2.2, 2.2, 2.2])
        #expect(!noisy.isMonotone(.down))
        #expect(noisy.steps(.withinNoise) == ["L3 → L4", "L4 → L6"])
        #expect(noisy.sentence("Agreement") == "Agreement does not move clearly from step to step: every step is within twice its standard error.")
        let mixed = StepTrend(names: ["f", "L1", "L2", "L3"], values: [90, 70, 69, 80], standardErrors: [1, 1, 1, 1])
        #expect(mixed.steps(.down) == ["f → L1"])
        #expect(mixed.steps(.up) == ["L2 → L3"])
        #expect(mixed.sentence("Agreement", falls: "falls", rises: "rises")
                == "Agreement does not move the same way at every step: it falls clearly at f → L1; it rises clearly at L2 → L3; the step L1 → L2 is within twice its standard error.")
    }
}

@Suite struct CostWordTests {
    @Test func lowerCostIsBetter() {
        #expect(Difference(-3, se: 1).costWord == "better")
        #expect(Difference(3, se: 1).costWord == "worse")
        #expect(Difference(1, se: 1).costWord == "within the noise")
        #expect(Difference(-3, se: 1).costAnswer == 0 && Difference(3, se: 1).costAnswer == 1 && Difference(1, se: 1).costAnswer == 2)
        #expect(Set(Difference.costChoices).count == 3)
    }
}
