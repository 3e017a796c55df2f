import Testing

@testable import Courier

@Suite struct PoolInstantTests {
    let t0 = ContinuousClock.now

    @Test func durationsBetweenInstantsMatchTheClocksToTheNanosecond() {
        for offset: Duration in [.zero, .nanoseconds(1), .milliseconds(1500), .seconds(-3), .seconds(86_400 * 365)] {
            let a = PoolInstant(t0)
            let b = PoolInstant(t0 + offset)
            #expect(a.duration(to: b) == offset)
            #expect(b.duration(to: a) == .zero - offset)
            #expect((a < b) == (offset > .zero))
            #expect(b.instant == t0 + offset)
        }
    }

    @Test func wholeNanosecondsRoundsTowardZeroAndSaturates() {
        #expect(Duration.seconds(2).wholeNanoseconds == 2_000_000_000)
        #expect((Duration.nanoseconds(5) + .init(secondsComponent: 0, attosecondsComponent: 999_999_999)).wholeNanoseconds == 5)
        #expect(Duration.nanoseconds(-7).wholeNanoseconds == -7)
        #expect(Duration.seconds(Int64.max).wholeNanoseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeNanoseconds == .min)
    }
}
