import NIOCore
import NIOHTTP1

/// Drops request heads between the response decoder and NIO's request encoder.
///
/// Courier encodes request heads itself (``RequestHead``) and sends them as body bytes, which the encoder passes
/// through unchanged. NIO's response decoder still has to see each request's method (a response to `HEAD` has no
/// body; without a head it reports `unsolicitedResponse`), so a head carrying only the method goes down the
/// pipeline and stops here, after the decoder saw it and before the encoder would write it.
final class ObservedHeadFilter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head = unwrapOutboundIn(data) {
            promise?.succeed(())
            return
        }
        context.write(data, promise: promise)
    }

    /// Puts a filter right after `HTTPRequestEncoder` in `pipeline` (so outbound data meets it just before the
    /// encoder). Returns `false` when there is no encoder.
    static func install(in pipeline: ChannelPipeline.SynchronousOperations) -> Bool {
        guard let encoder = try? pipeline.handler(type: HTTPRequestEncoder.self) else { return false }
        return (try? pipeline.addHandler(ObservedHeadFilter(), position: .after(encoder))) != nil
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
