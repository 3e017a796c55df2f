import NIOCore
import NIOHTTP1

/// The bottom of a connection's HTTP pipeline: request bytes go out through it, request heads end in it.
///
/// Courier encodes requests itself (``RequestHead``, chunk framing in ``Exchange``) and writes the bytes through
/// this handler's context, so they pass no other handler on their way to the socket (or to the TLS handler). NIO's
/// response decoder above it must still see each request's method (a response to `HEAD` has no body; without a
/// head it reports `unsolicitedResponse`), so a head carrying only the method is written from the top of the
/// pipeline, passes the decoder and stops here, unread.
final class RequestBytesSink: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Only the heads shown to the decoder arrive here (the bytes bypass the pipeline above); they are dropped.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        promise?.succeed(())
    }

    /// Writes request bytes towards the socket; call on the event loop. Does nothing once removed.
    func write(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    /// Flushes what was written; call on the event loop.
    func flush() {
        context?.flush()
    }

    /// A head that tells the response decoder the request's method, and nothing else.
    static func head(for method: String) -> HTTPRequestHead {
        switch method {
        case "GET": return get
        case "POST": return post
        case "PUT": return put
        case "HEAD": return headMethod
        default: return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: "/")
        }
    }

    private static let get = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
    private static let post = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
    private static let put = HTTPRequestHead(version: .http1_1, method: .PUT, uri: "/")
    private static let headMethod = HTTPRequestHead(version: .http1_1, method: .HEAD, uri: "/")
}
