import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Synchronization

/// One request/response exchange on one connection.
///
/// Its state machine runs on the connection's event loop; the caller's task talks to it through the
/// `async` methods below, each of which hops to the event loop once. All mutable state except `shared` is
/// confined to the event loop.
final class Exchange: @unchecked Sendable {
    /// How far the request has been written.
    enum RequestPhase {
        /// The head is written; the body waits for `100 Continue` (or the expect-continue timeout).
        case waitingForContinue
        /// Body chunks are being written.
        case sendingBody
        /// Head, body and end were written.
        case complete
        /// The server answered before the body was complete; the rest is not sent.
        case abandoned
    }

    /// How far the response has been read.
    enum ResponsePhase {
        case waitingForHead
        case receivingBody
        case complete
    }

    /// State read from other threads.
    struct Shared {
        var bodyEndedNormally = false
        var failure: CourierError? = nil
        var announcedFraming: ResponseFraming? = nil
        var wroteAnything = false
        /// Body bytes handed to the connection (an inline body counts once it is written with the head).
        var bodyBytesSent: Int64 = 0
        /// Some part of a response (an interim one included) arrived.
        var responseStarted = false
        /// When the exchange started, the request was fully written, and the first response part arrived (kept
        /// only when ``Settings/recordsTimings``).
        /// In NIO's monotonic nanoseconds: `ContinuousClock.Instant` is resilient, and holding it made every
        /// exchange's shared state be created and destroyed through runtime metadata.
        var startedAt: UInt64? = nil
        var requestSentAt: UInt64? = nil
        var firstResponseAt: UInt64? = nil
        /// The exchange ended: its connection was released to the pool or closed.
        var finished = false
        /// The response head (or the failure) once it is handed over, until the caller takes it.
        var head: Result<HeadAndBody, CourierError>? = nil
        /// The caller waiting for `head`, if it asked before it was handed over.
        var headWaiter: HeadWaiter? = nil
        /// The caller waiting for `finished`, if it asked before the exchange ended.
        var endWaiter: UnsafeContinuation<Void, Never>? = nil
        /// A body that had ended when the head was handed over, until the caller's iterator takes it.
        var completeBody = BodyChunks()
    }

    /// Who waits for the response head: the caller's task, or a promise (tests driving the event loop).
    enum HeadWaiter {
        case task(UnsafeContinuation<HeadAndBody, Error>)
        case promise(EventLoopPromise<HeadAndBody>)

        func complete(_ result: Result<HeadAndBody, CourierError>) {
            switch self {
            case .task(let continuation): continuation.resume(with: result.mapError { $0 as Error })
            case .promise(let promise): promise.completeWith(result.mapError { $0 as Error })
            }
        }
    }

    struct Settings {
        var maxDrainBytes: Int
        var drainTimeout: TimeAmount
        var expectContinueTimeout: TimeAmount
        /// From the request's end to the response head; `nil`: no limit.
        var responseHeadTimeout: Duration? = nil
        /// When the whole request must have ended, and its length for the error; `nil`: none.
        var deadline: (at: NIODeadline, timeout: Duration)? = nil
        /// Whether to note when the request started, was written and was answered (``phaseDurations``): three
        /// clock readings per request that only a caller asking for `Request.onTimings` needs.
        var recordsTimings = false
    }

    let eventLoop: EventLoop
    private let requestHead: RequestHead
    private let inlineBody: ByteBuffer?
    private let streamsBody: Bool
    /// The body's `Content-Length`, when it is sent with one.
    private let contentLength: Int64?
    private var bodyBytesWritten: Int64 = 0
    private let expectContinue: Bool
    private let requestTokens: ConnectionTokens
    private let settings: Settings
    private let shared = Mutex(Shared())

    // Event-loop state.
    /// The connection's handler while the exchange runs; released when it ends. Held strongly: a weak reference
    /// gives the handler a side table, which makes every retain and release of it (several per request in the
    /// pipeline) take the runtime's slow path.
    private var handler: HTTP1ClientHandler?
    private var context: ChannelHandlerContext?
    private(set) var requestPhase: RequestPhase = .complete {
        didSet {
            if requestPhase == .complete {
                if settings.recordsTimings {
                    let now = NIODeadline.now().uptimeNanoseconds
                    shared.withLock { if $0.requestSentAt == nil { $0.requestSentAt = now } }
                }
                armResponseHeadTimer()
            }
        }
    }
    /// Some part of a response arrived (the event loop's copy of `Shared.responseStarted`).
    private var sawResponse = false
    /// The response-head and deadline timers, armed only when configured (none per request by default).
    private var headTimer: Scheduled<Void>?
    private var deadlineTimer: Scheduled<Void>?
    private(set) var responsePhase: ResponsePhase = .waitingForHead
    private var responseVersion = (major: 1, minor: 1)
    private var responseTokens = ConnectionTokens.none
    private var hints = KeepAliveHints()
    private var framing: ResponseFraming = .untilClose
    /// The response's framing was readable but not valid for its version: its connection is not reused.
    private var faultyFraming = false
    /// The response head and its body stream (`nil`: the body had ended, see `Shared.completeBody`). It must not
    /// hold the exchange, which keeps it until the caller takes it.
    struct HeadAndBody: Sendable {
        var head: HTTPResponse
        var body: ResponseBody.Producer?
    }
    /// A final response head that arrived in the current read but is not handed over yet: the caller gets it
    /// once the read is processed (or the response ended), so that a small response costs the caller one wake-up
    /// and no body stream. `pendingChunks` are the body buffers that arrived with it.
    private var pendingHead: HTTPResponse?
    private var pendingChunks = BodyChunks()
    /// Only a streamed body's writer waits for the head to be written.
    private let startedPromise: EventLoopPromise<Bool>?
    private var writerPromise: EventLoopPromise<Bool>?
    private var heldChunk: ByteBuffer?
    private var source: ResponseBody.Producer.Source?
    /// The body consumer asked for a pause (its buffer is full) or went away.
    private(set) var readsPaused = false
    private var draining = false
    private var drainedBytes = 0
    private var receivedBodyBytes: Int64 = 0
    private var drainTimer: Scheduled<Void>?
    private var continueTimer: Scheduled<Void>?
    private var finished = false

    #if DEBUG
    /// Exchanges alive now (debug builds only): tests check that every one is freed.
    static let liveCount = NIOLockedValueBox(0)
    deinit { Self.liveCount.withLockedValue { $0 -= 1 } }
    #endif

    init(
        eventLoop: EventLoop,
        requestHead: RequestHead,
        inlineBody: ByteBuffer?,
        streamsBody: Bool,
        contentLength: Int64? = nil,
        settings: Settings
    ) {
        self.eventLoop = eventLoop
        self.requestHead = requestHead
        self.inlineBody = inlineBody
        self.streamsBody = streamsBody
        self.contentLength = contentLength
        self.expectContinue = (inlineBody != nil || streamsBody) && requestHead.expectsContinue
        self.requestTokens = ConnectionTokens(headerValues: requestHead.connectionValues)
        self.settings = settings
        self.startedPromise = streamsBody ? eventLoop.makePromise() : nil
        #if DEBUG
        Self.liveCount.withLockedValue { $0 += 1 }
        #endif
    }

    /// An exchange for a head built by hand (tests), encoded as NIO's `HTTPRequestEncoder` would.
    convenience init(
        eventLoop: EventLoop,
        requestHead: HTTPRequestHead,
        inlineBody: ByteBuffer?,
        streamsBody: Bool,
        contentLength: Int64? = nil,
        settings: Settings
    ) {
        self.init(
            eventLoop: eventLoop, requestHead: RequestHead(nioHead: requestHead), inlineBody: inlineBody,
            streamsBody: streamsBody, contentLength: contentLength, settings: settings)
    }

    // MARK: Read from any thread

    /// The response body reached its delimiter.
    var bodyEndedNormally: Bool { shared.withLock { $0.bodyEndedNormally } }
    /// Why the exchange failed, if it did.
    var failure: CourierError? { shared.withLock { $0.failure } }
    /// The response's framing, once its head arrived.
    var announcedFraming: ResponseFraming? { shared.withLock { $0.announcedFraming } }
    /// Whether any byte of the request was handed to the connection.
    var wroteAnything: Bool { shared.withLock { $0.wroteAnything } }
    /// Body bytes handed to the connection so far.
    var bodyBytesSent: Int64 { shared.withLock { $0.bodyBytesSent } }
    /// The request's method is `HEAD` (its response has no body, whatever its head says).
    var requestIsHEAD: Bool { requestHead.isHEAD }
    /// Whether any part of a response arrived.
    var responseStarted: Bool { shared.withLock { $0.responseStarted } }
    /// From the start to the request being written, and to the first response part (`nil` if not yet).
    var phaseDurations: (requestSent: Duration?, firstResponse: Duration?) {
        shared.withLock { shared in
            guard let start = shared.startedAt else { return (nil, nil) }
            func since(_ end: UInt64) -> Duration { .nanoseconds(Int64(truncatingIfNeeded: end &- start)) }
            return (shared.requestSentAt.map(since), shared.firstResponseAt.map(since))
        }
    }

    // MARK: Caller side

    /// Completes with the response head (for tests that drive the event loop themselves).
    var responseFuture: EventLoopFuture<Response> {
        let promise = eventLoop.makePromise(of: HeadAndBody.self)
        let ready = shared.withLock { shared -> Result<HeadAndBody, CourierError>? in
            if let head = shared.head { return head }
            shared.headWaiter = .promise(promise)
            return nil
        }
        if let ready { HeadWaiter.promise(promise).complete(ready) }
        return promise.futureResult.map { self.response(from: $0) }
    }

    private func response(from parts: HeadAndBody) -> Response {
        guard let body = parts.body else { return Response(head: parts.head, body: ResponseBody(completeBodyOf: self)) }
        return Response(head: parts.head, body: ResponseBody(producer: body, exchange: self))
    }

    /// The response head, with its body stream. The caller's task is resumed once, directly from the event loop
    /// (or not at all if the head is already there). Cancellation is handled by the caller (see `Client.execute`),
    /// which calls ``cancel()``: that fails the exchange and closes the connection.
    func response() async throws -> Response {
        let parts = try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<HeadAndBody, Error>) in
            let ready = shared.withLock { shared -> Result<HeadAndBody, CourierError>? in
                if let head = shared.head { return head }
                shared.headWaiter = .task(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready.mapError { $0 as Error }) }
        }
        return response(from: parts)
    }

    /// Takes the buffers of a body that had ended when the head was handed over (once; later calls get none).
    func takeCompleteBody() -> BodyChunks {
        shared.withLock { shared in
            defer { shared.completeBody = BodyChunks() }
            return shared.completeBody
        }
    }

    /// Waits until the head was written; `false` if the exchange failed before that.
    func waitUntilStarted() async -> Bool {
        guard let startedPromise else { return false }
        return (try? await startedPromise.futureResult.get()) ?? false
    }

    /// Writes one body chunk. Returns `false` when the body is no longer wanted (the server answered, or the
    /// exchange failed); the writer then stops without error. Suspends while the channel is not writable.
    func writeBodyChunk(_ chunk: ByteBuffer) async -> Bool {
        let future = eventLoop.flatSubmit { self.writeBodyChunkOnLoop(chunk) }
        return (try? await future.get()) ?? false
    }

    /// Writes the end of the body.
    func finishBody() async {
        try? await eventLoop.submit { self.finishBodyOnLoop() }.get()
    }

    /// Fails the exchange because the body source failed; the connection is closed.
    func failBody(_ error: CourierError) {
        eventLoop.execute { self.fail(error) }
    }

    /// Fails the exchange as cancelled and closes the connection; no-op once it finished.
    func cancel() {
        eventLoop.execute { self.fail(.cancelled) }
    }

    /// Whether the exchange ended (its connection was released to the pool or closed).
    var hasEnded: Bool { shared.withLock { $0.finished } }

    /// Called when the caller's scope ended. Drains a small unread remainder so the connection can be reused,
    /// or closes it. Returns when the connection was released to the pool or closed.
    func consumerFinished() async {
        // The common case (the response already ended) needs no trip to the event loop.
        if shared.withLock({ $0.finished }) { return }
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let finished = shared.withLock { shared -> Bool in
                if shared.finished { return true }
                shared.endWaiter = continuation
                return false
            }
            if finished {
                continuation.resume()
            } else {
                eventLoop.execute { self.consumerFinishedOnLoop() }
            }
        }
    }

    // MARK: Event loop side, driven by HTTP1ClientHandler

    /// Writes the head (and an in-memory body) and starts waiting for the response.
    func start(handler: HTTP1ClientHandler, context: ChannelHandlerContext) {
        eventLoop.preconditionInEventLoop()
        self.handler = handler
        self.context = context
        guard context.channel.isActive else {
            fail(handler.closedBecause
                ?? .connectionClosedBeforeResponse(reason: "the pooled connection had already been closed by the server"))
            return
        }
        // The body (if any) goes out now, with the head or right after it, not later.
        let bodyNow = !expectContinue && !streamsBody
        let inlineBytes = bodyNow ? Int64(inlineBody?.readableBytes ?? 0) : 0
        let now = settings.recordsTimings ? NIODeadline.now().uptimeNanoseconds : nil
        shared.withLock {
            $0.wroteAnything = true
            $0.startedAt = now
            $0.bodyBytesSent = inlineBytes
        }
        if let deadline = settings.deadline {
            deadlineTimer = eventLoop.scheduleTask(deadline: deadline.at) { self.fail(.deadlineExceeded(timeout: deadline.timeout)) }
        }
        if bodyNow, !requestHead.chunked, requestHead.includesBody || inlineBody == nil {
            // The whole request is the head's buffer (the common case): one write and flush through the pipeline.
            requestPhase = .complete
            handler.sink.writeAndFlush(requestHead.bytes)
            return
        }
        handler.sink.write(requestHead.bytes)
        if expectContinue {
            requestPhase = .waitingForContinue
            heldChunk = inlineBody
            continueTimer = eventLoop.scheduleTask(in: settings.expectContinueTimeout) { self.allowBody() }
        } else if streamsBody {
            requestPhase = .sendingBody
        } else {
            if !requestHead.includesBody, let inlineBody {
                writeBodyPart(inlineBody, context: context)
            }
            writeEnd(context: context, flush: false)
            requestPhase = .complete
        }
        handler.sink.flush()
        startedPromise?.succeed(true)
    }

    func received(_ part: ResponseParser.Event) {
        guard !finished else { return }
        switch part {
        case .head(let head):
            if !sawResponse {
                sawResponse = true
                let now = settings.recordsTimings ? NIODeadline.now().uptimeNanoseconds : nil
                shared.withLock {
                    $0.responseStarted = true
                    $0.firstResponseAt = now
                }
            }
            receivedHead(head)
        case .body(let buffer):
            guard responsePhase == .receivingBody else {
                fail(.malformedResponse(reason: "body bytes arrived outside a response"))
                return
            }
            if draining {
                drainedBytes += buffer.readableBytes
                if drainedBytes > settings.maxDrainBytes { closeQuietly() }
                return
            }
            receivedBodyBytes += Int64(buffer.readableBytes)
            if pendingHead != nil {
                pendingChunks.append(buffer)
                return
            }
            switch source?.yield(buffer) {
            case .produceMore: readsPaused = false
            case .stopProducing, .dropped, .none: readsPaused = true
            }
        case .end:
            guard responsePhase == .receivingBody else {
                fail(.malformedResponse(reason: "a response ended before its head"))
                return
            }
            responsePhase = .complete
            readsPaused = false
            drainTimer?.cancel()
            let head = pendingHead
            let chunks = pendingChunks
            pendingHead = nil
            pendingChunks = BodyChunks()
            if head == nil { shared.withLock { $0.bodyEndedNormally = true } }
            let source = self.source
            self.source = nil
            // The connection goes back to the pool before the caller is woken, so the caller's scope can end
            // without waiting for the event loop.
            finishIfDone()
            if let head {
                // The whole response arrived in this read: hand it over with its body, no stream needed.
                deliverHead(.success(HeadAndBody(head: head, body: nil)), completeBody: chunks)
            }
            source?.finish()
        }
    }

    private func receivedHead(_ head: ResponseParser.Head) {
        guard responsePhase == .waitingForHead else {
            fail(.malformedResponse(reason: "a second response head arrived before the first response ended"))
            return
        }
        let code = head.code
        if code == 101 {
            fail(.malformedResponse(reason: "unexpected 101 Switching Protocols (no upgrade was requested)"))
            return
        }
        if (100..<200).contains(code) {
            if code == 100, requestPhase == .waitingForContinue { allowBody() }
            return
        }
        headTimer?.cancel()
        headTimer = nil
        responseVersion = (1, head.minorVersion)
        // The parser collected the values of the fields the policies read while it built the head.
        responseTokens = head.connection
        hints = KeepAliveHints(headerValues: head.keepAlive)
        framing = head.framing
        // Chunked framing in an HTTP/1.0 response is faulty (RFC 9112 §6.1): read it, then close the connection.
        if head.minorVersion == 0, case .chunked = head.framing { faultyFraming = true }
        let framing = self.framing
        shared.withLock { $0.announcedFraming = framing }
        if requestPhase == .sendingBody, let contentLength, bodyBytesWritten == contentLength, let context {
            // Every declared byte is out; the server answered before the writer got to say so. The request is
            // complete (the end of a Content-Length body puts nothing on the wire).
            writeEnd(context: context, flush: true)
            requestPhase = .complete
        }
        if requestPhase == .waitingForContinue || requestPhase == .sendingBody {
            // The server answered before the body was complete: stop sending it (RFC 9112 asks clients to
            // watch for such responses while sending); the connection cannot be reused since the request
            // was not finished.
            requestPhase = .abandoned
            continueTimer?.cancel()
            heldChunk = nil
            writerPromise?.succeed(false)
            writerPromise = nil
        }
        responsePhase = .receivingBody
        pendingHead = head.response
    }

    /// The current read was processed: a head that arrived in it is handed over now, with a body stream holding
    /// the buffers that came with it.
    func readComplete() {
        guard let head = pendingHead else { return }
        pendingHead = nil
        let sequence = ResponseBody.Producer.makeSequence(
            elementType: ByteBuffer.self,
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8),
            finishOnDeinit: false,
            delegate: ExchangeBodyDelegate(exchange: self)
        )
        source = sequence.source
        if !pendingChunks.isEmpty {
            switch sequence.source.yield(contentsOf: pendingChunks) {
            case .produceMore: readsPaused = false
            case .stopProducing, .dropped: readsPaused = true
            }
            pendingChunks = BodyChunks()
        }
        deliverHead(.success(HeadAndBody(head: head, body: sequence.sequence)))
    }

    /// Hands the head (or the failure) to the caller, resuming it if it waits; at most once.
    private func deliverHead(_ result: Result<HeadAndBody, CourierError>, completeBody: BodyChunks = BodyChunks()) {
        let waiter = shared.withLock { shared -> HeadWaiter? in
            guard shared.head == nil else { return nil }
            if case .success(let parts) = result, parts.body == nil {
                shared.completeBody = completeBody
                shared.bodyEndedNormally = true
            }
            shared.head = result
            defer { shared.headWaiter = nil }
            return shared.headWaiter
        }
        waiter?.complete(result)
    }

    private func allowBody() {
        guard requestPhase == .waitingForContinue, let context else { return }
        continueTimer?.cancel()
        continueTimer = nil
        requestPhase = .sendingBody
        if !streamsBody {
            if let chunk = heldChunk, chunk.readableBytes > 0 {
                writeBodyPart(chunk, context: context)
                countBodyBytes(chunk.readableBytes)
            }
            heldChunk = nil
            writeEnd(context: context, flush: true)
            requestPhase = .complete
            finishIfDone()
            return
        }
        if let chunk = heldChunk {
            heldChunk = nil
            countBodyBytes(chunk.readableBytes)
            writeBodyPart(chunk, context: context)
            context.flush()
            if context.channel.isWritable {
                writerPromise?.succeed(true)
                writerPromise = nil
            }
        }
    }

    private func countBodyBytes(_ count: Int) {
        bodyBytesWritten += Int64(count)
        shared.withLock { $0.bodyBytesSent += Int64(count) }
    }

    private func writeBodyChunkOnLoop(_ chunk: ByteBuffer) -> EventLoopFuture<Bool> {
        guard !finished, let context else { return eventLoop.makeSucceededFuture(false) }
        switch requestPhase {
        case .complete, .abandoned:
            return eventLoop.makeSucceededFuture(false)
        case .waitingForContinue:
            heldChunk = chunk
            let promise = eventLoop.makePromise(of: Bool.self)
            writerPromise = promise
            return promise.futureResult
        case .sendingBody:
            countBodyBytes(chunk.readableBytes)
            writeBodyPart(chunk, context: context)
            context.flush()
            handler?.noteProgress()
            if context.channel.isWritable { return eventLoop.makeSucceededFuture(true) }
            let promise = eventLoop.makePromise(of: Bool.self)
            writerPromise = promise
            return promise.futureResult
        }
    }

    private func finishBodyOnLoop() {
        guard !finished, let context else { return }
        switch requestPhase {
        case .sendingBody:
            writeEnd(context: context, flush: true)
            requestPhase = .complete
            finishIfDone()
        case .waitingForContinue:
            // An empty stream: nothing to wait for.
            continueTimer?.cancel()
            writeEnd(context: context, flush: true)
            requestPhase = .complete
            finishIfDone()
        case .complete, .abandoned:
            return
        }
    }

    /// The channel became writable again.
    func writable() {
        if requestPhase == .sendingBody, heldChunk == nil, let promise = writerPromise {
            writerPromise = nil
            promise.succeed(true)
        }
    }

    /// Whether the stall timer should count the time since the last progress.
    var isWaitingOnPeer: Bool {
        guard !finished else { return false }
        if requestPhase == .sendingBody, let context, !context.channel.isWritable { return true }
        return responsePhase == .receivingBody && !readsPaused
    }

    /// The consumer wants more body chunks.
    func resumeReading() {
        guard readsPaused, !finished else { return }
        readsPaused = false
        handler?.readIfPending()
    }

    private func consumerFinishedOnLoop() {
        guard !finished else { return }
        // A body kept past its scope (a `Response` is `Sendable` and can escape) must not wait for bytes that
        // will be drained or never read: its iterator gets what was already buffered, then this error.
        source?.finish(CourierError.bodyReadAfterScope)
        source = nil
        guard responsePhase == .receivingBody else {
            // The scope cannot end before the head arrived unless the exchange failed.
            closeQuietly()
            return
        }
        if case .contentLength(let length) = framing, length - receivedBodyBytes > Int64(settings.maxDrainBytes) {
            closeQuietly()
            return
        }
        guard framing.isDelimited else {
            closeQuietly()
            return
        }
        draining = true
        readsPaused = false
        drainTimer = eventLoop.scheduleTask(in: settings.drainTimeout) { self.closeQuietly() }
        handler?.readIfPending()
    }

    func connectionClosed() {
        guard !finished else { return }
        switch responsePhase {
        case .waitingForHead:
            fail(.connectionClosedBeforeResponse(reason: "the server closed the connection"))
        case .receivingBody, .complete:
            fail(.connectionClosedDuringBody(reason: "the server closed the connection"))
        }
    }

    func fail(_ error: CourierError) {
        guard !finished else { return }
        finished = true
        shared.withLock { $0.failure = error }
        cancelTimers()
        continueTimer?.cancel()
        drainTimer?.cancel()
        startedPromise?.succeed(false)
        // A head that arrived in this read is still handed over; its body then ends with the error.
        readComplete()
        deliverHead(.failure(error))
        source?.finish(error)
        source = nil
        writerPromise?.succeed(false)
        writerPromise = nil
        let closedBeforeResponse: Bool
        if case .connectionClosedBeforeResponse = error { closedBeforeResponse = !sawResponse } else { closedBeforeResponse = false }
        handler?.exchangeEnded(self, reusable: false, hints: hints, closeReason: closedBeforeResponse ? .closedBeforeResponse : .error)
        handler = nil
        markFinished()
    }

    /// Ends the exchange without an error for the caller, closing the connection.
    private func closeQuietly() {
        guard !finished else { return }
        finished = true
        cancelTimers()
        drainTimer?.cancel()
        continueTimer?.cancel()
        writerPromise?.succeed(false)
        writerPromise = nil
        handler?.exchangeEnded(self, reusable: false, hints: hints, closeReason: .unreadBody)
        handler = nil
        markFinished()
    }

    private func finishIfDone() {
        guard !finished, responsePhase == .complete,
            requestPhase == .complete || requestPhase == .abandoned
        else { return }
        finished = true
        cancelTimers()
        drainTimer?.cancel()
        let reusable = KeepAlivePolicy.isReusable(
            after: .init(
                requestConnection: requestTokens,
                responseVersion: responseVersion,
                responseConnection: responseTokens,
                framing: framing,
                requestComplete: requestPhase == .complete,
                responseComplete: true,
                protocolError: faultyFraming
            ))
        // `max=0`: the server will not take another request on this connection.
        let reason: PoolStateMachine.CloseReason =
            hints.maxRequests == 0 ? .keepAliveMax : requestPhase == .abandoned ? .requestIncomplete : .connectionClose
        handler?.exchangeEnded(self, reusable: reusable && hints.maxRequests != 0, hints: hints, closeReason: reason)
        handler = nil
        markFinished()
    }
}

extension Exchange {
    /// Writes body bytes, in a chunk of their own when the body is chunked (an empty part writes nothing).
    fileprivate func writeBodyPart(_ part: ByteBuffer, context: ChannelHandlerContext) {
        guard part.readableBytes > 0 else { return }
        if requestHead.chunked {
            var size = context.channel.allocator.buffer(capacity: 32)
            size.writeString(String(part.readableBytes, radix: 16))
            size.writeStaticString("\r\n")
            handler?.sink.write(size)
            handler?.sink.write(part)
            size.moveReaderIndex(forwardBy: size.readableBytes - 2)
            handler?.sink.write(size)
        } else {
            handler?.sink.write(part)
        }
    }

    /// Writes the end of the body: the last chunk of a chunked body; nothing otherwise.
    fileprivate func writeEnd(context: ChannelHandlerContext, flush: Bool) {
        if requestHead.chunked {
            handler?.sink.write(ByteBuffer(staticString: "0\r\n\r\n"))
        }
        if flush { context.flush() }
    }

    /// Starts the response-head timer once the request is complete, if one is configured.
    fileprivate func armResponseHeadTimer() {
        guard let timeout = settings.responseHeadTimeout, headTimer == nil, responsePhase == .waitingForHead, !finished,
            context != nil
        else { return }
        headTimer = eventLoop.scheduleTask(in: timeout.timeAmount) {
            if self.responsePhase == .waitingForHead { self.fail(.responseHeadTimeout(timeout: timeout)) }
        }
    }

    fileprivate func cancelTimers() {
        headTimer?.cancel()
        headTimer = nil
        deadlineTimer?.cancel()
        deadlineTimer = nil
    }

    /// Publishes the end of the exchange, after the pool got its connection back (so a caller that sees it can
    /// lease that connection again at once).
    fileprivate func markFinished() {
        let waiter = shared.withLock { shared -> UnsafeContinuation<Void, Never>? in
            shared.finished = true
            defer { shared.endWaiter = nil }
            return shared.endWaiter
        }
        waiter?.resume()
    }
}

/// Forwards the body consumer's demand to the exchange's event loop.
///
/// It holds the exchange weakly: the producer's storage keeps its delegate, and the exchange keeps the producer's
/// source, so a strong reference would keep every finished exchange alive (a leak of one exchange per request).
/// The caller's ``ResponseBody`` keeps the exchange alive while the body is read.
struct ExchangeBodyDelegate: NIOAsyncSequenceProducerDelegate {
    weak var exchange: Exchange?

    func produceMore() {
        guard let exchange else { return }
        exchange.eventLoop.execute { exchange.resumeReading() }
    }

    func didTerminate() {}
}
