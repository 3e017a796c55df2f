/// The connection pool's decisions, as a pure state machine: events in, actions out. No I/O, no clocks,
/// no NIO types; time is passed in. ``ConnectionPool`` executes the actions after releasing its lock.
///
/// Invariants (checked by the randomized tests after every event):
/// - per origin, `connections opening + idle + leased + closing <= maxConnectionsPerHost`; a connection counts
///   until its close has completed (`closed`);
/// - a connection is leased to at most one request; an idle connection has no waiter for its origin;
/// - every request is answered exactly once (`lease` or `fail`);
/// - after `shutdown`, no connection is created or leased and every idle connection is closed.
struct PoolStateMachine {
    typealias ConnectionID = Int
    typealias RequestID = Int

    /// A connection's state. Valid transitions: opening → idle | leased | (removed by `connectFailed`);
    /// idle ⇄ leased; idle | leased | opening → closing → (removed by `closed`). `closed` may arrive in any state.
    enum ConnectionState: Equatable {
        /// The TCP connection is being established.
        case opening
        /// In the pool, unused since the given instant.
        case idle(since: ContinuousClock.Instant)
        /// Carrying a request.
        case leased
        /// Close requested; still counts against the limits until `closed`.
        case closing
    }

    /// Why a request was failed by the pool itself.
    enum FailureReason: Equatable {
        /// The client is shutting down.
        case shutdown
        /// The waiting task was cancelled.
        case cancelled
        /// The connection opened for this origin failed; the shell attaches its error.
        case connectFailed(ConnectionID)
    }

    enum Action: Equatable {
        /// Hand connection `connection` to `request`; `reused` when it carried a request before.
        case lease(ConnectionID, to: RequestID, reused: Bool)
        /// Open connection `id` to `origin`.
        case open(ConnectionID, Origin)
        /// Answer `request` with a failure.
        case fail(RequestID, FailureReason)
        /// Close connection `id`.
        case close(ConnectionID)
    }

    struct Connection {
        var origin: Origin
        var state: ConnectionState
        var served: Int = 0
        /// How long this connection may stay idle: the pool's idle timeout, lowered by the server's hints.
        var idleTimeout: Duration
        /// What the server last announced in `Keep-Alive`.
        var hints = KeepAliveHints()

        func isExpired(at now: ContinuousClock.Instant) -> Bool {
            guard case .idle(let since) = state else { return false }
            return since.duration(to: now) >= idleTimeout
        }
    }

    struct OriginState {
        /// Connections counted against the per-origin limit (every state).
        var count = 0
        /// Idle connections, most recently used last (reused first: its TCP window is warm).
        var idle: [ConnectionID] = []
        /// Requests waiting for a connection, first come first served.
        var waiters = FIFOQueue<RequestID>()
    }

    let maxConnectionsPerHost: Int
    let idleTimeout: Duration
    private(set) var connections: [ConnectionID: Connection] = [:]
    private(set) var origins: [Origin: OriginState] = [:]
    private var waitingOrigin: [RequestID: Origin] = [:]
    private var nextConnectionID: ConnectionID
    private(set) var isShutdown = false

    init(maxConnectionsPerHost: Int, idleTimeout: Duration, firstConnectionID: ConnectionID = 1) {
        precondition(maxConnectionsPerHost >= 1)
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.idleTimeout = idleTimeout
        self.nextConnectionID = firstConnectionID
    }

    /// Connections counted against the limits, over all origins.
    var connectionCount: Int { connections.count }

    /// `request` wants a connection to `origin`. Idle connections older than the idle timeout are closed
    /// on the way (`close` actions first).
    mutating func requestConnection(_ request: RequestID, origin: Origin, now: ContinuousClock.Instant) -> [Action] {
        guard !isShutdown else { return [.fail(request, .shutdown)] }
        var state = origins[origin, default: OriginState()]
        var actions: [Action] = []
        while let id = state.idle.popLast() {
            guard let connection = connections[id], case .idle = connection.state else { continue }
            if connection.isExpired(at: now) {
                connections[id]?.state = .closing
                actions.append(.close(id))
                continue
            }
            connections[id]!.state = .leased
            connections[id]!.served += 1
            origins[origin] = state
            actions.append(.lease(id, to: request, reused: true))
            return actions
        }
        state.waiters.append(request)
        waitingOrigin[request] = origin
        if state.count < maxConnectionsPerHost {
            let id = makeConnection(origin: origin, in: &state)
            actions.append(.open(id, origin))
        }
        origins[origin] = state
        return actions
    }

    /// Connection `id` finished opening.
    mutating func connected(_ id: ConnectionID, now: ContinuousClock.Instant) -> [Action] {
        guard var connection = connections[id], connection.state == .opening else { return [] }
        if isShutdown {
            connections[id]!.state = .closing
            return [.close(id)]
        }
        var state = origins[connection.origin]!
        if let request = state.waiters.popFirst() {
            waitingOrigin[request] = nil
            connection.state = .leased
            connection.served = 1
            connections[id] = connection
            origins[connection.origin] = state
            return [.lease(id, to: request, reused: false)]
        }
        connections[id]!.state = .idle(since: now)
        state.idle.append(id)
        origins[connection.origin] = state
        return []
    }

    /// Opening connection `id` failed: the oldest waiter of its origin gets the error, and if others wait, another
    /// connection is opened for them.
    mutating func connectFailed(_ id: ConnectionID) -> [Action] {
        guard let connection = connections.removeValue(forKey: id) else { return [] }
        var state = origins[connection.origin]!
        state.count -= 1
        var actions: [Action] = []
        if let request = state.waiters.popFirst() {
            waitingOrigin[request] = nil
            actions.append(.fail(request, .connectFailed(id)))
        }
        actions += openForWaiters(origin: connection.origin, state: &state)
        store(state, for: connection.origin)
        return actions
    }

    /// The request on connection `id` ended; `reusable` when the keep-alive policy allows another request.
    /// `hints` is what the response announced in `Keep-Alive`: its timeout lowers this connection's idle timeout.
    mutating func released(
        _ id: ConnectionID, reusable: Bool, now: ContinuousClock.Instant, hints: KeepAliveHints = KeepAliveHints()
    ) -> [Action] {
        guard let connection = connections[id], connection.state == .leased else { return [] }
        if !hints.isEmpty {
            connections[id]!.hints = hints
            connections[id]!.idleTimeout = hints.idleTimeout(poolIdleTimeout: idleTimeout)
        }
        guard reusable, !isShutdown, connections[id]!.idleTimeout > .zero else {
            connections[id]!.state = .closing
            return [.close(id)]
        }
        var state = origins[connection.origin]!
        if let request = state.waiters.popFirst() {
            waitingOrigin[request] = nil
            connections[id]!.served += 1
            origins[connection.origin] = state
            return [.lease(id, to: request, reused: true)]
        }
        connections[id]!.state = .idle(since: now)
        state.idle.append(id)
        origins[connection.origin] = state
        return []
    }

    /// Connection `id` is closed (its socket released), whatever state it was in; frees its slot.
    mutating func closed(_ id: ConnectionID) -> [Action] {
        guard let connection = connections.removeValue(forKey: id) else { return [] }
        var state = origins[connection.origin]!
        state.count -= 1
        if case .idle = connection.state {
            state.idle.removeAll { $0 == id }
        }
        let actions = openForWaiters(origin: connection.origin, state: &state)
        store(state, for: connection.origin)
        return actions
    }

    /// The task waiting as `request` was cancelled; answered at once if it still waits.
    mutating func cancel(_ request: RequestID) -> [Action] {
        guard let origin = waitingOrigin.removeValue(forKey: request) else { return [] }
        origins[origin]!.waiters.remove(request)
        return [.fail(request, .cancelled)]
    }

    /// Closes idle connections unused for the idle timeout.
    mutating func closeExpired(now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        for (origin, var state) in origins where !state.idle.isEmpty {
            state.idle.removeAll { id in
                guard connections[id]?.isExpired(at: now) == true else { return false }
                connections[id]!.state = .closing
                actions.append(.close(id))
                return true
            }
            origins[origin] = state
        }
        return actions
    }

    /// The earliest instant at which an idle connection expires, if any is idle.
    var nextExpiry: ContinuousClock.Instant? {
        connections.values.compactMap { connection -> ContinuousClock.Instant? in
            if case .idle(let since) = connection.state { return since + connection.idleTimeout }
            return nil
        }.min()
    }

    /// Fails every waiter and closes every connection (leased ones too: their requests fail).
    mutating func shutdown() -> [Action] {
        guard !isShutdown else { return [] }
        isShutdown = true
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
            if connection.state != .closing { connections[id]!.state = .closing }
            actions.append(.close(id))
        }
        return actions
    }

    private mutating func makeConnection(origin: Origin, in state: inout OriginState) -> ConnectionID {
        let id = nextConnectionID
        nextConnectionID += 1
        connections[id] = Connection(origin: origin, state: .opening, idleTimeout: idleTimeout)
        state.count += 1
        return id
    }

    /// Opens connections while requests of `origin` wait beyond those already opening, within the limit.
    private mutating func openForWaiters(origin: Origin, state: inout OriginState) -> [Action] {
        guard !isShutdown else { return [] }
        var actions: [Action] = []
        let opening = connections.values.lazy.filter { $0.origin == origin && $0.state == .opening }.count
        var uncovered = state.waiters.count - opening
        while uncovered > 0, state.count < maxConnectionsPerHost {
            actions.append(.open(makeConnection(origin: origin, in: &state), origin))
            uncovered -= 1
        }
        return actions
    }

    private mutating func store(_ state: OriginState, for origin: Origin) {
        if state.count == 0 && state.waiters.isEmpty {
            origins[origin] = nil
        } else {
            origins[origin] = state
        }
    }
}
