import Testing
@testable import Notebook

@Suite struct TicksTests {
    @Test func niceStepFollowsOneTwoFive() {
        #expect(Ticks.niceStep(0.37) == 0.5)
        #expect(Ticks.niceStep(1.5) == 2)
        #expect(Ticks.niceStep(7) == 10)
        #expect(Ticks.niceStep(1) == 1)
        #expect(Ticks.niceStep(0.012) == 0.01)
        #expect(Ticks.niceStep(2.1) == 2)
    }

    @Test func linearTicksAreRoundAndCoverRange() {
        #expect(Ticks.linear(0, 10, count: 5) == [0, 2, 4, 6, 8, 10])
        #expect(Ticks.linear(0.1, 0.95, count: 4) == [0.2, 0.4, 0.6, 0.8])
        #expect(Ticks.linear(-3, 3, count: 6) == [-3, -2, -1, 0, 1, 2, 3])
        let (lo, hi) = Ticks.niceDomain(87.3, 96.1, count: 5)
        #expect(lo == 86 && hi == 98)
    }

    @Test func logTicks() {
        #expect(Ticks.log(1, 1000) == [1, 10, 100, 1000])
        #expect(Ticks.log(1, 20) == [1, 2, 5, 10, 20])
        #expect(Ticks.logMinor(1, 10) == [2, 3, 4, 5, 6, 7, 8, 9])
        let s = Scale.logarithmic(0.03, 70)
        #expect(s.lo == 0.02 && s.hi == 100)
    }

    @Test func labels() {
        #expect(Ticks.label(0.30000000000000004, step: 0.1) == "0.3")
        #expect(Ticks.label(-2, step: 1) == "\u{2212}2")
        #expect(Ticks.logLabel(1e6) == "10⁶")
        #expect(Format.number(12345.678, digits: 1) == "12\u{2009}345.7")
        #expect(Format.number(-0.00025, digits: 2) == "\u{2212}2.5×10⁻⁴")
    }
}
