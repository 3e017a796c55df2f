import NIOCore
import Testing

@testable import Courier

/// `Duration.timeAmount`: nanosecond precision, saturating at Int64's bounds instead of trapping.
@Suite struct DurationTimeAmountTests {
    @Test func convertsExactlyAndSaturatesAtBothEnds() {
        #expect(Duration.milliseconds(1_500).timeAmount == .nanoseconds(1_500_000_000))
        #expect(Duration.nanoseconds(7).timeAmount == .nanoseconds(7))
        #expect(Duration.zero.timeAmount == .nanoseconds(0))
        #expect(Duration.milliseconds(-250).timeAmount == .nanoseconds(-250_000_000))
        // The largest whole-second count that fits, then the fraction that carries it over the edge.
        #expect(Duration.seconds(9_223_372_036).timeAmount == .nanoseconds(9_223_372_036_000_000_000))
        #expect((Duration.seconds(9_223_372_036) + .milliseconds(900)).timeAmount == .nanoseconds(.max))
        #expect((Duration.seconds(-9_223_372_036) - .milliseconds(900)).timeAmount == .nanoseconds(.min))
        #expect(Duration.seconds(Int64.max).timeAmount == .nanoseconds(.max))
        #expect(Duration.seconds(Int64.min).timeAmount == .nanoseconds(.min))
    }
}
