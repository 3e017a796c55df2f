import Testing

@testable import Courier

/// The pool learns when a server closes every connection right after its first response without saying so
/// (tinyproxy does), and then stops reusing that origin's connections, probing now and then.
@Suite struct QuietCloseLearningTests {
    typealias Machine = PoolStateMachine
    let a = Origin(scheme: "http", host: "a.test", port: 80)
    let t0 = ContinuousClock.now

    /// Opens a connection for a new request and returns its id (the budget grants every slot).
    func lease(_ machine: inout Machine, request: Int, now: ContinuousClock.Instant) -> Int {
        var actions = machine.requestConnection(request, origin: a, now: now)
        if actions.last == .requestSlot { actions = actions.dropLast() + machine.slotGranted() }
        guard case .open(let id, _) = actions.last else {
            Issue.record("expected an open, got \(actions)")
            return -1
        }
        #expect(machine.connected(id, now: now) == [.lease(id, to: request, reused: false)])
        return id
    }

    /// A connection serves one response, goes idle, and the server closes it 10 ms later.
    func quietClose(_ machine: inout Machine, request: Int) {
        let id = lease(&machine, request: request, now: t0)
        #expect(machine.released(id, reusable: true, now: t0) == [])
        _ = machine.closed(id, now: t0 + .milliseconds(10))
    }

    @Test func twoQuietClosesInARowStopReuseAndProbesBecomeRarerWhileTheyFail() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        quietClose(&machine, request: 1)
        quietClose(&machine, request: 2)
        #expect(machine.quietCloseStreak[a] == 2)
        var kept = 0
        var probedAt: [Int] = []
        for request in 3...(2 + 16 + 32 + 64) {
            let id = lease(&machine, request: request, now: t0)
            let actions = machine.released(id, reusable: true, now: t0)
            if actions == [.close(id)] {
                #expect(machine.closeReason(of: id) == .serverClosesEachResponse)
                _ = machine.closed(id, now: t0)
            } else {
                kept += 1
                probedAt.append(request)
                #expect(actions == [])
                // The probe is closed by the server again: still no reuse afterwards.
                _ = machine.closed(id, now: t0 + .milliseconds(5))
            }
        }
        // Probes after 16, then 32, then 64 connections: each failed probe doubles the interval.
        #expect(kept == 3)
        #expect(probedAt == [18, 50, 114])
        #expect(machine.quietCloseStreak[a] == 5)
    }

    @Test func aSuccessfulReuseForgetsTheStreak() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        quietClose(&machine, request: 1)
        let id = lease(&machine, request: 2, now: t0)
        #expect(machine.released(id, reusable: true, now: t0) == [])
        #expect(machine.requestConnection(3, origin: a, now: t0) == [.lease(id, to: 3, reused: true)])
        #expect(machine.released(id, reusable: true, now: t0) == [])
        #expect(machine.quietCloseStreak[a] == nil)
    }

    @Test func aReusedRequestThatFindsTheConnectionDeadCountsAsAQuietClose() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        for request in stride(from: 1, through: 3, by: 2) {
            let id = lease(&machine, request: request, now: t0)
            #expect(machine.released(id, reusable: true, now: t0) == [])
            #expect(machine.requestConnection(request + 1, origin: a, now: t0) == [.lease(id, to: request + 1, reused: true)])
            #expect(machine.released(id, reusable: false, now: t0, closeReason: .closedBeforeResponse) == [.close(id)])
            _ = machine.closed(id, now: t0)
        }
        #expect(machine.quietCloseStreak[a] == 2)
    }

    @Test func lateIdleClosesAndUnusedConnectionsTeachNothing() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        // Closed after 5 s idle: an ordinary server idle timeout, not a close "right after" the response.
        for request in 1...3 {
            let id = lease(&machine, request: request, now: t0)
            #expect(machine.released(id, reusable: true, now: t0) == [])
            _ = machine.closed(id, now: t0 + .seconds(5))
        }
        #expect(machine.quietCloseStreak[a] == nil)
        // A server that closes after serving several requests keeps connections: it clears a streak.
        quietClose(&machine, request: 4)
        let id = lease(&machine, request: 5, now: t0)
        #expect(machine.released(id, reusable: true, now: t0) == [])
        #expect(machine.requestConnection(6, origin: a, now: t0) == [.lease(id, to: 6, reused: true)])
        #expect(machine.released(id, reusable: true, now: t0) == [])
        _ = machine.closed(id, now: t0 + .milliseconds(1))
        #expect(machine.quietCloseStreak[a] == nil)
    }
}
