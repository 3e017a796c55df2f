import NIOCore

/// The bottom of a connection's HTTP pipeline: request bytes go out through it.
///
/// Courier encodes requests itself (``RequestHead``, chunk framing in ``Exchange``) and writes the bytes through
/// this handler's context, so they pass no other handler on their way to the socket (or to the TLS handler).
/// Responses are parsed by the ``HTTP1ClientHandler`` above it, which is told each request's method directly.
final class RequestBytesSink: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes request bytes towards the socket; call on the event loop. Does nothing once removed.
    func write(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    /// Flushes what was written; call on the event loop.
    func flush() {
        context?.flush()
    }

    /// Writes `bytes` and flushes, in one pass down the pipeline; call on the event loop.
    func writeAndFlush(_ bytes: ByteBuffer) {
        context?.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }
}
