import NIOCore
import NIOSSL

/// The last handler of a connection's pipeline: parses the response bytes (``ResponseParser``) and feeds the
/// parts to the current ``Exchange``, applies the body consumer's backpressure to `read()`, watches for stalls,
/// and reports to the pool when an exchange ends.
///
/// Everything here runs on the channel's event loop.
final class HTTP1ClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Called once per exchange when it ends: `true` when the connection may carry another request, and the
    /// server's `Keep-Alive` hints.
    var onExchangeEnded: ((Bool, KeepAliveHints, PoolStateMachine.CloseReason) -> Void)?

    private let stallTimeout: TimeAmount
    private let maxHeadBytes: Int
    /// The origin and TLS settings, to describe TLS errors that arrive after the handshake (a TLS 1.3 server
    /// rejects a missing client certificate only once the client has sent its request).
    private let origin: Origin?
    private let tls: Configuration.TLS
    /// A TLS failure that closed the connection while no exchange ran (a TLS 1.3 server rejecting the client
    /// certificate right after the handshake): the request that finds the connection closed fails with it.
    private(set) var closedBecause: CourierError?
    private var context: ChannelHandlerContext?
    private var exchange: Exchange?
    private var pendingRead = false
    private var lastProgress = NIODeadline.now()
    private var stallTimer: Scheduled<Void>?
    private var parser: ResponseParser
    /// Bytes of a response head (or chunk-size line) that is not complete yet; while a parse runs, bytes that
    /// arrived during it.
    private var unparsed: ByteBuffer?
    /// A parse is running (see ``parse(_:context:)``).
    private var parsing = false
    /// The channel became inactive while a parse ran.
    private var closedWhileParsing = false

    /// Where request bytes are written (below the response decoder).
    let sink: RequestBytesSink

    init(
        sink: RequestBytesSink, stallTimeout: TimeAmount, maxHeadBytes: Int, origin: Origin? = nil,
        tls: Configuration.TLS = .init()
    ) {
        self.sink = sink
        self.stallTimeout = stallTimeout
        self.maxHeadBytes = maxHeadBytes
        self.origin = origin
        self.tls = tls
        self.parser = ResponseParser(maxHeadBytes: maxHeadBytes)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        stallTimer?.cancel()
    }

    /// Starts `exchange` on this connection.
    func start(_ exchange: Exchange) {
        guard let context else {
            exchange.fail(closedBecause ?? .connectionClosedBeforeResponse(reason: "the connection was already closed"))
            return
        }
        precondition(self.exchange == nil, "a connection carries one exchange at a time")
        self.exchange = exchange
        parser.requestSent(isHEAD: exchange.requestIsHEAD)
        lastProgress = .now()
        armStallTimer()
        exchange.start(handler: self, context: context)
    }

    // MARK: Called by the exchange

    func exchangeEnded(_ exchange: Exchange, reusable: Bool, hints: KeepAliveHints, closeReason: PoolStateMachine.CloseReason) {
        guard self.exchange === exchange else { return }
        self.exchange = nil
        if !reusable {
            if closeReason == .requestIncomplete { resetOnClose() }
            context?.close(promise: nil)
        }
        onExchangeEnded?(reusable, hints, closeReason)
        if reusable { readIfPending() }
    }

    /// The server answered before the request body was complete, and the rest is not sent: bytes of it may
    /// still sit unsent in the socket while the server no longer reads. A graceful close would queue the FIN
    /// behind them, so such a server might never learn that the connection is gone. Closing with SO_LINGER 0
    /// resets it instead. The response was read to its end first, so nothing of it is lost.
    private func resetOnClose() {
        guard let socket = context?.channel as? SocketOptionProvider else { return }
        _ = socket.setSoLinger(NIOLinger(l_onoff: 1, l_linger: 0))
    }

    func noteProgress() {
        lastProgress = .now()
    }

    func readIfPending() {
        guard pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    // MARK: Pipeline events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastProgress = .now()
        var buffer = unwrapInboundIn(data)
        if parsing {
            // Re-entered from the parse in progress (the exchange wrote and flushed from a callback, and the
            // flush found the connection reset: NIO reads what is left before it closes). These bytes follow
            // the ones being parsed: the running parse takes them when its pass ends.
            if unparsed == nil { unparsed = buffer } else { unparsed!.writeBuffer(&buffer) }
            return
        }
        guard exchange != nil else {
            // A server may not send anything on an idle connection (RFC 9112 §9.3.2): do not trust it again.
            // Empty lines are tolerated (some servers end a body with a stray CRLF).
            if !Self.onlyLineEndings(buffer) { context.close(promise: nil) }
            return
        }
        if var pending = unparsed {
            unparsed = nil
            pending.writeBuffer(&buffer)
            buffer = pending
        }
        parse(&buffer, context: context)
        if closedWhileParsing {
            closedWhileParsing = false
            connectionEnded(context: context)
        }
    }

    /// Parses `buffer` (and any bytes that arrive while it does) and hands the parts to the exchange; keeps an
    /// incomplete head in ``unparsed``. The parser is never entered twice: callbacks can make NIO deliver reads
    /// and the close synchronously, which wait in ``unparsed`` and ``closedWhileParsing``.
    private func parse(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        parsing = true
        var unsolicited = false
        while true {
            do {
                try parser.parse(&buffer) { event in
                    // The exchange can end in the middle of the buffer; anything after its response was not asked for.
                    guard let exchange else {
                        unsolicited = true
                        return
                    }
                    exchange.received(event)
                }
            } catch {
                parsing = false
                unparsed = nil
                failParsing(error, context: context)
                return
            }
            guard var arrived = unparsed else { break }
            unparsed = nil
            buffer.writeBuffer(&arrived)
        }
        parsing = false
        if unsolicited || (exchange == nil && !Self.onlyLineEndings(buffer)) {
            // Bytes after the response: the server is not answering the requests this connection sends.
            context.close(promise: nil)
            return
        }
        if buffer.readableBytes > 0, exchange != nil {
            buffer.discardReadBytes()
            unparsed = buffer
        }
    }

    /// `buffer` holds nothing but CR and LF bytes (or nothing).
    private static func onlyLineEndings(_ buffer: ByteBuffer) -> Bool {
        buffer.readableBytesView.allSatisfy { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
    }

    /// The response bytes are not HTTP/1.1 (or the connection ended inside a response): fails the exchange and
    /// closes the connection, whose framing is lost.
    private func failParsing(_ failure: ResponseParser.Failure, context: ChannelHandlerContext) {
        let courierError: CourierError
        switch failure {
        case .headTooLarge:
            courierError = .responseHeadTooLarge(limit: maxHeadBytes)
        case .truncated(let inHead):
            courierError =
                inHead || exchange?.responsePhase == .waitingForHead
                ? .malformedResponse(reason: "the connection closed in the middle of the response head")
                : .connectionClosedDuringBody(reason: "the server closed the connection mid-body")
        case .malformed(let reason):
            courierError = .malformedResponse(reason: reason)
        }
        exchange?.fail(courierError)
        context.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        exchange?.readComplete()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let courierError: CourierError
        switch error {
        case let ioError as IOError:
            courierError = .ioFailed(reason: ioError.description)
        case let courier as CourierError:
            courierError = courier
        case NIOSSLError.uncleanShutdown:
            // TCP closed without TLS close_notify: the same as a close for the exchange (a body delimited by the
            // close is incomplete: it could have been cut off by anyone on the path).
            let reason = "the server closed the TLS connection without close_notify"
            courierError =
                exchange?.responsePhase == .waitingForHead
                ? .connectionClosedBeforeResponse(reason: reason) : .connectionClosedDuringBody(reason: reason)
        case is NIOSSLError, is BoringSSLError:
            courierError = TLSFailure.error(
                TLSFailure.kind(of: error), host: origin?.host ?? "the server", port: origin?.port ?? 0, leaf: nil,
                settings: tls, now: 0)
        default:
            courierError = .ioFailed(reason: "\(error)")
        }
        if let exchange {
            exchange.fail(courierError)
        } else if case .tlsHandshakeFailed = courierError {
            closedBecause = courierError
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stallTimer?.cancel()
        stallTimer = nil
        if parsing {
            // Closed from a callback of the parse in progress: it ends the exchange once the parse is done.
            closedWhileParsing = true
        } else {
            connectionEnded(context: context)
        }
        context.fireChannelInactive()
    }

    /// The connection is closed: a body delimited by the close ends, a response cut short fails.
    private func connectionEnded(context: ChannelHandlerContext) {
        if let exchange {
            do {
                try parser.finish { event in exchange.received(event) }
            } catch {
                failParsing(error, context: context)
            }
        }
        exchange?.connectionClosed()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            lastProgress = .now()
            exchange?.writable()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let exchange, exchange.readsPaused {
            pendingRead = true
        } else {
            context.read()
        }
    }

    // MARK: Stall detection

    /// One timer per connection, armed when an exchange starts and none is pending; it re-arms itself only while
    /// an exchange is active, so the steady state schedules nothing per request. The timer holds the handler
    /// strongly (a weak reference would give it a side table and slow down its every retain and release);
    /// `handlerRemoved` cancels it, which releases the handler.
    private func armStallTimer() {
        guard stallTimer == nil, let context else { return }
        stallTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastProgress + stallTimeout) {
            self.stallTimerFired()
        }
    }

    private func stallTimerFired() {
        stallTimer = nil
        guard let exchange else { return }
        let now = NIODeadline.now()
        if exchange.isWaitingOnPeer, now - lastProgress >= stallTimeout {
            exchange.fail(.stalled(timeout: .nanoseconds(stallTimeout.nanoseconds)))
            return
        }
        if !exchange.isWaitingOnPeer { lastProgress = now }
        armStallTimer()
    }
}
