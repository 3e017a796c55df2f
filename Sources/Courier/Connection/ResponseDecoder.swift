import NIOCore
import NIOHTTP1

/// Courier's response decoder: ``ResponseParser`` in a `ByteToMessageHandler`, producing the same
/// `HTTPClientResponsePart`s as NIO's `HTTPResponseDecoder`. It watches the request heads written through it to
/// know which responses answer a HEAD (and so have no body).
struct ResponseDecoder: WriteObservingByteToMessageDecoder {
    typealias InboundOut = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart

    private var parser: ResponseParser

    /// - Parameter maxHeadBytes: The largest response head (and trailer section), in bytes.
    init(maxHeadBytes: Int) {
        parser = ResponseParser(maxHeadBytes: maxHeadBytes)
    }

    mutating func write(data: HTTPClientRequestPart) {
        if case .head(let head) = data { parser.requestSent(isHEAD: head.method == .HEAD) }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        try parser.parse(&buffer) { event in Self.fire(event, context: context) }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try parser.parse(&buffer) { event in Self.fire(event, context: context) }
        if seenEOF {
            try parser.finish { event in Self.fire(event, context: context) }
        }
        return .needMoreData
    }

    private static func fire(_ event: ResponseParser.Event, context: ChannelHandlerContext) {
        let part: HTTPClientResponsePart
        switch event {
        case .head(let head): part = .head(head)
        case .body(let buffer): part = .body(buffer)
        case .end: part = .end(nil)
        }
        context.fireChannelRead(NIOAny(part))
    }
}
