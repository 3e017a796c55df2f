import Testing

@testable import Courier

@Suite struct PoolStateMachineTests {
    typealias Machine = PoolStateMachine
    let a = Origin(scheme: "http", host: "a.test", port: 80)
    let b = Origin(scheme: "http", host: "b.test", port: 80)
    let c = Origin(scheme: "http", host: "c.test", port: 80)
    let t0 = ContinuousClock.now

    /// Answers `[.requestSlot]` with a grant, as a budget with room would.
    func granting(_ machine: inout Machine, _ actions: [Machine.Action]) -> [Machine.Action] {
        guard actions.last == .requestSlot else { return actions }
        return actions.dropLast() + machine.slotGranted()
    }

    @Test func firstRequestTakesASlotOpensAConnectionThatIsThenLeasedAndReused() {
        var machine = Machine(maxConnectionsPerHost: 2, idleTimeout: .seconds(60))
        #expect(machine.requestConnection(1, origin: a, now: t0) == [.requestSlot])
        #expect(machine.slotGranted() == [.open(1, a)])
        #expect(machine.connected(1, now: t0) == [.lease(1, to: 1, reused: false)])
        #expect(machine.released(1, reusable: true, now: t0) == [])
        #expect(machine.requestConnection(2, origin: a, now: t0 + .seconds(1)) == [.lease(1, to: 2, reused: true)])
        #expect(machine.slotsHeld == 1)
    }

    /// Three idle connections (1 idle longest, 3 most recently); returns the machine.
    func threeIdle() -> Machine {
        var machine = Machine(maxConnectionsPerHost: 3, idleTimeout: .seconds(10))
        for request in 1...3 {
            _ = granting(&machine, machine.requestConnection(request, origin: a, now: t0))
            // Connection i lives on loop i.
            _ = machine.connected(request, now: t0, loop: request)
        }
        for id in 1...3 { _ = machine.released(id, reusable: true, now: t0 + .seconds(Double(id))) }
        return machine
    }

    @Test func aPreferredIdleConnectionIsLeasedInsteadOfTheMostRecentOne() {
        var machine = threeIdle()
        #expect(machine.requestConnection(4, origin: a, now: t0 + .seconds(5), preferring: 1) == [.lease(1, to: 4, reused: true)])
        #expect(machine.connections[1]?.lastIdle == .seconds(4))
        // The others keep their order: the most recent is still taken first.
        #expect(machine.requestConnection(5, origin: a, now: t0 + .seconds(5)) == [.lease(3, to: 5, reused: true)])
        #expect(machine.requestConnection(6, origin: a, now: t0 + .seconds(5)) == [.lease(2, to: 6, reused: true)])
        #expect(machine.idleCount == 0)
        #expect(machine.leasedCount == 3)
    }

    @Test func aPreferenceThatIsNotIdleFallsBackToTheMostRecentConnection() {
        var machine = threeIdle()
        #expect(machine.requestConnection(4, origin: a, now: t0 + .seconds(5), preferring: 3) == [.lease(3, to: 4, reused: true)])
        // 3 is leased now, 9 never existed: both fall back to the most recently idle one.
        #expect(machine.requestConnection(5, origin: a, now: t0 + .seconds(5), preferring: 3) == [.lease(2, to: 5, reused: true)])
        #expect(machine.requestConnection(6, origin: a, now: t0 + .seconds(5), preferring: 9) == [.lease(1, to: 6, reused: true)])
    }

    @Test func anExpiredPreferredConnectionIsClosedAndTheNextIdleOneLeased() {
        var machine = threeIdle()
        // At t0 + 11 s connection 1 (idle since t0 + 1 s) has passed its 10 s; 2 and 3 have not.
        #expect(
            machine.requestConnection(4, origin: a, now: t0 + .seconds(11.5), preferring: 1)
                == [.close(1), .lease(3, to: 4, reused: true)])
        #expect(machine.closeReason(of: 1) == .idleTimeout)
    }

    @Test func theFastPathTakesThePreferredConnectionWithinItsWindowElseTheMostRecent() throws {
        var machine = threeIdle()
        // Idle stack, most recent last: 1, 2, 3. A window of 2 sees 2 and 3 only.
        #expect(machine.leaseIdleConnection(origin: a, now: t0 + .seconds(5), window: 2, preferredLoop: 1)?.id == 3)
        let taken = machine.leaseIdleConnection(origin: a, now: t0 + .seconds(5), window: 8, preferredLoop: 1)
        let second = try #require(taken)
        #expect(second.id == 1)
        #expect(second.idleTime == .seconds(4))
        #expect(machine.connections[1]?.lastIdle == .seconds(4))
        #expect(machine.connections[1]?.served == 2)
        #expect(machine.leaseIdleConnection(origin: a, now: t0 + .seconds(5))?.id == 2)
        #expect(machine.leaseIdleConnection(origin: a, now: t0 + .seconds(5)) == nil)
        #expect(machine.leaseIdleConnection(origin: b, now: t0 + .seconds(5)) == nil)
        #expect(machine.idleCount == 0)
        #expect(machine.leasedCount == 3)
    }

    /// Connections 1–4 idle in that order, 1 and 2 on loop 1, 3 and 4 on loop 2.
    func fourIdleOnTwoLoops() -> Machine {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(10))
        for request in 1...4 {
            _ = granting(&machine, machine.requestConnection(request, origin: a, now: t0))
            _ = machine.connected(request, now: t0, loop: request <= 2 ? 1 : 2)
        }
        for id in 1...4 { _ = machine.released(id, reusable: true, now: t0 + .seconds(Double(id))) }
        return machine
    }

    @Test func theFastPathTakesTheMostRecentlyIdleConnectionOnThePreferredLoop() {
        var machine = fourIdleOnTwoLoops()
        #expect(machine.origins[a]?.idle == [
            .init(id: 1, loop: 1), .init(id: 2, loop: 1), .init(id: 3, loop: 2), .init(id: 4, loop: 2),
        ])
        // Loop 1 holds 1 and 2: the more recently idle one, 2, is taken; then 1.
        #expect(machine.leaseIdleConnection(origin: a, now: t0 + .seconds(5), preferredLoop: 1)?.id == 2)
        #expect(machine.leaseIdleConnection(origin: a, now: t0 + .seconds(5), preferredLoop: 1)?.id == 1)
        // None is left on loop 1: the most recently idle one overall.
        #expect(machine.leaseIdleConnection(origin: a, now: t0 + .seconds(5), preferredLoop: 1)?.id == 4)
        // A loop no connection lives on prefers nothing.
        #expect(machine.leaseIdleConnection(origin: a, now: t0 + .seconds(5), preferredLoop: 9)?.id == 3)
        // Released again, each connection goes back on the idle stack with its own loop.
        _ = machine.released(1, reusable: true, now: t0 + .seconds(6))
        _ = machine.released(4, reusable: true, now: t0 + .seconds(7))
        #expect(machine.origins[a]?.idle == [.init(id: 1, loop: 1), .init(id: 4, loop: 2)])
    }

    @Test func aConnectionThatGoesIdleWhenItOpensKeepsItsLoop() {
        var machine = Machine(maxConnectionsPerHost: 2, idleTimeout: .seconds(10))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        // The request gives up while its connection opens: the connection goes idle as soon as it is open.
        _ = machine.cancel(1, reason: .cancelled)
        #expect(machine.connected(1, now: t0, loop: 7) == [])
        #expect(machine.origins[a]?.idle == [.init(id: 1, loop: 7)])
        #expect(machine.connections[1]?.loop == 7)
    }

    @Test func theFastPathDeclinesAnExpiredCandidateAndChangesNothing() {
        var machine = threeIdle()
        // At t0 + 11.5 s connection 1 has passed its 10 s idle timeout; it is the preferred candidate.
        #expect(machine.leaseIdleConnection(origin: a, now: t0 + .seconds(11.5), preferredLoop: 1) == nil)
        #expect(machine.origins[a]?.idle == [.init(id: 1, loop: 1), .init(id: 2, loop: 2), .init(id: 3, loop: 3)])
        #expect(machine.idleCount == 3)
        // The general path then closes it and leases the most recent one.
        #expect(
            machine.requestConnection(4, origin: a, now: t0 + .seconds(11.5), preferring: 1)
                == [.close(1), .lease(3, to: 4, reused: true)])
        var shutDown = threeIdle()
        _ = shutDown.shutdown()
        #expect(shutDown.leaseIdleConnection(origin: a, now: t0 + .seconds(5)) == nil)
    }

    @Test func requestsBeyondTheLimitWaitInOrderAndAReleasedConnectionGoesToTheOldestWaiter() {
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60))
        #expect(granting(&machine, machine.requestConnection(1, origin: a, now: t0)) == [.open(1, a)])
        #expect(machine.requestConnection(2, origin: a, now: t0) == [])
        #expect(machine.requestConnection(3, origin: a, now: t0) == [])
        #expect(machine.connected(1, now: t0) == [.lease(1, to: 1, reused: false)])
        #expect(machine.released(1, reusable: true, now: t0) == [.lease(1, to: 2, reused: true)])
        #expect(machine.released(1, reusable: false, now: t0) == [.close(1)])
        #expect(granting(&machine, machine.requestConnection(4, origin: b, now: t0)) == [.open(2, b)])
        // The slot is freed only when the close has completed; it goes straight to waiter 3's origin.
        #expect(machine.closed(1) == [.open(3, a)])
        #expect(machine.connected(3, now: t0) == [.lease(3, to: 3, reused: false)])
        #expect(machine.slotsHeld == 2)
    }

    @Test func aConnectFailureFailsTheOldestWaiterAndRetriesForTheOthers() {
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = machine.requestConnection(2, origin: a, now: t0)
        #expect(machine.connectFailed(1) == [.fail(1, .connectFailed(1)), .open(2, a)])
        #expect(machine.connectFailed(2) == [.fail(2, .connectFailed(2)), .returnSlot])
        #expect(machine.slotsHeld == 0)
        #expect(machine.origins.isEmpty)
    }

    @Test func anIdleConnectionClosedByTheServerIsRemovedBeforeAnyonePicksIt() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = machine.connected(1, now: t0)
        _ = machine.released(1, reusable: true, now: t0)
        #expect(machine.closed(1) == [.returnSlot])
        #expect(machine.requestConnection(2, origin: a, now: t0) == [.requestSlot])
    }

    @Test func idleConnectionsExpireAtCheckoutAndBySweep() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(10))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = granting(&machine, machine.requestConnection(2, origin: a, now: t0))
        _ = machine.connected(1, now: t0)
        _ = machine.connected(2, now: t0)
        _ = machine.released(1, reusable: true, now: t0)
        _ = machine.released(2, reusable: true, now: t0 + .seconds(5))
        #expect(machine.nextExpiry == t0 + .seconds(10))
        #expect(machine.closeExpired(now: t0 + .seconds(9)) == [])
        #expect(machine.closeExpired(now: t0 + .seconds(10)) == [.close(1)])
        // Connection 2 expired too by the time it is asked for: closed on the way, another one is wanted.
        #expect(machine.requestConnection(3, origin: a, now: t0 + .seconds(20)) == [.close(2), .requestSlot])
    }

    @Test func aKeepAliveTimeoutHintExpiresTheConnectionBeforeTheServerDoes() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = machine.connected(1, now: t0)
        // The server keeps idle connections for 1 s: Courier keeps this one 750 ms.
        _ = machine.released(1, reusable: true, now: t0, hints: KeepAliveHints(timeoutSeconds: 1, maxRequests: 4))
        #expect(machine.connections[1]?.hints == KeepAliveHints(timeoutSeconds: 1, maxRequests: 4))
        #expect(machine.nextExpiry == t0 + .milliseconds(750))
        #expect(machine.requestConnection(2, origin: a, now: t0 + .milliseconds(749)) == [.lease(1, to: 2, reused: true)])
        _ = machine.released(1, reusable: true, now: t0 + .seconds(1), hints: KeepAliveHints(timeoutSeconds: 1, maxRequests: 3))
        #expect(machine.closeExpired(now: t0 + .milliseconds(1749)) == [])
        #expect(machine.closeExpired(now: t0 + .milliseconds(1750)) == [.close(1)])
        // timeout=0: the server will not keep it, so it closes at once.
        _ = granting(&machine, machine.requestConnection(3, origin: a, now: t0 + .seconds(2)))
        _ = machine.connected(2, now: t0 + .seconds(2))
        #expect(machine.released(2, reusable: true, now: t0 + .seconds(2), hints: KeepAliveHints(timeoutSeconds: 0)) == [.close(2)])
    }

    @Test func aFullBudgetEvictsTheLeastRecentlyUsedIdleConnectionOfAnotherOrigin() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        for request in 1...2 { _ = granting(&machine, machine.requestConnection(request, origin: a, now: t0)) }
        _ = machine.connected(1, now: t0)
        _ = machine.connected(2, now: t0)
        _ = machine.released(2, reusable: true, now: t0 + .seconds(1))
        _ = machine.released(1, reusable: true, now: t0 + .seconds(2))
        // The budget (2) is full: origin b's request gets the slot of a's least recently used idle connection.
        #expect(machine.requestConnection(3, origin: b, now: t0 + .seconds(3)) == [.requestSlot])
        #expect(machine.slotDenied() == [.close(2)])
        #expect(machine.closed(2) == [.open(3, b)])
        #expect(machine.connected(3, now: t0 + .seconds(3)) == [.lease(3, to: 3, reused: false)])
        // A wake-up after the need was met asks for nothing.
        #expect(machine.wakeUp() == [])
    }

    @Test func aConnectionGoingIdleMakesRoomWhenAnotherOriginStarves() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = machine.connected(1, now: t0)
        #expect(machine.requestConnection(2, origin: b, now: t0) == [.requestSlot])
        #expect(machine.slotDenied() == [])
        #expect(machine.released(1, reusable: true, now: t0) == [.close(1)])
        #expect(machine.closed(1) == [.open(2, b)])
    }

    @Test func aSlotRequestNotYetAnsweredClosesNothing() {
        // The pool asks the budget under one lock and applies its answer under the next: a connection released in
        // between must not be closed to make room the budget may well grant.
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = machine.connected(1, now: t0)
        #expect(machine.requestConnection(3, origin: a, now: t0) == [])
        #expect(machine.requestConnection(2, origin: b, now: t0) == [.requestSlot])
        #expect(machine.released(1, reusable: true, now: t0) == [.lease(1, to: 3, reused: true)])
        #expect(machine.released(1, reusable: true, now: t0) == [])
        #expect(machine.idleCount == 1)
        #expect(machine.slotGranted() == [.open(2, b)])
        // Denied, the same release makes room.
        #expect(machine.requestConnection(4, origin: c, now: t0) == [.requestSlot])
        #expect(machine.slotDenied() == [.close(1)])
    }

    @Test func slotsGoToTheOriginThatHasWaitedLongest() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        #expect(machine.requestConnection(1, origin: a, now: t0) == [.requestSlot])
        #expect(machine.slotDenied() == [])
        _ = machine.requestConnection(2, origin: b, now: t0)
        _ = machine.requestConnection(3, origin: c, now: t0)
        _ = machine.requestConnection(4, origin: a, now: t0)
        #expect(machine.wakeUp() == [.requestSlot])
        #expect(machine.slotGranted() == [.open(1, a), .requestSlot])
        #expect(machine.slotGranted() == [.open(2, b), .requestSlot])
        #expect(machine.slotGranted() == [.open(3, c), .requestSlot])
        #expect(machine.slotGranted() == [.open(4, a)])
    }

    @Test func underAFullBudgetASlotMovesToAnOriginWithFewerConnectionsThatWaitedLonger() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = machine.connected(1, now: t0)
        #expect(machine.requestConnection(2, origin: b, now: t0) == [.requestSlot])
        #expect(machine.slotDenied() == [])
        _ = machine.requestConnection(3, origin: a, now: t0)
        // b's request 2 is older than a's request 3: a's connection makes room instead of serving a again.
        #expect(machine.released(1, reusable: true, now: t0) == [.close(1)])
        #expect(machine.closed(1) == [.open(2, b)])
        #expect(machine.connected(2, now: t0) == [.lease(2, to: 2, reused: false)])
        // Now a waits longest: b's connection goes back to a's origin the same way.
        #expect(machine.wakeUp() == [.requestSlot])
        #expect(machine.slotDenied() == [])
        _ = machine.requestConnection(4, origin: b, now: t0)
        #expect(machine.released(2, reusable: true, now: t0) == [.close(2)])
        #expect(machine.closed(2) == [.open(3, a)])
    }

    @Test func runningOutOfDescriptorsWaitsAndRetriesInsteadOfFailing() {
        var machine = Machine(maxConnectionsPerHost: 8, idleTimeout: .seconds(60), exhaustionTimeout: .seconds(30))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = machine.connected(1, now: t0)
        _ = machine.released(1, reusable: true, now: t0)
        _ = granting(&machine, machine.requestConnection(2, origin: b, now: t0))
        // Connection 2 cannot get a socket: nobody fails; idle connection 1 is closed to give a descriptor back;
        // the cap drops below what is open by the reserve (to 0); a retry is scheduled.
        #expect(machine.outOfDescriptors(2, now: t0) == [.close(1), .scheduleRetry(after: .milliseconds(50)), .returnSlot])
        #expect(machine.connectionCap == 0)
        #expect(machine.exhaustionEvents == 1)
        // The close completes, but nothing opens before the timer.
        #expect(machine.closed(1) == [.returnSlot])
        // The timer allows one more socket; it fails too, and the backoff doubles.
        #expect(granting(&machine, machine.retryAfterExhaustion(now: t0 + .milliseconds(50))) == [.open(3, b)])
        #expect(machine.outOfDescriptors(3, now: t0 + .milliseconds(51)) == [.scheduleRetry(after: .milliseconds(100)), .returnSlot])
        // The next one opens cleanly: exhaustion is over, and the waiter gets it.
        #expect(granting(&machine, machine.retryAfterExhaustion(now: t0 + .milliseconds(151))) == [.open(4, b)])
        #expect(machine.connected(4, now: t0 + .milliseconds(152)) == [.lease(4, to: 2, reused: false)])
        #expect(machine.exhaustion == nil)
        #expect(machine.connectionCap == 1)
        // More demand waits for the cap, which rises by one per second on the timer.
        #expect(machine.requestConnection(5, origin: b, now: t0 + .milliseconds(200)) == [.scheduleRetry(after: .seconds(1))])
        #expect(granting(&machine, machine.retryAfterExhaustion(now: t0 + .milliseconds(1200))) == [.open(5, b)])
        #expect(machine.connectionCap == 2)
    }

    @Test func afterRunningOutReleasedConnectionsAboveTheCapAreGivenBack() {
        var machine = Machine(maxConnectionsPerHost: 8, idleTimeout: .seconds(60))
        for request in 1...4 { _ = granting(&machine, machine.requestConnection(request, origin: a, now: t0)) }
        for id in 1...3 { _ = machine.connected(id, now: t0) }
        // Three leased, the fourth cannot get a socket: the cap becomes 3 - 2 = 1.
        _ = machine.outOfDescriptors(4, now: t0)
        #expect(machine.connectionCap == 1)
        // Request 4 still waits, but released connections above the cap close instead of serving it.
        #expect(machine.released(1, reusable: true, now: t0) == [.close(1)])
        #expect(machine.released(2, reusable: true, now: t0) == [.close(2)])
        #expect(machine.closeReason(of: 1) == .descriptorPressure)
        #expect(machine.closed(1) == [.returnSlot])
        #expect(machine.closed(2) == [.returnSlot])
        // At the cap, a released connection serves the waiter again.
        #expect(machine.released(3, reusable: true, now: t0) == [.lease(3, to: 4, reused: true)])
    }

    @Test func waitersFailOnlyWhenNoSocketOpensForTheExhaustionTimeout() {
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60), exhaustionTimeout: .seconds(30))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        #expect(machine.requestConnection(2, origin: a, now: t0) == [])
        #expect(machine.outOfDescriptors(1, now: t0) == [.scheduleRetry(after: .milliseconds(50)), .returnSlot])
        // Every retry tries one more socket, and every attempt fails, for 29 s: nobody fails meanwhile.
        var now = t0
        var attempts = 1
        while now < t0 + .seconds(29) {
            now = now + .seconds(1)
            let actions = granting(&machine, machine.retryAfterExhaustion(now: now))
            guard case .open(let id, _) = actions.first else { break }
            attempts += 1
            _ = machine.outOfDescriptors(id, now: now)
        }
        #expect(attempts == 30)
        #expect(machine.exhaustion?.backoff == .seconds(1))
        #expect(machine.retryAfterExhaustion(now: t0 + .seconds(31)) == [.fail(1, .outOfDescriptors), .fail(2, .outOfDescriptors)])
        #expect(machine.slotsHeld == 0)
        // Not stuck: the next request tries one socket again when the cap's timer fires.
        #expect(machine.requestConnection(3, origin: a, now: t0 + .seconds(32)) == [.scheduleRetry(after: .seconds(1))])
        let next = granting(&machine, machine.retryAfterExhaustion(now: t0 + .seconds(33)))
        guard case .open = next.first else {
            Issue.record("after giving up, a new request opened nothing: \(next)")
            return
        }
    }

    @Test func idleConnectionsBeyondTheIdleLimitAreClosed() {
        var machine = Machine(maxConnectionsPerHost: 4, maxIdleConnectionsPerHost: 1, idleTimeout: .seconds(60))
        for request in 1...2 { _ = granting(&machine, machine.requestConnection(request, origin: a, now: t0)) }
        _ = machine.connected(1, now: t0)
        _ = machine.connected(2, now: t0)
        #expect(machine.released(1, reusable: true, now: t0) == [])
        #expect(machine.released(2, reusable: true, now: t0) == [.close(2)])
        #expect(machine.closeReason(of: 2) == .idleLimit)
        #expect(machine.idleCount == 1)
    }

    @Test func shutdownWithAGracePeriodLetsLeasedConnectionsFinish() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        for request in 1...2 { _ = granting(&machine, machine.requestConnection(request, origin: a, now: t0)) }
        _ = machine.connected(1, now: t0)
        _ = machine.connected(2, now: t0)
        _ = machine.released(2, reusable: true, now: t0)
        #expect(machine.shutdown(closeLeased: false) == [.close(2)])
        // Connection 1's request ends within the grace period: it closes then, as nothing may reuse it.
        #expect(machine.released(1, reusable: true, now: t0) == [.close(1)])
        #expect(machine.closeLeased() == [])

        var late = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        _ = granting(&late, late.requestConnection(1, origin: a, now: t0))
        _ = late.connected(1, now: t0)
        #expect(late.shutdown(closeLeased: false) == [])
        #expect(late.closeLeased() == [.close(1)])
    }

    @Test func cancellingAWaiterAnswersItOnceAndReturnsASlotNobodyNeeds() {
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = machine.requestConnection(2, origin: a, now: t0)
        #expect(machine.cancel(2) == [.fail(2, .cancelled)])
        #expect(machine.cancel(2) == [])
        #expect(machine.cancel(1, reason: .acquireTimeout) == [.fail(1, .acquireTimeout)])
        #expect(machine.connected(1, now: t0) == [])
        #expect(machine.slotsHeld == 1)
    }

    @Test func shutdownFailsWaitersClosesEverythingAndOpensNothing() {
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60))
        _ = granting(&machine, machine.requestConnection(1, origin: a, now: t0))
        _ = machine.requestConnection(2, origin: a, now: t0)
        _ = machine.connected(1, now: t0)
        #expect(machine.shutdown() == [.fail(2, .shutdown), .close(1)])
        #expect(machine.requestConnection(3, origin: a, now: t0) == [.fail(3, .shutdown)])
        #expect(machine.released(1, reusable: true, now: t0) == [])
        #expect(machine.closed(1) == [.returnSlot])
        #expect(machine.slotsHeld == 0)
    }

    /// 10,000 seeded random event sequences against a mock shell and budget that enforce the invariants after
    /// every event. A failure names its seed: `PoolHarness(seed:)` replays it.
    @Test(arguments: 0..<100)
    func randomizedSequencesKeepTheInvariants(batch: UInt64) throws {
        for index in 0..<100 as Range<UInt64> {
            var harness = PoolHarness(seed: (batch * 100 + index) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
            for _ in 0..<150 {
                try harness.step()
            }
            try harness.finish()
        }
    }
}
