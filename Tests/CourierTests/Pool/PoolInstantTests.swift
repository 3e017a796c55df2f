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
    /// `ContinuousClock` instants, so the two must agree (to the origin's reading, which is kept within 2 µs when
    /// the thread is not descheduled ten times in a row). No test here can tell `CLOCK_BOOTTIME` from
    /// `CLOCK_MONOTONIC` on a machine that never suspended; they differ only by the time spent suspended.
    @Test func nowReadsTheSameClockAsContinuousClock() {
        var worst = Duration.zero
        for _ in 0..<1_000 {
            let before = PoolInstant(ContinuousClock.now)
            let now = PoolInstant.now
            let after = PoolInstant(ContinuousClock.now)
            // `now` lies between the two conversions, give or take the origin's reading.
            worst = max(worst, now.duration(to: before), after.duration(to: now))
        }
        #expect(worst < .milliseconds(1))
        let converted = PoolInstant.now.instant
        #expect(abs((converted - ContinuousClock.now) / .milliseconds(1)) < 1)
        #expect(PoolInstant(t0).instant == t0)
    }

    @Test func conversionsOfInstantsCenturiesAwaySaturate() {
        let far: Duration = .seconds(400 * 365 * 86_400)  // beyond Int64 nanoseconds (292 years)
        #expect(PoolInstant(t0 + far).nanoseconds == .max)
        #expect(PoolInstant(t0 + .seconds(86_400)) < PoolInstant(t0 + far))
        #expect(PoolInstant(t0 - far) < PoolInstant(t0 - .seconds(86_400)))
    }

    /// The pool's hot path releases and leases at `PoolInstant.now`; its other paths (and the sweep) decide with
    /// `ContinuousClock` instants. An idle timeout holds across the two, to the millisecond.
    @Test func idleTimeoutsHoldAcrossBothClockReadings() {
        let origin = Origin(scheme: "http", host: "a.test", port: 80)
        var machine = PoolStateMachine(maxConnectionsPerHost: 1, idleTimeout: .seconds(10))
        _ = machine.requestConnection(1, origin: origin, now: .now)
        _ = machine.slotGranted()
        _ = machine.connected(1, now: .now)
        let before = ContinuousClock.now
        #expect(machine.released(1, reusable: true, now: PoolInstant.now) == [])
        let after = ContinuousClock.now
        // Just before its 10 s are up (by ContinuousClock) the connection is still fresh; just after, it expired.
        var fresh = machine
        #expect(fresh.leaseIdleConnection(origin: origin, now: before + .seconds(10) - .milliseconds(1))?.id == 1)
        var expired = machine
        #expect(expired.leaseIdleConnection(origin: origin, now: after + .seconds(10) + .milliseconds(1)) == nil)
        #expect(machine.requestConnection(2, origin: origin, now: after + .seconds(10) + .milliseconds(1)).contains(.close(1)))
    }
}
