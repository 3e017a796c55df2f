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

    /// `PoolInstant.now` reads the clock behind `ContinuousClock` directly; the pool mixes it with converted
    /// `ContinuousClock` instants, so the two must agree (to the few nanoseconds between the origin's two readings).
    @Test func nowReadsTheSameClockAsContinuousClock() {
        for _ in 0..<1_000 {
            let before = PoolInstant(ContinuousClock.now)
            let now = PoolInstant.now
            let after = PoolInstant(ContinuousClock.now)
            #expect(before.duration(to: now) > .milliseconds(-1))
            #expect(now.duration(to: after) > .milliseconds(-1))
            #expect(before.duration(to: after) < .seconds(1))
        }
        let converted = PoolInstant.now.instant
        #expect(abs((converted - ContinuousClock.now) / .milliseconds(1)) < 1_000)
        #expect(PoolInstant(t0).instant == t0)
    }

    /// The pool's hot path releases and leases at `PoolInstant.now`; its other paths (and the sweep) decide with
    /// `ContinuousClock` instants. An idle timeout holds across the two.
    @Test func idleTimeoutsHoldAcrossBothClockReadings() {
        let origin = Origin(scheme: "http", host: "a.test", port: 80)
        var machine = PoolStateMachine(maxConnectionsPerHost: 1, idleTimeout: .seconds(10))
        _ = machine.requestConnection(1, origin: origin, now: .now)
        _ = machine.slotGranted()
        _ = machine.connected(1, now: .now)
        #expect(machine.released(1, reusable: true, now: PoolInstant.now) == [])
        let releasedAt = ContinuousClock.now
        // Nine seconds later (by ContinuousClock) the connection is still fresh; eleven seconds later it expired.
        var fresh = machine
        #expect(fresh.leaseIdleConnection(origin: origin, now: releasedAt + .seconds(9))?.id == 1)
        #expect(machine.leaseIdleConnection(origin: origin, now: releasedAt + .seconds(11)) == nil)
        #expect(machine.requestConnection(2, origin: origin, now: releasedAt + .seconds(11)).contains(.close(1)))
    }
}
