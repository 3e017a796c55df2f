import CoreMetrics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// Executes ``PoolStateMachine`` decisions: decides under its lock, does I/O after releasing it.
final class ConnectionPool: Sendable {
    private struct Waiter {
        var continuation: CheckedContinuation<Lease, Error>
        var origin: Origin
        var since: ContinuousClock.Instant
        var timer: Scheduled<Void>?
        /// Set when the request's own deadline, not the acquire timeout, limits the wait: its length.
        var deadlineTimeout: Duration? = nil
    }

    private struct State: Sendable {
        var machine: PoolStateMachine
        var connections: [Int: HTTP1Connection] = [:]
        var waiters: [Int: Waiter] = [:]
        var connectErrors: [Int: CourierError] = [:]
        var nextRequestID = 1
        var sweepScheduled = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        var opened = 0
        var openedAt: [Int: ContinuousClock.Instant] = [:]
        var closedByReason: [String: Int] = [:]

        /// The gauges' figures: connections open, idle and leased.
        var gauges: (open: Int, idle: Int, leased: Int) {
            (machine.connectionCount, machine.idleCount, machine.leasedCount)
        }

        /// The instant the sweep timer must fire at, when one is due (an idle connection exists) and none is armed;
        /// it then counts as armed, and the caller arms it (``ConnectionPool/scheduleSweep(at:)``).
        mutating func claimSweep() -> ContinuousClock.Instant? {
            guard !sweepScheduled, let expiry = machine.nextExpiry else { return nil }
            sweepScheduled = true
            return expiry
        }
    }

    private let state: Mutex<State>
    private let group: EventLoopGroup
    /// The group's loops, to recognise a caller running on one of them.
    private let loops: Set<PoolStateMachine.LoopTag>
    private let dialer: Dialer
    private let logger: Logger
    private let budget: ConnectionBudget
    private let acquireTimeout: Duration?
    private let maxConnectionsPerHost: Int
    let metrics: PoolMetrics
    /// Requests passed to `execute` and attempts sent again: counted without the pool's lock.
    private let requestsCounted = Atomic<Int>(0)
    private let retriesCounted = Atomic<Int>(0)

    /// The machine's tag for `loop`: its object identity (the loops of a pool's connections and of its callers are
    /// alive whenever tags are compared, so two loops never share one).
    private static func loopTag(_ loop: any EventLoop) -> PoolStateMachine.LoopTag {
        Int(bitPattern: ObjectIdentifier(loop))
    }

    /// The calling thread's loop when it is one of the group's: a request from a task on one of
    /// ``Client/taskExecutors``. Connections its lease opens are placed there, so that task's requests never
    /// change threads; connections opened from anywhere else (timers, closes, other callers) go to the group's
    /// next loop.
    private func requestersLoop() -> (any EventLoop)? {
        guard let current = MultiThreadedEventLoopGroup.currentEventLoop, loops.contains(Self.loopTag(current))
        else { return nil }
        return current
    }

    init(configuration: Configuration, group: EventLoopGroup) {
        self.state = Mutex(
            State(
                machine: PoolStateMachine(
                    maxConnectionsPerHost: configuration.pool.maxConnectionsPerHost,
                    maxIdleConnectionsPerHost: configuration.pool.maxIdleConnectionsPerHost,
                    idleTimeout: configuration.pool.idleTimeout,
                    exhaustionTimeout: configuration.pool.descriptorExhaustionTimeout
                )))
        self.group = group
        self.loops = Set(group.makeIterator().map(Self.loopTag))
        self.dialer = Dialer(configuration: configuration)
        self.logger = configuration.logger
        self.acquireTimeout = configuration.pool.connectionAcquireTimeout
        self.maxConnectionsPerHost = configuration.pool.maxConnectionsPerHost
        self.metrics = PoolMetrics(factory: configuration.metricsFactory)
        switch configuration.pool.maxConnections {
        case _ where configuration.sharedBudget != nil: self.budget = configuration.sharedBudget!
        case .automatic: self.budget = .processWide
        case .limit(let limit): self.budget = ConnectionBudget(limit: max(1, limit))
        }
        budget.join(self)
    }

    deinit {
        budget.leave(self)
    }

    /// Connections opened since the pool was created (successful dials).
    var connectionsOpened: Int { state.withLock { $0.opened } }
    /// Connections currently holding a slot (opening, idle, leased or closing).
    var connectionCount: Int { state.withLock { $0.machine.connectionCount } }

    /// The loop of each open connection by connection id (for tests of where connections are placed).
    var connectionLoopsByID: [Int: ObjectIdentifier] {
        state.withLock { $0.connections.mapValues { ObjectIdentifier($0.eventLoop) } }
    }
    /// Whether this pool draws from `budget`.
    func drawsFrom(_ budget: ConnectionBudget) -> Bool { self.budget === budget }

    /// A connection handed to a request.
    struct Lease: Sendable {
        var connection: HTTP1Connection
        /// It carried a request before.
        var reused: Bool
        /// How long it sat idle before this lease.
        var idleTime: Duration
    }

    /// Waits for a connection to `origin`, at most until `deadline` (the request's own, with its length) or the
    /// acquire timeout, whichever comes first. The general path: callers try ``leaseIdle(origin:)`` first, which
    /// takes an idle connection without an async call (this path would take the same one, more slowly).
    ///
    /// The deadline is an `NIODeadline`: a tuple holding the resilient `ContinuousClock.Instant` needed runtime
    /// metadata on every request, with or without a deadline. NIO's clock (like its timers) does not advance while
    /// the machine is suspended; `ContinuousClock` did.
    func lease(origin: Origin, deadline: (at: NIODeadline, timeout: Duration)? = nil) async throws -> Lease {
        let requester = requestersLoop()
        let requestID = state.withLock { state -> Int in
            defer { state.nextRequestID += 1 }
            return state.nextRequestID
        }
        // How long the request may wait: the acquire timeout, or its own deadline when that comes first.
        let untilDeadline = deadline.map { Duration.nanoseconds(max(0, ($0.at - NIODeadline.now()).nanoseconds)) }
        let deadlineLimits = untilDeadline.map { until in acquireTimeout.map { until < $0 } ?? true } ?? false
        let waitLimit = deadlineLimits ? untilDeadline : acquireTimeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let actions = state.withLock { state -> [PoolStateMachine.Action]? in
                    // Checked under the lock: a cancellation handler that ran before this point found nothing
                    // to cancel, but it had already set the flag.
                    if Task.isCancelled { return nil }
                    var waiter = Waiter(continuation: continuation, origin: origin, since: .now)
                    if deadlineLimits { waiter.deadlineTimeout = deadline?.timeout }
                    state.waiters[requestID] = waiter
                    return state.machine.requestConnection(requestID, origin: origin, now: .now)
                }
                guard let actions else {
                    continuation.resume(throwing: CourierError.cancelled)
                    return
                }
                if let waitLimit, !actions.contains(where: { $0.isLease(to: requestID) }) {
                    armAcquireTimer(requestID, after: waitLimit)
                }
                run(actions, dialingOn: requester)
                updateGauges()
            }
        } onCancel: {
            let actions = state.withLock { $0.machine.cancel(requestID) }
            run(actions)
        }
    }

    /// The fast path of ``lease(origin:deadline:)``: when the connection `requestConnection` would hand out at once
    /// is an idle one that has not expired, it is leased under one lock, with no waiter, continuation or timer.
    /// `nil` when that is not the case (the caller then takes the general path, which decides the same way).
    /// Synchronous: a caller that gets a connection here makes no async call for it.
    func leaseIdle(origin: Origin) throws -> Lease? {
        if Task.isCancelled { throw CourierError.cancelled }
        let now = PoolInstant.now
        // With a caller on an event loop, an idle connection on that loop is preferred among the last 8 idle (its
        // requests are then read and written on the caller's thread), else the most recently idle. A loop of
        // another group matches no connection, so it needs no check here.
        let callerLoop = MultiThreadedEventLoopGroup.currentEventLoop.map(Self.loopTag)
        let leased = state.withLock { state -> (Lease, gauges: (open: Int, idle: Int, leased: Int))? in
            guard let (id, idleTime) = state.machine.leaseIdleConnection(origin: origin, now: now, preferredLoop: callerLoop)
            else { return nil }
            // Connections enter and leave `connections` under the same lock as the machine's.
            guard let connection = state.connections[id] else { preconditionFailure("leased connection \(id) is not known") }
            return (Lease(connection: connection, reused: true, idleTime: idleTime), state.gauges)
        }
        guard let leased else { return nil }
        metrics.recordGauges(leased.gauges)
        return leased.0
    }

    /// Fails waiting requests, closes idle connections, lets requests in flight finish for up to `gracePeriod`
    /// (then closes their connections), and returns when every connection is closed.
    func shutdown(gracePeriod: Duration) async {
        let actions = state.withLock { $0.machine.shutdown(closeLeased: gracePeriod <= .zero) }
        run(actions)
        if gracePeriod > .zero {
            group.next().scheduleTask(in: gracePeriod.timeAmount) { [weak self] in
                guard let self else { return }
                self.run(self.state.withLock { $0.machine.closeLeased() })
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.machine.connectionCount == 0 { return true }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Starts closing everything without waiting (used when a client is dropped without `shutdown()`).
    func shutdownInBackground() {
        let actions = state.withLock { $0.machine.shutdown() }
        run(actions)
        // The pool must outlive its connections' closes: each close gives its slot back to the budget (which
        // other clients share) through this pool, and callbacks hold the pool weakly.
        let closing = state.withLock { $0.connections.values.map(\.channel.closeFuture) }
        guard !closing.isEmpty else { return }
        EventLoopFuture.andAllComplete(closing, on: group.next()).whenComplete { _ in withExtendedLifetime(self) {} }
    }

    // MARK: Executing actions

    /// Carries out `actions`; connections they open go to `requester` (see ``requestersLoop()``) or the group's next
    /// loop.
    private func run(_ actions: [PoolStateMachine.Action], dialingOn requester: (any EventLoop)? = nil) {
        for action in actions {
            switch action {
            case .lease(let connectionID, let requestID, let reused):
                // The lease was decided under the lock and is handed over after it: the connection may have
                // closed in between. The machine then forgot it, so the waiter asks again as a new request.
                let outcome = state.withLock { state -> (Waiter, Lease)? in
                    guard let waiter = state.waiters[requestID] else { return nil }
                    guard let connection = state.connections[connectionID] else { return nil }
                    state.waiters[requestID] = nil
                    let idle = state.machine.connections[connectionID]?.lastIdle ?? .zero
                    return (waiter, Lease(connection: connection, reused: reused, idleTime: idle))
                }
                if let (waiter, lease) = outcome {
                    waiter.timer?.cancel()
                    waiter.continuation.resume(returning: lease)
                } else {
                    run(
                        state.withLock { state -> [PoolStateMachine.Action] in
                            guard let waiter = state.waiters[requestID] else { return [] }
                            return state.machine.requestConnection(requestID, origin: waiter.origin, now: .now)
                        }, dialingOn: requester)
                }
            case .fail(let requestID, let reason):
                let (waiter, error) = state.withLock { state -> (Waiter?, CourierError) in
                    let waiter = state.waiters.removeValue(forKey: requestID)
                    switch reason {
                    case .shutdown: return (waiter, .shutdown)
                    case .cancelled: return (waiter, .cancelled)
                    case .acquireTimeout:
                        if let timeout = waiter?.deadlineTimeout { return (waiter, .deadlineExceeded(timeout: timeout)) }
                        return (
                            waiter,
                            .connectionAcquireTimeout(
                                origin: waiter.map { "\($0.origin)" } ?? "?",
                                waited: waiter.map { $0.since.duration(to: .now) } ?? .zero,
                                maxConnectionsPerHost: maxConnectionsPerHost,
                                maxConnections: budget.limit)
                        )
                    case .outOfDescriptors:
                        return (waiter, .outOfDescriptors(limit: ConnectionBudget.currentSoftLimit(), held: state.machine.connectionCount))
                    case .connectFailed(let id):
                        return (waiter, state.connectErrors.removeValue(forKey: id) ?? .connectFailed(host: "?", port: 0, reason: "unknown"))
                    }
                }
                waiter?.timer?.cancel()
                waiter?.continuation.resume(throwing: error)
            case .open(let connectionID, let origin):
                open(connectionID, origin: origin, on: requester ?? group.next())
            case .close(let connectionID):
                let connection = state.withLock { $0.connections[connectionID] }
                connection?.channel.close(promise: nil)
            case .requestSlot:
                let granted = budget.tryAcquire(for: self)
                run(
                    state.withLock { granted ? $0.machine.slotGranted() : $0.machine.slotDenied() },
                    dialingOn: requester)
            case .returnSlot:
                budget.release()
            case .scheduleRetry(let delay):
                group.next().scheduleTask(in: delay.timeAmount) { [weak self] in
                    guard let self else { return }
                    self.run(self.state.withLock { $0.machine.retryAfterExhaustion(now: .now) })
                }
            }
        }
    }

    private func armAcquireTimer(_ requestID: Int, after timeout: Duration) {
        let timer = group.next().scheduleTask(in: timeout.timeAmount) { [weak self] in
            guard let self else { return }
            let actions = self.state.withLock { $0.machine.cancel(requestID, reason: .acquireTimeout) }
            self.run(actions)
        }
        let stillWaiting = state.withLock { state -> Bool in
            guard state.waiters[requestID] != nil else { return false }
            state.waiters[requestID]!.timer = timer
            return true
        }
        if !stillWaiting { timer.cancel() }
    }

    private func open(_ id: Int, origin: Origin, on eventLoop: any EventLoop) {
        // Keep `descriptorReserve` descriptors free after this socket: no headroom counts as EMFILE.
        guard Dialer.hasDescriptorHeadroom(PoolStateMachine.descriptorReserve + 1) else {
            logger.debug("no descriptor headroom for a new connection", metadata: ["courier.connection": "\(id)"])
            metrics.descriptorExhaustion.increment()
            run(state.withLock { $0.machine.outOfDescriptors(id, now: .now) })
            completeShutdownIfIdle()
            return
        }
        logger.debug("opening connection", metadata: ["courier.connection": "\(id)", "courier.origin": "\(origin)"])
        let budget = self.budget
        let slots = DialRace.Slots(
            acquireExtra: { budget.tryAcquireExtra() },
            releaseExtra: { budget.release() },
            descriptorsAllowAnother: { Dialer.hasDescriptorHeadroom(PoolStateMachine.descriptorReserve + 1) })
        dialer.connect(to: origin, id: id, on: eventLoop, slots: slots).whenComplete { result in
            switch result {
            case .success(let connection):
                connection.setExchangeEndedCallback { [weak self] reusable, hints, reason in
                    self?.released(id, reusable: reusable, hints: hints, reason: reason)
                }
                let actions = self.state.withLock { state -> [PoolStateMachine.Action] in
                    state.connections[id] = connection
                    state.opened += 1
                    state.openedAt[id] = .now
                    return state.machine.connected(id, now: .now, loop: Self.loopTag(connection.eventLoop))
                }
                self.metrics.opened.increment()
                connection.channel.closeFuture.whenComplete { [weak self] _ in self?.closed(id) }
                self.run(actions)
                self.scheduleSweepIfNeeded()
            case .failure(let error):
                let courierError = (error as? CourierError) ?? .connectFailed(host: origin.host, port: origin.port, reason: "\(error)")
                if case .outOfDescriptors = courierError {
                    self.logger.debug("out of descriptors while connecting", metadata: ["courier.connection": "\(id)"])
                    self.metrics.descriptorExhaustion.increment()
                    self.run(self.state.withLock { $0.machine.outOfDescriptors(id, now: .now) })
                    self.completeShutdownIfIdle()
                    return
                }
                self.logger.debug("connect failed", metadata: ["courier.connection": "\(id)", "error": "\(courierError)"])
                let actions = self.state.withLock { state -> [PoolStateMachine.Action] in
                    state.connectErrors[id] = courierError
                    let actions = state.machine.connectFailed(id)
                    if !actions.contains(where: { $0.failsWithConnectError(id) }) {
                        state.connectErrors[id] = nil
                    }
                    return actions
                }
                self.run(actions)
                self.completeShutdownIfIdle()
            }
        }
    }

    /// One lock per release: the machine's decision, the gauges' figures and whether a sweep must be armed are
    /// read together (two event loops releasing at once otherwise meet on the lock several times per request).
    private func released(_ id: Int, reusable: Bool, hints: KeepAliveHints, reason: PoolStateMachine.CloseReason) {
        let now = PoolInstant.now
        let (actions, gauges, sweepAt) = state.withLock { state in
            let actions = state.machine.released(id, reusable: reusable, now: now, hints: hints, closeReason: reason)
            return (actions, state.gauges, reusable ? state.claimSweep() : nil)
        }
        run(actions)
        metrics.recordGauges(gauges)
        if let sweepAt { scheduleSweep(at: sweepAt) }
    }

    private func closed(_ id: Int) {
        let (reason, actions) = state.withLock { state -> (PoolStateMachine.CloseReason?, [PoolStateMachine.Action]) in
            state.connections[id] = nil
            state.openedAt[id] = nil
            let reason = state.machine.closeReason(of: id)
            if let reason { state.closedByReason[reason.rawValue, default: 0] += 1 }
            return (reason, state.machine.closed(id, now: .now))
        }
        if let reason { metrics.closed[reason]?.increment() }
        logger.debug("connection closed", metadata: ["courier.connection": "\(id)", "courier.reason": "\(reason?.rawValue ?? "?")"])
        run(actions)
        updateGauges()
        completeShutdownIfIdle()
    }

    private func completeShutdownIfIdle() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.machine.isShutdown, state.machine.connectionCount == 0 else { return [] }
            defer { state.shutdownWaiters.removeAll() }
            return state.shutdownWaiters
        }
        waiters.forEach { $0.resume() }
    }

    /// One sweep timer per pool, armed only while idle connections exist; it fires at the earliest expiry.
    private func scheduleSweepIfNeeded() {
        if let expiry = state.withLock({ $0.claimSweep() }) { scheduleSweep(at: expiry) }
    }

    /// Arms the sweep timer (the caller set `sweepScheduled`).
    private func scheduleSweep(at expiry: ContinuousClock.Instant) {
        let delay = ContinuousClock.now.duration(to: expiry)
        group.next().scheduleTask(in: max(delay, .milliseconds(1)).timeAmount) { [weak self] in
            guard let self else { return }
            let actions = self.state.withLock { state -> [PoolStateMachine.Action] in
                state.sweepScheduled = false
                return state.machine.closeExpired(now: .now)
            }
            self.run(actions)
            self.scheduleSweepIfNeeded()
        }
    }
}

extension ConnectionPool {
    private func updateGauges() {
        metrics.recordGauges(state.withLock { $0.gauges })
    }

    /// Counts a request passed to `execute`.
    func countRequest() {
        requestsCounted.add(1, ordering: .relaxed)
        metrics.requests.increment()
    }

    /// Counts an attempt sent again.
    func countRetry() {
        retriesCounted.add(1, ordering: .relaxed)
        metrics.retries.increment()
    }

    /// Attempts sent again so far.
    var retries: Int { retriesCounted.load(ordering: .relaxed) }

    /// What every connection is doing now.
    func snapshot() -> PoolSnapshot {
        let now = ContinuousClock.now
        let inUse = budget.inUse
        let peakInUse = budget.peakInUse
        return state.withLock { state in
            var entries: [Origin: PoolSnapshot.OriginEntry] = [:]
            for (origin, originState) in state.machine.origins {
                entries[origin] = PoolSnapshot.OriginEntry(
                    origin: origin, connecting: 0, idle: 0, leased: 0, closing: 0, waiting: originState.waiters.count,
                    connections: [])
            }
            for (id, connection) in state.machine.connections.sorted(by: { $0.key < $1.key }) {
                var entry = entries[connection.origin]!
                let channel = state.connections[id]?.channel
                var snapshot = PoolSnapshot.Connection(
                    id: id, state: .connecting, localAddress: channel?.localAddress.map(Self.describe),
                    remoteAddress: channel?.remoteAddress.map(Self.describe), age: state.openedAt[id].map { $0.duration(to: now) },
                    idleTime: nil, requestsServed: connection.served, keepAliveHints: connection.hints)
                switch connection.state {
                case .opening:
                    entry.connecting += 1
                case .idle(let since):
                    entry.idle += 1
                    snapshot.state = .idle
                    snapshot.idleTime = since.duration(to: PoolInstant(now))
                case .leased:
                    entry.leased += 1
                    snapshot.state = .leased
                case .closing:
                    entry.closing += 1
                    snapshot.state = .closing
                }
                entry.connections.append(snapshot)
                entries[connection.origin] = entry
            }
            return PoolSnapshot(
                origins: entries.values.sorted { "\($0.origin)" < "\($1.origin)" },
                budgetLimit: budget.limit,
                budgetInUse: inUse,
                budgetPeakInUse: peakInUse,
                connectionsOpened: state.opened,
                connectionsClosed: state.closedByReason,
                requests: requestsCounted.load(ordering: .relaxed),
                retries: retriesCounted.load(ordering: .relaxed),
                descriptorExhaustionEvents: state.machine.exhaustionEvents,
                connectionCap: state.machine.connectionCap)
        }
    }

    private static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

extension ConnectionPool: ConnectionBudget.Member {
    func budgetSlotFreed() {
        run(state.withLock { $0.machine.wakeUp() })
    }

    func budgetEvictIdle() -> Bool {
        let actions = state.withLock { $0.machine.evictOneIdle() }
        run(actions)
        return !actions.isEmpty
    }
}

extension PoolStateMachine.Action {
    func isLease(to request: PoolStateMachine.RequestID) -> Bool {
        if case .lease(_, let to, _) = self { return to == request }
        return false
    }

    func failsWithConnectError(_ id: PoolStateMachine.ConnectionID) -> Bool {
        if case .fail(_, .connectFailed(let failed)) = self { return failed == id }
        return false
    }
}
