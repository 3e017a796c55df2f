/// The connection pool's decisions, as a pure state machine: events in, actions out. No I/O, no clocks,
/// no NIO types; time is passed in. ``ConnectionPool`` executes the actions after releasing its lock.
///
/// Connections draw from a budget shared with other pools (``ConnectionBudget``): every connection, from the
/// moment it starts opening until its close has completed, holds one slot. The machine asks for a slot with
/// `requestSlot` and is answered with `slotGranted` or `slotDenied`; it gives slots back with `returnSlot`.
///
/// Invariants (checked by the randomized tests after every event):
/// - slots held (connections + spare) are exactly those the budget granted and not yet returned;
/// - per origin, `connections opening + idle + leased + closing <= maxConnectionsPerHost`;
/// - a connection is leased to at most one request; an idle connection has no waiter for its origin;
/// - every request is answered exactly once (`lease` or `fail`);
/// - after `shutdown`, no connection is created or leased, and every slot is eventually returned.
struct PoolStateMachine {
    typealias ConnectionID = Int
    typealias RequestID = Int

    /// A connection's state. Valid transitions: opening → idle | leased | (removed by `connectFailed`);
    /// idle ⇄ leased; idle | leased | opening → closing → (removed by `closed`). `closed` may arrive in any state.
    enum ConnectionState: Equatable {
        /// The TCP connection is being established.
        case opening
        /// In the pool, unused since the given instant.
        case idle(since: PoolInstant)
        /// Carrying a request.
        case leased
        /// Close requested; still holds its slot until `closed`.
        case closing
    }

    /// Why a request was failed by the pool itself.
    enum FailureReason: Equatable {
        /// The client is shutting down.
        case shutdown
        /// The waiting task was cancelled.
        case cancelled
        /// The request waited longer than the acquire timeout.
        case acquireTimeout
        /// The connection opened for this origin failed; the shell attaches its error.
        case connectFailed(ConnectionID)
        /// No socket could be opened (EMFILE/ENFILE) for the exhaustion timeout.
        case outOfDescriptors
    }

    /// Why a connection closed, for metrics and logs.
    enum CloseReason: String, Sendable, CaseIterable {
        /// It sat idle for its idle timeout (the pool's, or the server's `Keep-Alive: timeout` less a margin).
        case idleTimeout = "idle_timeout"
        /// Its slot went to another origin (budget full) or to another pool.
        case evicted
        /// The client shut down.
        case shutdown
        /// `Connection: close` from either side, HTTP/1.0 without keep-alive, or a body delimited by the close.
        case connectionClose = "connection_close"
        /// The server's `Keep-Alive: max=0`: it takes no more requests on it.
        case keepAliveMax = "keep_alive_max"
        /// The exchange failed (malformed response, reset, stall, cancellation…).
        case error
        /// The server closed it after the request was written and before any byte of a response: a reused
        /// connection the server had already given up (its close was still in flight).
        case closedBeforeResponse = "closed_before_response"
        /// The server of this origin closes every connection right after its first response without saying so
        /// (``quietCloseStreakLimit`` times in a row): the connection is not reused, so no request is lost on it.
        case serverClosesEachResponse = "server_closes_each_response"
        /// The caller's scope ended before the body did, and the remainder was too large or too slow to drain.
        case unreadBody = "unread_body"
        /// The server answered before the request body was complete, so the rest was not sent.
        case requestIncomplete = "request_incomplete"
        /// The server (or the network) closed it while Courier had not asked to.
        case serverClosed = "server_closed"
        /// The process ran out of descriptors: idle connections are closed to give some back.
        case descriptorPressure = "descriptor_pressure"
        /// Its origin already had `maxIdleConnectionsPerHost` idle connections.
        case idleLimit = "idle_limit"
    }

    enum Action: Equatable {
        /// Hand connection `connection` to `request`; `reused` when it carried a request before.
        case lease(ConnectionID, to: RequestID, reused: Bool)
        /// Open connection `id` to `origin` (a slot is already held for it).
        case open(ConnectionID, Origin)
        /// Answer `request` with a failure.
        case fail(RequestID, FailureReason)
        /// Close connection `id`.
        case close(ConnectionID)
        /// Ask the budget for one slot; answer with `slotGranted()` or `slotDenied(now:)`.
        case requestSlot
        /// Give one slot back to the budget.
        case returnSlot
        /// Call `retryAfterExhaustion(now:)` after this long (descriptors ran out; try opening again).
        case scheduleRetry(after: Duration)
    }

    /// Descriptors Courier gives back after EMFILE/ENFILE, below what it had open (see `outOfDescriptors`).
    static let descriptorReserve = 2
    /// After EMFILE/ENFILE the cap rises by one at most this often.
    static let capRaiseInterval = Duration.seconds(1)

    /// Descriptor exhaustion in progress: since when no socket could be opened, and the current backoff.
    struct Exhaustion: Equatable {
        var since: ContinuousClock.Instant
        var backoff: Duration
    }

    /// An idle connection and the event loop it lives on (so the loop preference needs no lookup per candidate).
    struct IdleEntry: Equatable {
        var id: ConnectionID
        var loop: LoopTag
    }

    /// Which event loop a connection lives on: an identity the pool gives each loop (its object identity); 0 when
    /// the pool did not say.
    typealias LoopTag = Int

    struct Connection {
        var origin: Origin
        /// The event loop it lives on, set by ``connected(_:now:loop:)``; 0 until then, or when not given.
        var loop: LoopTag = 0
        var state: ConnectionState
        var served: Int = 0
        /// How long this connection may stay idle: the pool's idle timeout, lowered by the server's hints.
        var idleTimeout: Duration
        /// What the server last announced in `Keep-Alive`.
        var hints = KeepAliveHints()
        /// How long it sat idle before its latest lease (zero when handed over without idling).
        var lastIdle: Duration = .zero
        /// Why Courier is closing it, once it is `closing`.
        var closeReason: CloseReason?

        func isExpired(at now: ContinuousClock.Instant) -> Bool {
            guard case .idle(let since) = state else { return false }
            return since.duration(to: PoolInstant(now)) >= idleTimeout
        }
    }

    struct OriginState {
        /// Connections counted against the per-origin limit (every state).
        var count = 0
        /// Connections of this origin being opened.
        var opening = 0
        /// Idle connections, most recently used last (reused first: its TCP window is warm).
        var idle: [IdleEntry] = []
        /// Requests waiting for a connection, first come first served.
        var waiters = FIFOQueue<RequestID>()

        /// Waiters that no connection being opened will serve.
        var uncovered: Int { waiters.count - opening }
    }

    let maxConnectionsPerHost: Int
    /// Idle connections kept per origin; more are closed when they would go idle.
    let maxIdleConnectionsPerHost: Int
    let idleTimeout: Duration
    private(set) var connections: [ConnectionID: Connection] = [:]
    private(set) var origins: [Origin: OriginState] = [:]
    private var waitingOrigin: [RequestID: Origin] = [:]
    private var nextConnectionID: ConnectionID
    private(set) var isShutdown = false
    /// Connections idle in the pool, and leased to requests (kept in step by `transition`).
    private(set) var idleCount = 0
    private(set) var leasedCount = 0
    /// Slots granted by the budget and not used by a connection.
    private(set) var spareSlots = 0
    /// A `requestSlot` is outstanding (denied slots stay outstanding until the budget wakes the pool).
    private(set) var slotRequested = false
    /// The budget denied the outstanding slot request: it is full, and idle connections make room for origins
    /// that wait. Set by ``slotDenied()``, cleared with ``slotRequested``. A request still waiting for its answer
    /// does not count: the budget may grant it, and closing a connection for it would be a needless reconnect.
    private(set) var budgetFull = false
    /// After EMFILE/ENFILE: the most connections this pool opens (`nil`: no cap beyond the limits). It drops to
    /// what is open when a socket cannot be opened, each retry allows one more, and it rises by one per clean open.
    private(set) var connectionCap: Int?
    /// Per origin: how many connections in a row the server closed, without saying so, right after their first
    /// response (an origin is absent while that count is 0). Survives the origin's other state, which is dropped
    /// when it has no connections.
    private(set) var quietCloseStreak: [Origin: Int] = [:]
    /// Per origin with a streak at the limit: connections not reused since the last probe.
    private var quietCloseSkips: [Origin: Int] = [:]
    /// Per origin with a streak at the limit: connections between probes, doubled by each failed probe.
    private var quietCloseProbeEvery: [Origin: Int] = [:]
    /// How soon after a response a close counts as "right after" it (later ones are ordinary idle closes).
    static let quietCloseWindow: Duration = .seconds(1)
    /// Quiet closes in a row after which an origin's connections are no longer reused.
    static let quietCloseStreakLimit = 2
    /// While an origin's connections are not reused, every this-many-th one is kept for reuse anyway, to notice
    /// when the server keeps connections again; each failed probe doubles the interval, up to
    /// ``quietCloseMaxProbeInterval``.
    static let quietCloseProbeInterval = 16
    static let quietCloseMaxProbeInterval = 1024
    /// Set while sockets cannot be opened.
    private(set) var exhaustion: Exhaustion?
    private(set) var retryScheduled = false
    /// How often opening a socket failed with EMFILE/ENFILE.
    private(set) var exhaustionEvents = 0
    let exhaustionTimeout: Duration

    init(
        maxConnectionsPerHost: Int, maxIdleConnectionsPerHost: Int? = nil, idleTimeout: Duration,
        exhaustionTimeout: Duration = .seconds(30), firstConnectionID: ConnectionID = 1
    ) {
        precondition(maxConnectionsPerHost >= 1)
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxIdleConnectionsPerHost = max(0, maxIdleConnectionsPerHost ?? maxConnectionsPerHost)
        self.idleTimeout = idleTimeout
        self.exhaustionTimeout = exhaustionTimeout
        self.nextConnectionID = firstConnectionID
    }

    /// Connections holding a slot, over all origins.
    var connectionCount: Int { connections.count }
    /// Slots this pool holds from the budget.
    var slotsHeld: Int { connections.count + spareSlots }

    // MARK: Requests

    /// `request` wants a connection to `origin`. Idle connections older than their idle timeout are closed on the
    /// way (`close` actions first). The most recently idle connection is taken, or `preferring` when it is idle
    /// (the pool prefers a connection on the caller's event loop).
    mutating func requestConnection(
        _ request: RequestID, origin: Origin, now: ContinuousClock.Instant, preferring: ConnectionID? = nil
    ) -> [Action] {
        guard !isShutdown else { return [.fail(request, .shutdown)] }
        let now = PoolInstant(now)
        var actions: [Action] = []
        // `origin` is hashed once: the idle stack is changed in place through its index (nothing below inserts
        // or removes an origin, so the index stays valid until the waiter is queued).
        if let originIndex = origins.index(forKey: origin) {
            if let preferring, let position = origins.values[originIndex].idle.lastIndex(where: { $0.id == preferring }) {
                // Moved to the top of the stack, it is the one taken below (or closed there if it expired).
                let entry = origins.values[originIndex].idle.remove(at: position)
                origins.values[originIndex].idle.append(entry)
            }
            while let id = origins.values[originIndex].idle.popLast()?.id {
                guard let index = connections.index(forKey: id), let (since, timeout) = idleState(at: index) else { continue }
                if since.duration(to: now) >= timeout {
                    transition(at: index, to: .closing, reason: .idleTimeout)
                    actions.append(.close(id))
                    continue
                }
                leaseIdle(at: index, idleSince: since, now: now)
                actions.append(.lease(id, to: request, reused: true))
                return actions
            }
        }
        origins[origin, default: OriginState()].waiters.append(request)
        waitingOrigin[request] = origin
        fillDemand(into: &actions)
        return actions
    }

    /// The fast path of ``requestConnection(_:origin:now:preferring:)`` when it would lease an idle connection at
    /// once: it takes the same connection and makes the same changes, and returns it with how long it sat idle.
    /// The connection taken is, among the `window` most recently idle ones of `origin`, the most recent one on
    /// `preferredLoop`, else the most recently idle one. `nil`, with nothing changed, when that connection
    /// is not idle or has expired (or none is idle): `requestConnection` then decides (it closes expired ones).
    /// `window` defaults to 8; `preferredLoop` `nil` (the default) prefers no loop.
    mutating func leaseIdleConnection(
        origin: Origin, now: ContinuousClock.Instant, window: Int = 8, preferredLoop: LoopTag? = nil
    ) -> (id: ConnectionID, idleTime: Duration)? {
        leaseIdleConnection(origin: origin, now: PoolInstant(now), window: window, preferredLoop: preferredLoop)
    }

    /// ``leaseIdleConnection(origin:now:window:preferredLoop:)`` at a ``PoolInstant`` (the pool's hot path reads
    /// the clock that way).
    mutating func leaseIdleConnection(
        origin: Origin, now: PoolInstant, window: Int = 8, preferredLoop: LoopTag? = nil
    ) -> (id: ConnectionID, idleTime: Duration)? {
        guard !isShutdown, let originIndex = origins.index(forKey: origin),
            let (position, id) = originInPlace(originIndex, {
                Self.candidate(in: $0.idle, window: window, preferredLoop: preferredLoop)
            }),
            let index = connections.index(forKey: id), let (since, timeout) = idleState(at: index),
            since.duration(to: now) < timeout
        else { return nil }
        origins.values[originIndex].idle.remove(at: position)
        leaseIdle(at: index, idleSince: since, now: now)
        return (id, since.duration(to: now))
    }

    /// Where in `idle` the connection ``leaseIdleConnection(origin:now:window:preferredLoop:)`` takes is, and its id.
    /// A function of its own, so that no second reference to the idle array is alive when it is changed (that
    /// would copy it).
    private static func candidate(
        in idle: [IdleEntry], window: Int, preferredLoop: LoopTag?
    ) -> (Int, ConnectionID)? {
        guard var position = idle.indices.last else { return nil }
        if let preferredLoop, idle[position].loop != preferredLoop,
            let found = idle[max(idle.startIndex, idle.endIndex - window)...].lastIndex(where: { $0.loop == preferredLoop })
        {
            position = found
        }
        return (position, idle[position].id)
    }

    /// Runs `body` on the origin's state at `index` in place: reading `origins.values[index].field` copies the
    /// whole state first (its idle array and waiter queue retained and released).
    private mutating func originInPlace<R>(
        _ index: Dictionary<Origin, OriginState>.Index, _ body: (inout OriginState) -> R
    ) -> R {
        body(&origins.values[index])
    }

    /// Runs `body` on the record at `index` in place. Reading `connections.values[index].field` copies the whole
    /// record first (its origin's strings included): on the request path, that was 8 copies per request.
    private mutating func inPlace<R>(_ index: Dictionary<ConnectionID, Connection>.Index, _ body: (inout Connection) -> R) -> R {
        body(&connections.values[index])
    }

    /// Since when the connection at `index` is idle, and its idle timeout; `nil` when it is not idle.
    private mutating func idleState(at index: Dictionary<ConnectionID, Connection>.Index) -> (PoolInstant, Duration)? {
        inPlace(index) { connection in
            guard case .idle(let since) = connection.state else { return nil }
            return (since, connection.idleTimeout)
        }
    }

    /// An idle connection, already off its origin's idle stack, is leased.
    private mutating func leaseIdle(
        at index: Dictionary<ConnectionID, Connection>.Index, idleSince since: PoolInstant, now: PoolInstant
    ) {
        inPlace(index) { connection in
            connection.lastIdle = since.duration(to: now)
            connection.served += 1
        }
        transition(at: index, to: .leased)
    }

    /// The task waiting as `request` was cancelled (or waited too long); answered at once if it still waits.
    mutating func cancel(_ request: RequestID, reason: FailureReason = .cancelled) -> [Action] {
        guard let origin = waitingOrigin.removeValue(forKey: request) else { return [] }
        origins[origin]!.waiters.remove(request)
        var actions: [Action] = [.fail(request, reason)]
        cleanUp(origin)
        returnUnneededSlots(into: &actions)
        return actions
    }

    // MARK: Budget

    /// The budget granted the slot asked for.
    mutating func slotGranted() -> [Action] {
        slotRequested = false
        budgetFull = false
        spareSlots += 1
        var actions: [Action] = []
        fillDemand(into: &actions)
        return actions
    }

    /// The budget is full; it will wake the pool (`wakeUp`) when a slot frees. Meanwhile the least recently used
    /// idle connection of any origin is closed to make room: its slot returns when the close completes.
    mutating func slotDenied() -> [Action] {
        budgetFull = slotRequested
        guard let id = leastRecentlyUsedIdle() else { return [] }
        return [evict(id)]
    }

    /// Another pool asks for room: close this pool's least recently used idle connection, if any.
    mutating func evictOneIdle() -> [Action] {
        guard let id = leastRecentlyUsedIdle() else { return [] }
        return [evict(id)]
    }

    /// The budget freed a slot somewhere: ask again if still in need.
    mutating func wakeUp() -> [Action] {
        guard slotRequested else { return [] }
        slotRequested = false
        budgetFull = false
        var actions: [Action] = []
        fillDemand(into: &actions)
        return actions
    }

    // MARK: Connection events

    /// Connection `id` finished opening, on event loop `loop` (default 0: not said; the loop preference of
    /// ``leaseIdleConnection(origin:now:window:preferredLoop:)`` then never picks it out).
    mutating func connected(_ id: ConnectionID, now: ContinuousClock.Instant, loop: LoopTag = 0) -> [Action] {
        guard let connection = connections[id], connection.state == .opening else { return [] }
        connections[id]!.loop = loop
        origins[connection.origin]!.opening -= 1
        // A clean open: the process has descriptors again (the cap itself rises on the retry timer).
        exhaustion = nil
        if isShutdown {
            transition(id, to: .closing, reason: .shutdown)
            return [.close(id)]
        }
        var actions: [Action]
        if let request = origins[connection.origin]!.waiters.popFirst() {
            waitingOrigin[request] = nil
            transition(id, to: .leased)
            connections[id]!.served = 1
            actions = [.lease(id, to: request, reused: false)]
        } else if origins[connection.origin]!.idle.count >= maxIdleConnectionsPerHost {
            transition(id, to: .closing, reason: .idleLimit)
            actions = [.close(id)]
        } else {
            transition(id, to: .idle(since: PoolInstant(now)))
            origins[connection.origin]!.idle.append(IdleEntry(id: id, loop: loop))
            actions = evictIfOthersStarve()
        }
        return actions
    }

    /// Opening connection `id` failed: the oldest waiter of its origin gets the error, the slot serves others.
    mutating func connectFailed(_ id: ConnectionID) -> [Action] {
        guard let connection = connections.removeValue(forKey: id) else { return [] }
        spareSlots += 1
        var state = origins[connection.origin]!
        state.count -= 1
        if connection.state == .opening { state.opening -= 1 }
        var actions: [Action] = []
        if let request = state.waiters.popFirst() {
            waitingOrigin[request] = nil
            actions.append(.fail(request, .connectFailed(id)))
        }
        origins[connection.origin] = state
        cleanUp(connection.origin)
        fillDemand(into: &actions)
        return actions
    }

    /// Opening connection `id` failed because the process (EMFILE) or system (ENFILE) is out of descriptors.
    /// No request fails now: idle connections are closed, the cap drops to what is open, and opening is retried
    /// with backoff; waiters fail only once nothing could be opened for `exhaustionTimeout`.
    mutating func outOfDescriptors(_ id: ConnectionID, now: ContinuousClock.Instant) -> [Action] {
        guard let connection = connections[id], connection.state == .opening else { return [] }
        connections[id] = nil
        spareSlots += 1
        origins[connection.origin]!.count -= 1
        origins[connection.origin]!.opening -= 1
        exhaustionEvents += 1
        var actions: [Action] = []
        // Below what is open, by a small reserve: a process at zero free descriptors is fragile (on Linux,
        // libdispatch's worker monitor opens /proc files and traps when it cannot), so Courier gives some back
        // (idle connections now, released ones as they finish) instead of holding the last ones. Only a close
        // or the retry timer (one more attempt) may open again, so a failing open cannot loop without backoff.
        connectionCap = max(0, connections.count - Self.descriptorReserve)
        for (idleID, idle) in connections where idle.state != .closing {
            if case .idle = idle.state {
                origins[idle.origin]!.idle.removeAll { $0.id == idleID }
                transition(idleID, to: .closing, reason: .descriptorPressure)
                actions.append(.close(idleID))
            }
        }
        if var current = exhaustion {
            current.backoff = min(current.backoff * 2, .seconds(1))
            exhaustion = current
        } else {
            exhaustion = Exhaustion(since: now, backoff: .milliseconds(50))
        }
        cleanUp(connection.origin)
        fillDemand(into: &actions)
        return actions
    }

    /// The retry timer after descriptor exhaustion fired: try one more socket, or give up on waiters that no
    /// existing connection can serve once nothing could be opened for `exhaustionTimeout`.
    mutating func retryAfterExhaustion(now: ContinuousClock.Instant) -> [Action] {
        retryScheduled = false
        guard !isShutdown else { return [] }
        var actions: [Action] = []
        guard let current = exhaustion else {
            // Recovering: raise the cap by one (no cap at all from 4,096 on).
            if let cap = connectionCap { connectionCap = cap >= 4096 ? nil : max(cap, connections.count) + 1 }
            fillDemand(into: &actions)
            return actions
        }
        if current.since.duration(to: now) >= exhaustionTimeout {
            // Give up on this episode; the next request tries one socket again (recovery: `connectionCap` stays).
            exhaustion = nil
            for (origin, var state) in origins where state.count == 0 {
                while let request = state.waiters.popFirst() {
                    waitingOrigin[request] = nil
                    actions.append(.fail(request, .outOfDescriptors))
                }
                origins[origin] = state
                cleanUp(origin)
            }
            returnUnneededSlots(into: &actions)
            return actions
        }
        connectionCap = connections.count + 1
        fillDemand(into: &actions)
        return actions
    }

    /// The request on connection `id` ended; `reusable` when the keep-alive policy allows another request.
    /// `hints` is what the response announced in `Keep-Alive`: its timeout lowers this connection's idle timeout.
    mutating func released(
        _ id: ConnectionID, reusable: Bool, now: ContinuousClock.Instant, hints: KeepAliveHints = KeepAliveHints(),
        closeReason: CloseReason = .connectionClose
    ) -> [Action] {
        released(id, reusable: reusable, now: PoolInstant(now), hints: hints, closeReason: closeReason)
    }

    /// ``released(_:reusable:now:hints:closeReason:)`` at a ``PoolInstant`` (the pool's hot path reads the clock
    /// that way).
    mutating func released(
        _ id: ConnectionID, reusable: Bool, now: PoolInstant, hints: KeepAliveHints = KeepAliveHints(),
        closeReason: CloseReason = .connectionClose
    ) -> [Action] {
        // One lookup of `id` and one of its origin: the indices stay valid, as nothing is inserted or removed below.
        // Fields are read one by one (a copy of the whole record would copy its origin's strings).
        guard let index = connections.index(forKey: id) else { return [] }
        let (isLeased, origin, served, loop) = inPlace(index) { ($0.state == .leased, $0.origin, $0.served, $0.loop) }
        guard isLeased else { return [] }
        if reusable, served >= 2 {
            // A reused connection carried a request to its end: this server keeps connections.
            forgetQuietCloses(origin)
        }
        if !reusable, closeReason == .closedBeforeResponse, served == 2 {
            // One response, then the server dropped it while the next request was on its way.
            noteQuietClose(origin)
        }
        if reusable, served == 1, !isShutdown, let streak = quietCloseStreak[origin],
            streak >= Self.quietCloseStreakLimit
        {
            let skipped = quietCloseSkips[origin, default: 0] + 1
            if skipped < quietCloseProbeEvery[origin, default: Self.quietCloseProbeInterval] {
                quietCloseSkips[origin] = skipped
                transition(at: index, to: .closing, reason: .serverClosesEachResponse)
                return [.close(id)]
            }
            // This one is kept as a probe.
            quietCloseSkips[origin] = 0
        }
        let poolIdleTimeout = idleTimeout
        let keepsIdle = inPlace(index) { connection in
            if !hints.isEmpty {
                connection.hints = hints
                connection.idleTimeout = hints.idleTimeout(poolIdleTimeout: poolIdleTimeout)
            }
            return connection.idleTimeout > .zero
        }
        guard reusable, !isShutdown, keepsIdle else {
            transition(at: index, to: .closing, reason: isShutdown ? .shutdown : reusable ? .idleTimeout : closeReason)
            return [.close(id)]
        }
        if let cap = connectionCap, connections.count > cap {
            // Out of descriptors: give this one back rather than keep it.
            transition(at: index, to: .closing, reason: .descriptorPressure)
            return [.close(id)]
        }
        let originIndex = origins.index(forKey: origin)!
        if let request = originInPlace(originIndex, { $0.waiters.first }) {
            // With the budget exhausted, the slot moves to a starving origin when that balances the shares
            // (max-min fairness): the other origin holds two fewer connections, or one fewer and has waited
            // longer. Balanced shares stay put, so fairness costs no reconnects once the shares are even.
            if budgetFull, let other = neediestOrigin(excluding: origin) {
                let mine = originInPlace(originIndex) { $0.count }
                let theirs = origins[other.origin]!.count
                if mine > theirs + 1 || (mine == theirs + 1 && other.oldest < request) {
                    transition(at: index, to: .closing, reason: .evicted)
                    return [.close(id)]
                }
            }
            _ = origins.values[originIndex].waiters.popFirst()
            waitingOrigin[request] = nil
            inPlace(index) { connection in
                connection.served += 1
                connection.lastIdle = .zero
            }
            return [.lease(id, to: request, reused: true)]
        }
        if originInPlace(originIndex, { $0.idle.count }) >= maxIdleConnectionsPerHost {
            transition(at: index, to: .closing, reason: .idleLimit)
            return [.close(id)]
        }
        transition(at: index, to: .idle(since: now))
        origins.values[originIndex].idle.append(IdleEntry(id: id, loop: loop))
        return evictIfOthersStarve()
    }

    /// Connection `id` is closed (its socket released), whatever state it was in; its slot is free again.
    ///
    /// `now` (when given) lets the pool learn from a server's close of an idle connection: one that closes right
    /// after the first response (within ``quietCloseWindow``) counts towards ``quietCloseStreakLimit``; one that
    /// closes after serving several shows that the server keeps connections.
    mutating func closed(_ id: ConnectionID, now: ContinuousClock.Instant? = nil) -> [Action] {
        guard let connection = connections[id] else { return [] }
        if connection.closeReason == nil, case .idle(let since) = connection.state, let now {
            if connection.served >= 2 {
                forgetQuietCloses(connection.origin)
            } else if connection.served == 1, since.duration(to: PoolInstant(now)) < Self.quietCloseWindow {
                noteQuietClose(connection.origin)
            }
        }
        adjustCounts(leaving: connection.state)
        connections[id] = nil
        spareSlots += 1
        var state = origins[connection.origin]!
        state.count -= 1
        switch connection.state {
        case .idle: state.idle.removeAll { $0.id == id }
        case .opening: state.opening -= 1
        default: break
        }
        origins[connection.origin] = state
        cleanUp(connection.origin)
        var actions: [Action] = []
        fillDemand(into: &actions)
        return actions
    }

    /// Closes idle connections unused for their idle timeout.
    mutating func closeExpired(now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        for (origin, var state) in origins where !state.idle.isEmpty {
            state.idle.removeAll { entry in
                guard connections[entry.id]?.isExpired(at: now) == true else { return false }
                transition(entry.id, to: .closing, reason: .idleTimeout)
                actions.append(.close(entry.id))
                return true
            }
            origins[origin] = state
        }
        return actions
    }

    /// The earliest instant at which an idle connection expires, if any is idle.
    var nextExpiry: ContinuousClock.Instant? {
        connections.values.compactMap { connection -> ContinuousClock.Instant? in
            if case .idle(let since) = connection.state { return since.instant + connection.idleTimeout }
            return nil
        }.min()
    }

    /// Fails every waiter and closes every idle connection; leased connections close when their request ends,
    /// or at once when `closeLeased` (their requests then fail). Call `closeLeased()` when a grace period ends.
    mutating func shutdown(closeLeased: Bool = true) -> [Action] {
        guard !isShutdown else { return [] }
        isShutdown = true
        exhaustion = nil
        var actions: [Action] = []
        for (origin, var state) in origins {
            while let request = state.waiters.popFirst() {
                waitingOrigin[request] = nil
                actions.append(.fail(request, .shutdown))
            }
            state.idle.removeAll()
            origins[origin] = state
        }
        for (id, connection) in connections.sorted(by: { $0.key < $1.key }) where connection.state != .opening {
            if connection.state == .leased && !closeLeased { continue }
            if connection.state != .closing { transition(id, to: .closing, reason: .shutdown) }
            actions.append(.close(id))
        }
        returnUnneededSlots(into: &actions)
        return actions
    }

    /// The shutdown's grace period ended: close the connections still carrying requests.
    mutating func closeLeased() -> [Action] {
        guard isShutdown else { return [] }
        var actions: [Action] = []
        for (id, connection) in connections.sorted(by: { $0.key < $1.key }) where connection.state == .leased {
            transition(id, to: .closing, reason: .shutdown)
            actions.append(.close(id))
        }
        return actions
    }

    /// Why connection `id` is closing, or `serverClosed` when Courier did not ask it to close; `nil` if unknown.
    func closeReason(of id: ConnectionID) -> CloseReason? {
        guard let connection = connections[id] else { return nil }
        return connection.state == .closing ? connection.closeReason : .serverClosed
    }

    // MARK: Decisions

    /// The one place a connection changes state; keeps `idleCount` and `leasedCount` in step.
    private mutating func transition(_ id: ConnectionID, to newState: ConnectionState, reason: CloseReason? = nil) {
        transition(at: connections.index(forKey: id)!, to: newState, reason: reason)
    }

    /// ``transition(_:to:reason:)`` for a connection already looked up: one hash lookup per request less.
    private mutating func transition(
        at index: Dictionary<ConnectionID, Connection>.Index, to newState: ConnectionState, reason: CloseReason? = nil
    ) {
        let oldState = inPlace(index) { connection in
            defer {
                connection.state = newState
                if case .closing = newState { connection.closeReason = reason }
            }
            return connection.state
        }
        adjustCounts(leaving: oldState)
        switch newState {
        case .idle: idleCount += 1
        case .leased: leasedCount += 1
        case .closing, .opening: break
        }
    }

    private mutating func adjustCounts(leaving state: ConnectionState) {
        switch state {
        case .idle: idleCount -= 1
        case .leased: leasedCount -= 1
        case .opening, .closing: break
        }
    }

    /// Opens connections for waiters no opening connection will serve, oldest waiter first across origins,
    /// within each origin's limit, using spare slots or asking the budget for one; returns slots nobody needs.
    private mutating func fillDemand(into actions: inout [Action]) {
        while !isShutdown, let origin = neediestOrigin() {
            if let cap = connectionCap, connections.count >= cap {
                if let exhaustion {
                    // Out of descriptors: wait for a close or the retry timer.
                    if !retryScheduled {
                        retryScheduled = true
                        actions.append(.scheduleRetry(after: exhaustion.backoff))
                    }
                    break
                }
                // Recovering: the cap rises by one per `capRaiseInterval`, on the retry timer, so probing for the
                // process's ceiling touches zero free descriptors rarely.
                if !retryScheduled {
                    retryScheduled = true
                    actions.append(.scheduleRetry(after: Self.capRaiseInterval))
                }
                break
            }
            guard spareSlots > 0 else {
                if !slotRequested {
                    slotRequested = true
                    actions.append(.requestSlot)
                }
                return
            }
            spareSlots -= 1
            let id = nextConnectionID
            nextConnectionID += 1
            connections[id] = Connection(origin: origin, state: .opening, idleTimeout: idleTimeout)
            origins[origin]!.count += 1
            origins[origin]!.opening += 1
            actions.append(.open(id, origin))
        }
        returnUnneededSlots(into: &actions)
    }

    private mutating func returnUnneededSlots(into actions: inout [Action]) {
        let capped = connectionCap.map { connections.count >= $0 } ?? false
        let needed = isShutdown || capped ? 0 : (neediestOrigin() == nil ? 0 : spareSlots)
        while spareSlots > needed {
            spareSlots -= 1
            actions.append(.returnSlot)
        }
    }

    /// The origin with room under its limit whose oldest uncovered waiter (the first one no opening connection
    /// will serve) has waited longest; request ids grow with arrival, so the smallest is the oldest.
    private func neediestOrigin() -> Origin? {
        neediestOrigin(excluding: nil)?.origin
    }

    private func neediestOrigin(excluding excluded: Origin?) -> (origin: Origin, oldest: RequestID)? {
        var best: (origin: Origin, oldest: RequestID)? = nil
        for (origin, state) in origins
        where origin != excluded && state.uncovered > 0 && state.count < maxConnectionsPerHost {
            guard let oldest = state.waiters.element(at: state.opening) else { continue }
            if best == nil || oldest < best!.oldest { best = (origin, oldest) }
        }
        return best
    }

    /// When the budget is exhausted (it denied the outstanding slot request) and some origin still waits, a
    /// connection that just went idle makes room: the least recently used idle one is closed.
    private mutating func evictIfOthersStarve() -> [Action] {
        guard budgetFull, neediestOrigin() != nil, let id = leastRecentlyUsedIdle() else { return [] }
        return [evict(id)]
    }

    private func leastRecentlyUsedIdle() -> ConnectionID? {
        var best: (id: ConnectionID, since: PoolInstant)? = nil
        for (id, connection) in connections {
            guard case .idle(let since) = connection.state else { continue }
            if best == nil || since < best!.since || (since == best!.since && id < best!.id) { best = (id, since) }
        }
        return best?.id
    }

    private mutating func evict(_ id: ConnectionID) -> Action {
        let origin = connections[id]!.origin
        origins[origin]!.idle.removeAll { $0.id == id }
        transition(id, to: .closing, reason: .evicted)
        return .close(id)
    }

    private mutating func noteQuietClose(_ origin: Origin) {
        let streak = quietCloseStreak[origin, default: 0] + 1
        quietCloseStreak[origin] = streak
        if streak > Self.quietCloseStreakLimit {
            // A probe (or a connection opened before the streak was learnt) was closed again.
            let every = quietCloseProbeEvery[origin, default: Self.quietCloseProbeInterval]
            quietCloseProbeEvery[origin] = min(Self.quietCloseMaxProbeInterval, every * 2)
        }
    }

    private mutating func forgetQuietCloses(_ origin: Origin) {
        // The common case (no origin has a streak) needs no hashing of `origin`.
        guard !quietCloseStreak.isEmpty || !quietCloseSkips.isEmpty || !quietCloseProbeEvery.isEmpty else { return }
        quietCloseStreak[origin] = nil
        quietCloseSkips[origin] = nil
        quietCloseProbeEvery[origin] = nil
    }

    private mutating func cleanUp(_ origin: Origin) {
        if let state = origins[origin], state.count == 0, state.waiters.isEmpty {
            origins[origin] = nil
        }
    }
}
