import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Executes ``PoolStateMachine`` decisions: decides under its lock, does I/O after releasing it.
final class ConnectionPool: Sendable {
    private struct State: Sendable {
        var machine: PoolStateMachine
        var connections: [Int: HTTP1Connection] = [:]
        var waiters: [Int: CheckedContinuation<(HTTP1Connection, Bool), Error>] = [:]
        var connectErrors: [Int: CourierError] = [:]
        var nextRequestID = 1
        var sweepScheduled = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        var opened = 0
    }

    private let state: NIOLockedValueBox<State>
    private let group: EventLoopGroup
    private let dialer: Dialer
    private let logger: Logger

    init(configuration: Configuration, group: EventLoopGroup) {
        self.state = NIOLockedValueBox(
            State(
                machine: PoolStateMachine(
                    maxConnectionsPerHost: configuration.pool.maxConnectionsPerHost,
                    idleTimeout: configuration.pool.idleTimeout
                )))
        self.group = group
        self.dialer = Dialer(configuration: configuration)
        self.logger = configuration.logger
    }

    /// Connections opened since the pool was created (successful dials).
    var connectionsOpened: Int { state.withLockedValue { $0.opened } }
    /// Connections currently counted against the limits (opening, idle, leased or closing).
    var connectionCount: Int { state.withLockedValue { $0.machine.connectionCount } }

    /// Waits for a connection to `origin`; returns it and whether it carried a request before.
    func lease(origin: Origin) async throws -> (HTTP1Connection, Bool) {
        let requestID = state.withLockedValue { state -> Int in
            defer { state.nextRequestID += 1 }
            return state.nextRequestID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let actions = state.withLockedValue { state -> [PoolStateMachine.Action]? in
                    // Checked under the lock: a cancellation handler that ran before this point found nothing
                    // to cancel, but it had already set the flag.
                    if Task.isCancelled { return nil }
                    state.waiters[requestID] = continuation
                    return state.machine.requestConnection(requestID, origin: origin, now: .now)
                }
                guard let actions else {
                    continuation.resume(throwing: CourierError.cancelled)
                    return
                }
                run(actions)
            }
        } onCancel: {
            let actions = state.withLockedValue { $0.machine.cancel(requestID) }
            run(actions)
        }
    }

    /// Closes everything and waits until every connection is closed.
    func shutdown() async {
        let actions = state.withLockedValue { $0.machine.shutdown() }
        run(actions)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLockedValue { state -> Bool in
                if state.machine.connectionCount == 0 { return true }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Starts closing everything without waiting (used when a client is dropped without `shutdown()`).
    func shutdownInBackground() {
        let actions = state.withLockedValue { $0.machine.shutdown() }
        run(actions)
    }

    // MARK: Executing actions

    private func run(_ actions: [PoolStateMachine.Action]) {
        for action in actions {
            switch action {
            case .lease(let connectionID, let requestID, let reused):
                let (continuation, connection) = state.withLockedValue {
                    ($0.waiters.removeValue(forKey: requestID), $0.connections[connectionID])
                }
                guard let continuation else { continue }
                if let connection {
                    continuation.resume(returning: (connection, reused))
                } else {
                    continuation.resume(throwing: CourierError.connectionClosedBeforeResponse(reason: "connection vanished"))
                }
            case .fail(let requestID, let reason):
                let (continuation, error) = state.withLockedValue { state -> (CheckedContinuation<(HTTP1Connection, Bool), Error>?, CourierError) in
                    let continuation = state.waiters.removeValue(forKey: requestID)
                    switch reason {
                    case .shutdown: return (continuation, .shutdown)
                    case .cancelled: return (continuation, .cancelled)
                    case .connectFailed(let id):
                        return (continuation, state.connectErrors.removeValue(forKey: id) ?? .connectFailed(host: "?", port: 0, reason: "unknown"))
                    }
                }
                continuation?.resume(throwing: error)
            case .open(let connectionID, let origin):
                open(connectionID, origin: origin)
            case .close(let connectionID):
                let connection = state.withLockedValue { $0.connections[connectionID] }
                connection?.channel.close(promise: nil)
            }
        }
    }

    private func open(_ id: Int, origin: Origin) {
        let eventLoop = group.next()
        logger.debug("opening connection", metadata: ["courier.connection": "\(id)", "courier.origin": "\(origin)"])
        dialer.connect(to: origin, id: id, on: eventLoop).whenComplete { result in
            switch result {
            case .success(let connection):
                connection.setExchangeEndedCallback { [weak self] reusable, hints in
                    self?.released(id, reusable: reusable, hints: hints)
                }
                let actions = self.state.withLockedValue { state -> [PoolStateMachine.Action] in
                    state.connections[id] = connection
                    state.opened += 1
                    return state.machine.connected(id, now: .now)
                }
                connection.channel.closeFuture.whenComplete { [weak self] _ in self?.closed(id) }
                self.run(actions)
                self.scheduleSweepIfNeeded()
            case .failure(let error):
                let courierError = (error as? CourierError) ?? .connectFailed(host: origin.host, port: origin.port, reason: "\(error)")
                self.logger.debug("connect failed", metadata: ["courier.connection": "\(id)", "error": "\(courierError)"])
                let actions = self.state.withLockedValue { state -> [PoolStateMachine.Action] in
                    state.connectErrors[id] = courierError
                    let actions = state.machine.connectFailed(id)
                    if !actions.contains(where: { if case .fail(_, .connectFailed(id)) = $0 { return true } else { return false } }) {
                        state.connectErrors[id] = nil
                    }
                    return actions
                }
                self.run(actions)
                self.completeShutdownIfIdle()
            }
        }
    }

    private func released(_ id: Int, reusable: Bool, hints: KeepAliveHints) {
        let actions = state.withLockedValue { $0.machine.released(id, reusable: reusable, now: .now, hints: hints) }
        run(actions)
        if reusable { scheduleSweepIfNeeded() }
    }

    private func closed(_ id: Int) {
        let actions = state.withLockedValue { state -> [PoolStateMachine.Action] in
            state.connections[id] = nil
            return state.machine.closed(id)
        }
        logger.debug("connection closed", metadata: ["courier.connection": "\(id)"])
        run(actions)
        completeShutdownIfIdle()
    }

    private func completeShutdownIfIdle() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard state.machine.isShutdown, state.machine.connectionCount == 0 else { return [] }
            defer { state.shutdownWaiters.removeAll() }
            return state.shutdownWaiters
        }
        waiters.forEach { $0.resume() }
    }

    /// One sweep timer per pool, armed only while idle connections exist; it fires at the earliest expiry.
    private func scheduleSweepIfNeeded() {
        let expiry = state.withLockedValue { state -> ContinuousClock.Instant? in
            guard !state.sweepScheduled, let expiry = state.machine.nextExpiry else { return nil }
            state.sweepScheduled = true
            return expiry
        }
        guard let expiry else { return }
        let delay = ContinuousClock.now.duration(to: expiry)
        group.next().scheduleTask(in: max(delay, .milliseconds(1)).timeAmount) { [weak self] in
            guard let self else { return }
            let actions = self.state.withLockedValue { state -> [PoolStateMachine.Action] in
                state.sweepScheduled = false
                return state.machine.closeExpired(now: .now)
            }
            self.run(actions)
            self.scheduleSweepIfNeeded()
        }
    }
}
