import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// An HTTP/1.1 client with a connection pool. Create one per process (or per set of settings) and share it.
///
/// Responses are handled inside a scope (``execute(_:_:)``): when the scope ends the connection is
/// returned to the pool or closed, whether or not the body was read, so connections cannot leak through the API.
/// Call ``shutdown(gracePeriod:)`` when done; a client dropped without it closes its connections in the background
/// and logs a warning to ``Configuration/logger``.
public final class Client: Sendable {
    /// The settings this client was created with.
    public let configuration: Configuration
    let pool: ConnectionPool
    /// Which requests go through a proxy, decided from ``Configuration/proxy`` and the environment at `init`.
    let proxies: ProxyEnvironment
    private let isShutdown = Atomic<Bool>(false)
    /// An executor that runs tasks on one of this client's event loops (opt-in; the fastest way to send).
    ///
    /// By default a request hands its work to an event loop thread and its task is resumed on its own executor
    /// (Swift's global executor, or the caller's actor) when the response arrives: two thread wake-ups per
    /// request. Run the code that sends requests on this executor instead, and connections dialed from it live on
    /// that same loop: the request is written, and the task resumed, without any thread hand-off.
    ///
    /// ```swift
    /// await withTaskExecutorPreference(client.taskExecutor) {
    ///     await withTaskGroup(of: Void.self) { group in /* child tasks inherit the preference */ }
    /// }
    /// ```
    ///
    /// Everything that runs there shares one thread with I/O: it must not block (no blocking file or network
    /// calls, no long computations), or every connection of that loop waits. The event loop group must outlive
    /// every task that prefers this executor (a job for a loop that was shut down is dropped and its task never
    /// resumes); with the default group, the process-wide singleton, it always does. One executor uses one core;
    /// to use more, spread tasks over ``taskExecutors``. Connections are shared by all callers: a task that finds
    /// no idle connection on its own loop uses another one, and its request then hops to that loop as any other
    /// would.
    public let taskExecutor: any TaskExecutor

    /// One executor per event loop of this client's group (``taskExecutor`` is one of them).
    ///
    /// Give concurrent tasks different ones (for example task `i` the executor `i % taskExecutors.count`) to use
    /// several cores without thread hand-offs: the connections a task's requests open live on its loop, and an
    /// idle connection on the caller's loop is preferred over a more recently idle one elsewhere (among the 8 most
    /// recently idle). The same conditions as for ``taskExecutor`` apply.
    public let taskExecutors: [any TaskExecutor]
    /// ``Configuration/Limits/drainTimeout`` and ``Configuration/Limits/expectContinueTimeout`` as NIO time
    /// amounts, converted once (a `Duration` conversion costs a 128-bit division).
    private let drainTimeout: TimeAmount
    private let expectContinueTimeout: TimeAmount
    /// The last URL parsed and its target: requests to one URL skip parsing it again.
    private let lastTarget = Mutex<(url: URL, target: RequestTarget)?>(nil)

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - configuration: Settings; the default has 8 connections per origin and a 60 s idle timeout.
    ///   - eventLoopGroup: Where connections live; default the process-wide `MultiThreadedEventLoopGroup.singleton`.
    public init(
        configuration: Configuration = .init(),
        eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.drainTimeout = configuration.limits.drainTimeout.timeAmount
        self.expectContinueTimeout = configuration.limits.expectContinueTimeout.timeAmount
        self.pool = ConnectionPool(configuration: configuration, group: eventLoopGroup)
        let executors = eventLoopGroup.makeIterator().map { EventLoopTaskExecutor(eventLoop: $0) }
        let home = eventLoopGroup.next()
        self.taskExecutors = executors
        self.taskExecutor = executors.first { $0.eventLoop === home } ?? EventLoopTaskExecutor(eventLoop: home)
        self.proxies = ProxyEnvironment(setting: configuration.proxy, environment: ProcessInfo.processInfo.environment)
        if self.proxies.ignoredHTTPProxyInCGI {
            configuration.logger.warning("HTTP_PROXY is ignored because REQUEST_METHOD is set (CGI, httpoxy); use http_proxy")
        }
        if configuration.tls.verification == .insecureNoVerification {
            configuration.logger.warning(
                "TLS certificate verification is OFF for this client: any server can impersonate any https host")
        }
        for entry in self.proxies.invalidNoProxyEntries {
            configuration.logger.warning("ignoring a no-proxy entry that is not understood", metadata: ["courier.entry": "\(entry)"])
        }
    }

    deinit {
        if !isShutdown.load(ordering: .acquiring) {
            let held = pool.connectionCount
            configuration.logger.warning(
                "Client dropped without shutdown() while holding \(held) connection(s); closing them")
            pool.shutdownInBackground()
        }
    }

    /// Sends `request` and hands the response to `handler`; the connection is released when `handler` returns.
    ///
    /// The body need not be read: an unread remainder of up to ``Configuration/Limits/maxDrainBytes`` (default
    /// 256 KiB) that arrives within ``Configuration/Limits/drainTimeout`` (default 1 s) is read and discarded so the
    /// connection can be reused; otherwise the connection is closed. Cancelling the task closes the connection.
    ///
    /// A request that fails on a reused connection before any byte of it was written is sent again on another
    /// connection (always safe); nothing else is retried.
    ///
    /// `execute` and `handler` run in the caller's isolation (`nonisolated(nonsending)`): called from an actor, the
    /// handler runs on that actor and may use its state; called from nonisolated code, they run where it runs (on
    /// the task's preferred executor if it has one, else on the global concurrent executor).
    /// Declared so, it does not switch executors where it starts and where its calls return, as a function with
    /// an `isolated` parameter does (with a task executor preference, each switch takes the task's status lock).
    ///
    /// - Throws: ``CourierError`` for every failure of Courier's own; errors thrown by `handler` are rethrown.
    nonisolated(nonsending) public func execute<Result>(
        _ request: Request,
        _ handler: (Response) async throws -> Result
    ) async throws -> Result {
        guard !isShutdown.load(ordering: .acquiring) else { throw CourierError.shutdown }
        let target = try target(of: request.url)
        let routed = try route(target)
        // Plain-http requests through a proxy go to it in absolute form and share connections to it, counted
        // against its per-host limit; https goes through a CONNECT tunnel of its own per (proxy, target).
        let poolOrigin: Origin
        var proxy: ProxyServer? = nil
        switch (routed, target.origin.scheme) {
        case (nil, _):
            poolOrigin = target.origin
        case (let server?, "https"):
            poolOrigin = Origin(
                scheme: "https", host: target.origin.host, port: target.origin.port, tunnelProxy: server)
        case (let server?, _):
            proxy = server
            poolOrigin = Origin(scheme: "http", host: server.host, port: server.port)
        }
        pool.countRequest()
        let idempotent = RetryDecision.isIdempotent(request.method)
        // Lengths first: comparing two different strings takes the standard library's slow path.
        let hasKey = request.headerFields.contains {
            $0.name.canonicalName.utf8.count == 15 && $0.name.canonicalName == "idempotency-key"
        }
        // A stream is made once: it can be sent again only if no chunk of it was read.
        var stream: BodyChunkSource? = nil
        if case .stream(_, let makeSource) = request.body?.storage { stream = makeSource() }
        var retries = 0
        let deadline = request.timeout.map { (at: NIODeadline.now() + $0.timeAmount, timeout: $0) }
        while true {
            if let deadline, NIODeadline.now() >= deadline.at { throw CourierError.deadlineExceeded(timeout: deadline.timeout) }
            // Bodies in memory and idle connections are had without an async call (each allocates a frame and
            // may check the task's executor preference).
            let body: PreparedBody
            if let ready = PreparedBody.withoutIO(request, stream: stream) {
                body = ready
            } else {
                body = try await PreparedBody.make(request, stream: stream)
            }
            defer { if stream == nil { body.source?.close() } }
            let framing = try RequestValidator.framing(
                method: request.method, fields: request.headerFields, hasBody: request.body != nil, declaredLength: body.declaredLength)
            var declaredLength = body.declaredLength
            var contentLength: Int64? = nil
            if case .length(let length) = framing {
                declaredLength = length
                contentLength = length
            }
            // A small in-memory body goes out in the head's buffer: one buffer, one write.
            let coalesced = body.inline.flatMap { $0.readableBytes <= Self.maxCoalescedBodyBytes ? $0 : nil }
            var head = RequestHead(
                request, target: target, framing: framing, proxy: proxy, bodyCapacity: coalesced?.readableBytes ?? 0)
            if let coalesced, !head.expectsContinue, !head.chunked { head.append(body: coalesced) }

            // NIO's monotonic nanoseconds: a `ContinuousClock` duration costs a 128-bit division to record.
            let asked = NIODeadline.now().uptimeNanoseconds
            let lease: ConnectionPool.Lease
            if let idle = try pool.leaseIdle(origin: poolOrigin) {
                lease = idle
            } else {
                lease = try await pool.lease(origin: poolOrigin, deadline: deadline)
            }
            let (connection, reused) = (lease.connection, lease.reused)
            let waited = Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds &- asked)
            pool.metrics.queueWait.recordNanoseconds(waited)
            let queueWait = Duration.nanoseconds(waited)
            request.onConnectionObtained?(
                ConnectionObtained(
                    connectionID: connection.id, reused: reused, idleTime: lease.idleTime, queueWait: queueWait))
            let exchange = Exchange(
                eventLoop: connection.eventLoop,
                requestHead: head,
                inlineBody: body.inline,
                streamsBody: body.source != nil,
                contentLength: contentLength,
                settings: .init(
                    maxDrainBytes: configuration.limits.maxDrainBytes,
                    drainTimeout: drainTimeout,
                    expectContinueTimeout: expectContinueTimeout,
                    responseHeadTimeout: configuration.timeouts.responseHead,
                    deadline: deadline,
                    recordsTimings: request.onTimings != nil
                )
            )
            connection.start(exchange)
            let writer = startBodyWriter(body.source, declaredLength: declaredLength, exchange: exchange)
            let response: Response
            do {
                response = try await withTaskCancellationHandler {
                    try await exchange.response()
                } onCancel: {
                    writer?.cancel()
                    exchange.cancel()
                }
            } catch let error as CourierError {
                // The exchange failed: the writer's next write returns false; wait for it before the source closes.
                writer?.cancel()
                await writer?.value
                let attempt = RetryDecision.Attempt(
                    failure: Self.classify(error),
                    connectionReused: reused,
                    requestBytesWritten: exchange.wroteAnything,
                    responseBytesReceived: exchange.responseStarted,
                    idempotentMethod: idempotent,
                    hasIdempotencyKey: hasKey,
                    bodyReplayable: !(body.source?.wasPulled ?? false) || stream == nil,
                    policy: request.retryPolicy
                )
                // A reused connection that failed before anything was written is a dead pooled connection; each
                // such attempt removes one, so those retries are bounded by the pool and not counted against
                // the limit (as Go's transport does). The limit bounds every other re-send.
                let deadPooledConnection = reused && !attempt.requestBytesWritten
                let willRetry =
                    RetryDecision.shouldRetry(attempt) && (deadPooledConnection || retries < RetryDecision.maxRetries)
                request.onAttemptEnded?(
                    RequestAttempt(
                        connectionID: connection.id, reused: reused, bodyBytesSent: exchange.bodyBytesSent, error: error,
                        willRetry: willRetry))
                if willRetry {
                    if !deadPooledConnection { retries += 1 }
                    pool.countRetry()
                    configuration.logger.debug(
                        "retrying on another connection",
                        metadata: ["courier.request": "\(request)", "courier.error": "\(error)"])
                    continue
                }
                stream?.close()
                throw error
            }
            if let onTimings = request.onTimings {
                let phases = exchange.phaseDurations
                onTimings(
                    RequestTimings(
                        connectionID: connection.id, reused: reused, queueWait: queueWait,
                        connect: reused ? nil : connection.connectDuration, requestSent: phases.requestSent,
                        firstResponseByte: phases.firstResponse ?? .zero))
            }
            let report = request.onAttemptEnded.map { onAttemptEnded in
                { @Sendable in
                    onAttemptEnded(
                        RequestAttempt(
                            connectionID: connection.id, reused: reused, bodyBytesSent: exchange.bodyBytesSent, error: nil,
                            willRetry: false))
                }
            }
            do {
                let result = try await handler(response)
                if !Self.isFinished(exchange, writer: writer, stream: stream) {
                    await finish(exchange, writer: writer, stream: stream)
                }
                report?()
                return result
            } catch {
                await finish(exchange, writer: writer, stream: stream)
                report?()
                throw error
            }
        }
    }

    /// Ends an exchange after the caller's scope: drains or closes the connection, then stops the body writer
    /// (the exchange is over, so it has nothing left to send) and waits for it before any source is closed.
    private func finish(_ exchange: Exchange, writer: Task<Void, Never>?, stream: BodyChunkSource?) async {
        await exchange.consumerFinished()
        if let writer {
            writer.cancel()
            await writer.value
        }
        stream?.close()
    }

    /// Whether ``finish(_:writer:stream:)`` has nothing to do: the response ended with the caller's scope (the
    /// common case) and no body writer or stream is left. Synchronous, so that case makes no async call.
    private static func isFinished(_ exchange: Exchange, writer: Task<Void, Never>?, stream: BodyChunkSource?) -> Bool {
        writer == nil && stream == nil && exchange.hasEnded
    }

    /// What every connection of this client is doing now: per origin, its connections (id, state, addresses,
    /// age, idle time, requests served, the server's keep-alive hints) and waiting requests, plus the budget
    /// and counters.
    public func snapshot() -> PoolSnapshot {
        pool.snapshot()
    }

    /// Counts kept since the client was created.
    public struct Statistics: Sendable, Equatable {
        /// Connections that finished opening.
        public var connectionsOpened: Int
        /// Requests sent again on another connection after their connection failed (see ``RetryPolicy``).
        public var retries: Int
    }

    /// Counts kept since the client was created.
    public var statistics: Statistics {
        Statistics(connectionsOpened: pool.connectionsOpened, retries: pool.retries)
    }

    /// The retry table's view of a failure: a lost connection, or anything else.
    static func classify(_ error: CourierError) -> RetryDecision.Failure {
        switch error {
        case .connectionClosedBeforeResponse, .ioFailed: return .connectionLost
        default: return .other
        }
    }

    /// Sends `request` and returns the response with its whole body.
    ///
    /// - Parameter maxBodyBytes: The largest body accepted, in bytes; a longer one fails with
    ///   ``CourierError/bodyTooLarge(limit:)`` (at once when its `Content-Length` says so). Its connection is then
    ///   treated like any body left unread: drained for reuse when the rest is within
    ///   ``Configuration/Limits/maxDrainBytes``, closed otherwise.
    public func send(_ request: Request, maxBodyBytes: Int) async throws -> BufferedResponse {
        try await execute(request) { response in
            BufferedResponse(head: response.head, body: try await response.body.collect(upTo: maxBodyBytes))
        }
    }

    /// Shuts the client down: new and waiting requests fail with ``CourierError/shutdown``, idle connections
    /// close at once, requests in flight may finish within `gracePeriod` (default 10 s; after it their
    /// connections are closed and they fail), and it returns when every connection is closed, so the process
    /// then holds none of the client's descriptors. Calling it again does nothing more.
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        isShutdown.store(true, ordering: .releasing)
        await pool.shutdown(gracePeriod: gracePeriod)
    }

    /// Starts a task that streams the request body; `nil` when the body went out with the head.
    ///
    /// The writer waits until the head is written, stops without error when the server no longer wants the
    /// body, and fails the exchange (closing the connection) when the source breaks its declared length.
    /// The caller awaits it before closing the source, so no read can touch a closed file.
    private func startBodyWriter(_ source: BodyChunkSource?, declaredLength: Int64?, exchange: Exchange) -> Task<Void, Never>? {
        guard let source else { return nil }
        return Task { await Self.writeBody(source, declaredLength: declaredLength, exchange: exchange) }
    }

    private static func writeBody(_ source: BodyChunkSource, declaredLength: Int64?, exchange: Exchange) async {
        guard await exchange.waitUntilStarted() else { return }
        var sent: Int64 = 0
        do {
            while let chunk = try await source.next() {
                let next = sent + Int64(chunk.readableBytes)
                if let declaredLength, next > declaredLength {
                    exchange.failBody(.bodyLengthMismatch(expected: declaredLength, actual: next))
                    return
                }
                sent = next
                guard await exchange.writeBodyChunk(chunk) else { return }
            }
            if let declaredLength, sent != declaredLength {
                exchange.failBody(.bodyLengthMismatch(expected: declaredLength, actual: sent))
                return
            }
            await exchange.finishBody()
        } catch let error as CourierError {
            exchange.failBody(error)
        } catch is CancellationError {
            exchange.cancel()
        } catch {
            exchange.failBody(.bodySourceFailed(reason: "\(error)"))
        }
    }

    /// `url` parsed, from the one-entry cache when it is the URL parsed last.
    func target(of url: URL) throws(CourierError) -> RequestTarget {
        if let last = lastTarget.withLock({ $0 }), last.url == url { return last.target }
        let target = try RequestTarget.parse(url)
        lastTarget.withLock { $0 = (url, target) }
        return target
    }

    /// The proxy `target` goes through, if any.
    ///
    /// - Throws: ``CourierError/invalidProxy(reason:)`` when the proxy it would use is misconfigured.
    private func route(_ target: RequestTarget) throws(CourierError) -> ProxyServer? {
        guard !proxies.alwaysDirect else { return nil }
        do {
            return try proxies.decision(for: target.origin).server
        } catch {
            throw .invalidProxy(reason: "\(error)")
        }
    }

    /// The largest in-memory body written in the same buffer as the request head, in bytes (copied once).
    static let maxCoalescedBodyBytes = 16 * 1024
}
