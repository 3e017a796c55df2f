import Testing

@testable import Courier

@Suite struct PoolStateMachineTests {
    typealias Machine = PoolStateMachine
    let a = Origin(scheme: "http", host: "a.test", port: 80)
    let b = Origin(scheme: "http", host: "b.test", port: 80)
    let t0 = ContinuousClock.now

    @Test func firstRequestOpensAConnectionThatIsThenLeasedAndReused() {
        var machine = Machine(maxConnectionsPerHost: 2, idleTimeout: .seconds(60))
        #expect(machine.requestConnection(1, origin: a, now: t0) == [.open(1, a)])
        #expect(machine.connected(1, now: t0) == [.lease(1, to: 1, reused: false)])
        #expect(machine.released(1, reusable: true, now: t0) == [])
        #expect(machine.requestConnection(2, origin: a, now: t0 + .seconds(1)) == [.lease(1, to: 2, reused: true)])
        #expect(machine.connectionCount == 1)
    }

    @Test func requestsBeyondTheLimitWaitInOrderAndAReleasedConnectionGoesToTheOldestWaiter() {
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60))
        #expect(machine.requestConnection(1, origin: a, now: t0) == [.open(1, a)])
        #expect(machine.requestConnection(2, origin: a, now: t0) == [])
        #expect(machine.requestConnection(3, origin: a, now: t0) == [])
        #expect(machine.connected(1, now: t0) == [.lease(1, to: 1, reused: false)])
        #expect(machine.released(1, reusable: true, now: t0) == [.lease(1, to: 2, reused: true)])
        #expect(machine.released(1, reusable: false, now: t0) == [.close(1)])
        // The slot is freed only when the close has completed; then a new connection opens for waiter 3.
        #expect(machine.requestConnection(4, origin: b, now: t0) == [.open(2, b)])
        #expect(machine.closed(1) == [.open(3, a)])
        #expect(machine.connected(3, now: t0) == [.lease(3, to: 3, reused: false)])
    }

    @Test func aConnectFailureFailsTheOldestWaiterAndRetriesForTheOthers() {
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60))
        _ = machine.requestConnection(1, origin: a, now: t0)
        _ = machine.requestConnection(2, origin: a, now: t0)
        #expect(machine.connectFailed(1) == [.fail(1, .connectFailed(1)), .open(2, a)])
        #expect(machine.connectFailed(2) == [.fail(2, .connectFailed(2))])
        #expect(machine.connectionCount == 0)
        #expect(machine.origins.isEmpty)
    }

    @Test func anIdleConnectionClosedByTheServerIsRemovedBeforeAnyonePicksIt() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        _ = machine.requestConnection(1, origin: a, now: t0)
        _ = machine.connected(1, now: t0)
        _ = machine.released(1, reusable: true, now: t0)
        #expect(machine.closed(1) == [])
        #expect(machine.requestConnection(2, origin: a, now: t0) == [.open(2, a)])
    }

    @Test func idleConnectionsExpireAtCheckoutAndBySweep() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(10))
        for id in 1...2 { _ = machine.requestConnection(id, origin: a, now: t0) }
        _ = machine.connected(1, now: t0)
        _ = machine.connected(2, now: t0)
        _ = machine.released(1, reusable: true, now: t0)
        _ = machine.released(2, reusable: true, now: t0 + .seconds(5))
        #expect(machine.nextExpiry == t0 + .seconds(10))
        #expect(machine.closeExpired(now: t0 + .seconds(9)) == [])
        #expect(machine.closeExpired(now: t0 + .seconds(10)) == [.close(1)])
        // Connection 2 expired too by the time it is asked for: closed on the way, a new one opens.
        #expect(machine.requestConnection(3, origin: a, now: t0 + .seconds(20)) == [.close(2), .open(3, a)])
    }

    @Test func aKeepAliveTimeoutHintExpiresTheConnectionBeforeTheServerDoes() {
        var machine = Machine(maxConnectionsPerHost: 4, idleTimeout: .seconds(60))
        _ = machine.requestConnection(1, origin: a, now: t0)
        _ = machine.connected(1, now: t0)
        // The server keeps idle connections for 1 s: Courier keeps this one 750 ms.
        _ = machine.released(1, reusable: true, now: t0, hints: KeepAliveHints(timeoutSeconds: 1, maxRequests: 4))
        #expect(machine.connections[1]?.hints == KeepAliveHints(timeoutSeconds: 1, maxRequests: 4))
        #expect(machine.nextExpiry == t0 + .milliseconds(750))
        #expect(machine.requestConnection(2, origin: a, now: t0 + .milliseconds(749)) == [.lease(1, to: 2, reused: true)])
        _ = machine.released(1, reusable: true, now: t0 + .seconds(1), hints: KeepAliveHints(timeoutSeconds: 1, maxRequests: 3))
        #expect(machine.closeExpired(now: t0 + .milliseconds(1749)) == [])
        #expect(machine.closeExpired(now: t0 + .milliseconds(1750)) == [.close(1)])
        // A hint without a timeout leaves the pool's idle timeout; timeout=0 closes at once.
        _ = machine.requestConnection(3, origin: a, now: t0 + .seconds(2))
        _ = machine.connected(2, now: t0 + .seconds(2))
        #expect(machine.released(2, reusable: true, now: t0 + .seconds(2), hints: KeepAliveHints(timeoutSeconds: 0)) == [.close(2)])
    }

    @Test func cancellingAWaiterAnswersItOnce() {
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60))
        _ = machine.requestConnection(1, origin: a, now: t0)
        _ = machine.requestConnection(2, origin: a, now: t0)
        #expect(machine.cancel(2) == [.fail(2, .cancelled)])
        #expect(machine.cancel(2) == [])
        #expect(machine.connected(1, now: t0) == [.lease(1, to: 1, reused: false)])
        #expect(machine.released(1, reusable: true, now: t0) == [])
    }

    @Test func shutdownFailsWaitersClosesEverythingAndOpensNothing() {
        var machine = Machine(maxConnectionsPerHost: 1, idleTimeout: .seconds(60))
        _ = machine.requestConnection(1, origin: a, now: t0)
        _ = machine.requestConnection(2, origin: a, now: t0)
        _ = machine.connected(1, now: t0)
        #expect(machine.shutdown() == [.fail(2, .shutdown), .close(1)])
        #expect(machine.requestConnection(3, origin: a, now: t0) == [.fail(3, .shutdown)])
        #expect(machine.released(1, reusable: true, now: t0) == [])
        #expect(machine.closed(1) == [])
        #expect(machine.connectionCount == 0)
    }

    /// Seeded random event sequences against a mock shell that enforces the invariants after every step.
    @Test(arguments: 0..<64)
    func randomizedSequencesKeepTheInvariants(seed: UInt64) throws {
        var harness = PoolHarness(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        for _ in 0..<400 {
            try harness.step()
        }
        try harness.finish()
    }
}

/// Plays the I/O side of the pool: opens, fails, releases and closes connections the way channels would,
/// and throws on any action that breaks an invariant.
struct PoolHarness {
    struct Violation: Error, CustomStringConvertible {
        var description: String
    }

    var rng: SplitMix64
    let seed: UInt64
    let limit: Int
    var machine: PoolStateMachine
    var now = ContinuousClock.now
    let origins = (0..<3).map { Origin(scheme: "http", host: "h\($0).test", port: 80) }
    var nextRequest = 1
    var pending: Set<Int> = []
    var answered: Set<Int> = []
    var holder: [Int: Int] = [:]  // connection → request
    var opening: Set<Int> = []
    var closing: Set<Int> = []
    var shutDown = false
    var log: [String] = []

    init(seed: UInt64) {
        self.seed = seed
        self.rng = SplitMix64(seed: seed)
        self.limit = Int(rng.next() % 4) + 1
        self.machine = PoolStateMachine(maxConnectionsPerHost: limit, idleTimeout: .seconds(30))
    }

    mutating func step() throws {
        now = now + .milliseconds(Int64(rng.next() % 2000))
        switch rng.next() % 9 {
        case 0, 1:
            let id = nextRequest
            nextRequest += 1
            pending.insert(id)
            let origin = origins[Int(rng.next() % UInt64(origins.count))]
            try apply("request \(id) \(origin.host)", machine.requestConnection(id, origin: origin, now: now))
        case 2:
            guard let id = opening.randomElement(using: &rng) else { return }
            opening.remove(id)
            if rng.next() % 4 == 0 {
                try apply("connectFailed \(id)", machine.connectFailed(id))
            } else {
                try apply("connected \(id)", machine.connected(id, now: now))
            }
        case 3, 4:
            guard let (id, _) = holder.randomElement(using: &rng) else { return }
            holder[id] = nil
            let reusable = rng.next() % 3 != 0
            try apply("released \(id) \(reusable)", machine.released(id, reusable: reusable, now: now))
        case 5:
            guard let id = closing.randomElement(using: &rng) else { return }
            closing.remove(id)
            try apply("closed \(id)", machine.closed(id))
        case 6:
            // The server drops an idle connection (EOF on the idle channel).
            let idle = machine.connections.filter { if case .idle = $0.value.state { return true } else { return false } }
            guard let (id, _) = idle.randomElement(using: &rng) else { return }
            try apply("server closed idle \(id)", machine.closed(id))
        case 7:
            guard let id = pending.randomElement(using: &rng) else { return }
            try apply("cancel \(id)", machine.cancel(id))
        default:
            try apply("sweep", machine.closeExpired(now: now))
        }
    }

    mutating func finish() throws {
        try apply("shutdown", machine.shutdown())
        shutDown = true
        var rounds = 0
        while !(opening.isEmpty && closing.isEmpty && holder.isEmpty) {
            rounds += 1
            guard rounds < 10_000 else { throw violation("shutdown never completed") }
            if let id = opening.first {
                opening.remove(id)
                try apply("connected \(id)", machine.connected(id, now: now))
            } else if let (id, _) = holder.first {
                holder[id] = nil
                try apply("released \(id)", machine.released(id, reusable: true, now: now))
            } else if let id = closing.first {
                closing.remove(id)
                try apply("closed \(id)", machine.closed(id))
            }
        }
        guard pending.isEmpty else { throw violation("requests never answered: \(pending.sorted())") }
        guard machine.connectionCount == 0 else { throw violation("connections left: \(machine.connections)") }
    }

    private mutating func apply(_ event: String, _ actions: [PoolStateMachine.Action]) throws {
        log.append("\(event) -> \(actions)")
        for action in actions {
            switch action {
            case .open(let id, _):
                guard !shutDown else { throw violation("opened \(id) after shutdown") }
                guard opening.insert(id).inserted else { throw violation("opened \(id) twice") }
            case .lease(let id, let request, _):
                guard !shutDown else { throw violation("leased \(id) after shutdown") }
                guard holder[id] == nil else { throw violation("connection \(id) leased to two requests") }
                guard pending.remove(request) != nil else { throw violation("request \(request) answered twice") }
                answered.insert(request)
                holder[id] = request
            case .fail(let request, _):
                guard pending.remove(request) != nil else { throw violation("request \(request) answered twice") }
                answered.insert(request)
            case .close(let id):
                holder[id] = nil
                opening.remove(id)
                closing.insert(id)
            }
        }
        // Limits per origin, counting connections until their close completed.
        for origin in origins {
            let count = machine.connections.values.filter { $0.origin == origin }.count
            guard count <= limit else { throw violation("\(origin) has \(count) connections, limit \(limit)") }
            if let state = machine.origins[origin] {
                guard state.count == count else { throw violation("\(origin) counts \(state.count), has \(count)") }
                // No idle connection while a request of the same origin waits.
                guard state.idle.isEmpty || state.waiters.isEmpty else { throw violation("idle connection beside a waiter") }
            }
        }
        for (id, _) in holder {
            guard machine.connections[id]?.state == .leased else { throw violation("held connection \(id) not leased") }
        }
    }

    private func violation(_ text: String) -> Violation {
        Violation(description: "seed \(seed): \(text)\n" + log.suffix(12).joined(separator: "\n"))
    }
}

/// A small, fast, seedable generator (SplitMix64) so failures reproduce from the printed seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
