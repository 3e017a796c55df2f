import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An in-process HTTP proxy for `CONNECT` only, on 127.0.0.1, which records every request head it receives.
/// Every target name is taken to mean a loopback address (names ending in `.test` go to 127.0.0.1; IP literals
/// must be in 127.0.0.0/8), so nothing ever leaves the machine. It can refuse every tunnel with a status.
final class ConnectProxy: Sendable {
    let port: Int
    private let channel: Channel
    private let heads: NIOLockedValueBox<[String]>

    /// Every request head received, in order (text up to the blank line).
    var receivedHeads: [String] { heads.withLockedValue { $0 } }

    private init(port: Int, channel: Channel, heads: NIOLockedValueBox<[String]>) {
        self.port = port
        self.channel = channel
        self.heads = heads
    }

    /// Starts the proxy; with `refuseWith`, every CONNECT is answered with that status and the connection closed.
    static func start(refuseWith status: Int? = nil) async throws -> ConnectProxy {
        let heads = NIOLockedValueBox<[String]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectHandler(heads: heads, refuseWith: status))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ConnectProxy(port: channel.localAddress?.port ?? 0, channel: channel, heads: heads)
    }

    func shutdown() async throws {
        try await channel.close()
    }
}

/// Reads one CONNECT head, then either refuses or connects to the target and glues the two connections.
private final class ConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let heads: NIOLockedValueBox<[String]>
    let refuseWith: Int?
    var received: [UInt8] = []
    var done = false

    init(heads: NIOLockedValueBox<[String]>, refuseWith: Int?) {
        self.heads = heads
        self.refuseWith = refuseWith
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let end = Self.headEnd(received) else { return }
        done = true
        let head = String(decoding: received[..<end], as: UTF8.self)
        heads.withLockedValue { $0.append(head) }
        let leftover = Array(received[(end + 4)...])
        let requestLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        if let refuseWith {
            let reason = refuseWith == 407 ? "Proxy Authentication Required" : "Forbidden"
            answer(context, "HTTP/1.1 \(refuseWith) \(reason)\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n", close: true)
            return
        }
        guard parts.count == 3, parts[0] == "CONNECT", let (host, port) = Self.loopbackTarget(String(parts[1])) else {
            answer(context, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", close: true)
            return
        }
        let client = context.channel
        let connected = ClientBootstrap(group: context.eventLoop).connect(host: host, port: port)
        connected.assumeIsolated().whenComplete { result in
            switch result {
            case .failure:
                client.writeAndFlush(client.allocator.buffer(string: "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"))
                    .whenComplete { _ in client.close(promise: nil) }
            case .success(let target):
                try? target.pipeline.syncOperations.addHandler(Glue(partner: client))
                try? client.pipeline.syncOperations.addHandler(Glue(partner: target))
                client.writeAndFlush(client.allocator.buffer(string: "HTTP/1.1 200 Connection established\r\n\r\n"), promise: nil)
                if !leftover.isEmpty { target.writeAndFlush(target.allocator.buffer(bytes: leftover), promise: nil) }
                client.pipeline.syncOperations.removeHandler(self, promise: nil)
            }
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ text: String, close: Bool) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: text))).whenComplete { _ in
            if close { channel.close(promise: nil) }
        }
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    /// `host:port` → a loopback address and the port; `nil` for anything that is not loopback or a `.test` name.
    private static func loopbackTarget(_ authority: String) -> (String, Int)? {
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]) else { return nil }
        let host = String(authority[..<colon])
        if host.hasSuffix(".test") { return ("127.0.0.1", port) }
        if host.hasPrefix("127."), host.split(separator: ".").count == 4 { return (host, port) }
        return nil
    }
}

/// Copies everything read on one channel to its partner; closing one closes the other.
private final class Glue: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let partner: Channel

    init(partner: Channel) {
        self.partner = partner
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
