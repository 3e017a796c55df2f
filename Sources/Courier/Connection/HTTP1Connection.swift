import NIOCore

/// One HTTP/1.1 connection: a channel with a ``RequestBytesSink`` (requests go out as bytes Courier encodes) and an
/// ``HTTP1ClientHandler`` (responses are parsed by Courier's ``ResponseParser``).
final class HTTP1Connection: Sendable {
    /// Unique within the process, in opening order.
    let id: Int
    let channel: Channel
    let origin: Origin
    /// How long the TCP connect took.
    let connectDuration: Duration
    private let handler: NIOLoopBound<HTTP1ClientHandler>

    var eventLoop: EventLoop { channel.eventLoop }

    /// Adds the codec and handler to `channel`; must run on its event loop.
    init(id: Int, channel: Channel, origin: Origin, configuration: Configuration, connectDuration: Duration = .zero) throws {
        channel.eventLoop.preconditionInEventLoop()
        let sink = RequestBytesSink()
        let handler = HTTP1ClientHandler(
            sink: sink,
            stallTimeout: configuration.timeouts.idle.timeAmount,
            maxHeadBytes: configuration.limits.maxResponseHeadBytes,
            origin: origin,
            tls: configuration.tls
        )
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(sink)
        try sync.addHandler(handler)
        self.id = id
        self.channel = channel
        self.origin = origin
        self.connectDuration = connectDuration
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    /// Installs the callback that returns the connection to the pool; must run on the event loop.
    func setExchangeEndedCallback(_ callback: @escaping (Bool, KeepAliveHints, PoolStateMachine.CloseReason) -> Void) {
        handler.value.onExchangeEnded = callback
    }

    /// Starts `exchange` on the event loop.
    func start(_ exchange: Exchange) {
        if eventLoop.inEventLoop {
            handler.value.start(exchange)
        } else {
            let handler = self.handler
            eventLoop.execute { handler.value.start(exchange) }
        }
    }
}
