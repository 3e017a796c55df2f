@testable import Courier

/// Plays the I/O side of one pool and of the budget it shares with others: opens, fails, releases and closes
/// connections the way channels would, grants or denies slots, and throws on any action that breaks an invariant.
struct PoolHarness {
    struct Violation: Error, CustomStringConvertible {
        var description: String
    }

    var rng: SplitMix64
    let seed: UInt64
    let perHost: Int
    let budget: Int
    var machine: PoolStateMachine
    var now = ContinuousClock.now
    let origins = (0..<3).map { Origin(scheme: "http", host: "h\($0).test", port: 80) }
    var nextRequest = 1
    var pending: Set<Int> = []
    var holder: [Int: Int] = [:]  // connection → request
    var opening: Set<Int> = []
    var closing: Set<Int> = []
    /// Slots this pool holds according to the budget, and slots other pools hold.
    var grantedToPool = 0
    var heldByOthers = 0
    /// The pool was denied a slot and waits for a wake-up.
    var awaitingWake = false
    var shutDown = false
    var retryTimerPending = false
    var log: [String] = []
    /// Each request's origin, and per origin the requests not answered at once, in the order they asked.
    var requestOrigin: [Int: Origin] = [:]
    var waiting: [Origin: [Int]] = [:]

    init(seed: UInt64) {
        self.seed = seed
        self.rng = SplitMix64(seed: seed)
        self.perHost = Int(rng.next() % 4) + 1
        self.budget = Int(rng.next() % 6) + 1
        self.machine = PoolStateMachine(maxConnectionsPerHost: perHost, idleTimeout: .seconds(30))
    }

    mutating func step() throws {
        now = now + .milliseconds(Int64(rng.next() % 2000))
        switch rng.next() % 12 {
        case 0, 1:
            let id = nextRequest
            nextRequest += 1
            pending.insert(id)
            let origin = origins[Int(rng.next() % UInt64(origins.count))]
            requestOrigin[id] = origin
            if rng.next() % 2 == 0 {
                try apply("request \(id) \(origin.host)", machine.requestConnection(id, origin: origin, now: now))
            } else {
                try requestThroughFastPath(id, origin: origin)
            }
            if pending.contains(id) { waiting[origin, default: []].append(id) }
        case 2:
            guard let id = opening.randomElement(using: &rng) else { return }
            opening.remove(id)
            let roll = rng.next() % 8
            if roll < 2 {
                try apply("connectFailed \(id)", machine.connectFailed(id))
            } else if roll == 2 {
                try apply("EMFILE \(id)", machine.outOfDescriptors(id, now: now))
            } else {
                try apply("connected \(id)", machine.connected(id, now: now, loop: Self.loop(of: id)))
            }
        case 3, 4:
            guard let (id, _) = holder.randomElement(using: &rng) else { return }
            holder[id] = nil
            let reusable = rng.next() % 3 != 0
            let hints = rng.next() % 4 == 0 ? KeepAliveHints(timeoutSeconds: Int(rng.next() % 3)) : KeepAliveHints()
            try apply("released \(id) \(reusable) \(hints)", machine.released(id, reusable: reusable, now: now, hints: hints))
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
            let reason: PoolStateMachine.FailureReason = rng.next() % 2 == 0 ? .cancelled : .acquireTimeout
            try apply("cancel \(id) \(reason)", machine.cancel(id, reason: reason))
        case 8:
            // Other pools take or give back slots of the shared budget.
            if rng.next() % 2 == 0, grantedToPool + heldByOthers < budget {
                heldByOthers += 1
            } else if heldByOthers > 0 {
                heldByOthers -= 1
                try wake()
            }
        case 9:
            try wake()
            if retryTimerPending {
                retryTimerPending = false
                try apply("retry timer", machine.retryAfterExhaustion(now: now))
            }
        case 10:
            try apply("evict for another pool", machine.evictOneIdle())
        default:
            try apply("sweep", machine.closeExpired(now: now))
        }
    }

    /// A request as ``ConnectionPool`` makes it: the idle fast path first (connections with odd ids live on loop
    /// 1, and half the callers prefer it, as a caller on that loop would), `requestConnection` when that declines.
    /// Whatever the fast path does must be what `requestConnection(preferring:)` does with the connection it
    /// took, checked on a copy.
    private mutating func requestThroughFastPath(_ id: Int, origin: Origin) throws {
        let preferOdd = rng.next() % 2 == 0
        var reference = machine
        // The candidate, worked out here from the idle stack: among its 2 most recent entries, the most recent on
        // loop 1 when preferring it, else the most recent.
        let stack = machine.origins[origin]?.idle ?? []
        let window = stack.suffix(2)
        let candidate = (preferOdd ? window.last { $0.loop == 1 } : nil) ?? window.last
        guard let (leased, idleTime) = machine.leaseIdleConnection(
            origin: origin, now: now, window: 2, preferredLoop: preferOdd ? 1 : nil)
        else {
            try apply("request \(id) \(origin.host) (fast path declined)", machine.requestConnection(id, origin: origin, now: now))
            return
        }
        guard leased == candidate?.id else {
            throw violation("fast path leased \(leased), the candidate was \(String(describing: candidate?.id))")
        }
        let expected = reference.requestConnection(id, origin: origin, now: now, preferring: leased)
        guard expected == [.lease(leased, to: id, reused: true)] else {
            throw violation("fast path leased \(leased) where requestConnection answered \(expected)")
        }
        let same =
            reference.origins[origin]?.idle == machine.origins[origin]?.idle
            && reference.connections[leased]?.served == machine.connections[leased]?.served
            && reference.connections[leased]?.lastIdle == idleTime && machine.connections[leased]?.lastIdle == idleTime
            && reference.idleCount == machine.idleCount && reference.leasedCount == machine.leasedCount
        guard same else { throw violation("fast path lease of \(leased) left a different state") }
        try apply("request \(id) \(origin.host) (fast path)", [.lease(leased, to: id, reused: true)])
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
                try apply("connected \(id)", machine.connected(id, now: now, loop: Self.loop(of: id)))
            } else if let (id, _) = holder.first {
                holder[id] = nil
                try apply("released \(id)", machine.released(id, reusable: true, now: now))
            } else if let id = closing.first {
                closing.remove(id)
                try apply("closed \(id)", machine.closed(id))
            }
        }
        try wake()
        if retryTimerPending { try apply("retry timer", machine.retryAfterExhaustion(now: now)) }
        guard pending.isEmpty else { throw violation("requests never answered: \(pending.sorted())") }
        guard machine.connectionCount == 0 else { throw violation("connections left: \(machine.connections)") }
        guard grantedToPool == 0, machine.slotsHeld == 0 else {
            throw violation("slots not returned: budget says \(grantedToPool), pool holds \(machine.slotsHeld)")
        }
    }

    private mutating func wake() throws {
        guard awaitingWake else { return }
        awaitingWake = false
        try apply("wake", machine.wakeUp())
    }

    private mutating func apply(_ event: String, _ actions: [PoolStateMachine.Action]) throws {
        log.append("\(event) -> \(actions)")
        for action in actions {
            switch action {
            case .open(let id, _):
                guard !shutDown else { throw violation("opened \(id) after shutdown") }
                if let cap = machine.connectionCap, machine.connectionCount > cap {
                    throw violation("opened \(id) beyond the descriptor cap \(cap)")
                }
                guard opening.insert(id).inserted else { throw violation("opened \(id) twice") }
            case .lease(let id, let request, _):
                guard !shutDown else { throw violation("leased \(id) after shutdown") }
                guard holder[id] == nil else { throw violation("connection \(id) leased to two requests") }
                guard pending.remove(request) != nil else { throw violation("request \(request) answered twice") }
                holder[id] = request
                // First in, first out: a connection goes to the origin's longest-waiting request.
                if let origin = requestOrigin[request], let queue = waiting[origin], !queue.isEmpty {
                    guard queue.first == request else {
                        throw violation("leased \(id) to request \(request) while \(queue.first!) waited longer (queue \(queue))")
                    }
                    waiting[origin]?.removeFirst()
                }
            case .fail(let request, _):
                guard pending.remove(request) != nil else { throw violation("request \(request) answered twice") }
                if let origin = requestOrigin[request] { waiting[origin]?.removeAll { $0 == request } }
            case .close(let id):
                holder[id] = nil
                opening.remove(id)
                closing.insert(id)
            case .requestSlot:
                if grantedToPool + heldByOthers < budget, rng.next() % 5 != 0 {
                    grantedToPool += 1
                    try apply("slot granted", machine.slotGranted())
                } else {
                    awaitingWake = true
                    try apply("slot denied", machine.slotDenied())
                }
            case .returnSlot:
                guard grantedToPool > 0 else { throw violation("returned a slot it did not hold") }
                grantedToPool -= 1
            case .scheduleRetry:
                guard !retryTimerPending else { throw violation("retry timer scheduled twice") }
                retryTimerPending = true
            }
        }
        try checkInvariants()
    }

    /// The loop connection `id` opens on: odd ids on loop 1, even ones on loop 0.
    static func loop(of id: Int) -> Int { id % 2 }

    private func checkInvariants() throws {
        guard machine.slotsHeld == grantedToPool else {
            throw violation("pool holds \(machine.slotsHeld) slots, the budget granted \(grantedToPool)")
        }
        guard grantedToPool + heldByOthers <= budget else { throw violation("budget \(budget) exceeded") }
        guard machine.connectionCount <= budget else { throw violation("more connections than the budget") }
        for origin in origins {
            let count = machine.connections.values.filter { $0.origin == origin }.count
            guard count <= perHost else { throw violation("\(origin) has \(count) connections, limit \(perHost)") }
            if let state = machine.origins[origin] {
                guard state.count == count else { throw violation("\(origin) counts \(state.count), has \(count)") }
                let openingCount = machine.connections.values.filter { $0.origin == origin && $0.state == .opening }.count
                guard state.opening == openingCount else { throw violation("\(origin) opening \(state.opening) vs \(openingCount)") }
                guard state.idle.isEmpty || state.waiters.isEmpty else { throw violation("idle connection beside a waiter") }
                // The idle stack holds exactly the origin's idle connections, once each, with the loop each opened on.
                let idleIDs = machine.connections.filter { entry in
                    if case .idle = entry.value.state { entry.value.origin == origin } else { false }
                }.keys
                guard Set(state.idle.map(\.id)) == Set(idleIDs), state.idle.count == idleIDs.count else {
                    throw violation("\(origin) idle stack \(state.idle.map(\.id)), idle connections \(idleIDs.sorted())")
                }
                for entry in state.idle where entry.loop != Self.loop(of: entry.id) || machine.connections[entry.id]?.loop != entry.loop {
                    throw violation("idle connection \(entry.id) on loop \(entry.loop), opened on \(Self.loop(of: entry.id))")
                }
            }
        }
        let idle = machine.connections.values.filter { if case .idle = $0.state { true } else { false } }.count
        let leased = machine.connections.values.filter { $0.state == .leased }.count
        guard machine.idleCount == idle, machine.leasedCount == leased else {
            throw violation("counts idle \(machine.idleCount)/\(idle), leased \(machine.leasedCount)/\(leased)")
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
