import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS

/// An in-process HTTP/1.1 server on loopback whose misbehaviour is configurable (``TestServerBehavior``) and
/// which records every connection and request it receives (body length and SHA-256).
public final class TestServer: Sendable {
    /// The port it listens on (on 127.0.0.1 unless another host was given).
    public let port: Int
    /// The host it listens on.
    public let host: String
    private let channel: Channel
    private let recorder: TestServerRecorder

    /// `https` when the server speaks TLS, else `http`.
    public let scheme: String

    private init(channel: Channel, host: String, port: Int, recorder: TestServerRecorder, scheme: String) {
        self.scheme = scheme
        self.channel = channel
        self.host = host
        self.port = port
        self.recorder = recorder
    }

    /// Starts a server.
    ///
    /// - Parameters:
    ///   - behavior: How it behaves; default well-behaved keep-alive without a Connection header.
    ///   - host: A loopback address; default `127.0.0.1`.
    ///   - port: Default 0 (any free port).
    ///   - group: Default the process-wide singleton group.
    ///   - tls: Speak TLS with this context (server certificate, and client verification if it asks for it).
    ///     Default `nil`: plain HTTP.
    public static func start(
        behavior: TestServerBehavior = .init(),
        host: String = "127.0.0.1",
        port: Int = 0,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        tls: NIOSSLContext? = nil
    ) async throws -> TestServer {
        let recorder = TestServerRecorder(keepRecords: behavior.keepRecords)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls {
                        try sync.addHandler(NIOSSLServerHandler(context: tls))
                        try sync.addHandler(HandshakeCounter(recorder: recorder))
                    }
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try sync.addHandler(TestServerHandler(behavior: behavior, recorder: recorder))
                }
            }
            .bind(host: host, port: port)
            .get()
        return TestServer(
            channel: channel, host: host, port: channel.localAddress?.port ?? port, recorder: recorder,
            scheme: tls == nil ? "http" : "https")
    }

    /// `scheme://host:port` plus `path` (which should start with `/`); `host` defaults to the listening address.
    public func url(_ path: String = "/", host: String? = nil) -> String {
        let name = host ?? self.host
        let shownHost = name.contains(":") ? "[\(name)]" : name
        return "\(scheme)://\(shownHost):\(port)\(path)"
    }

    /// Connections accepted so far.
    public var acceptedConnections: Int { recorder.acceptedCount }
    /// TLS handshakes completed so far.
    public var tlsHandshakes: Int { recorder.handshakeCount }
    /// Requests received so far (complete or not).
    public var requestCount: Int { recorder.requestCount }
    /// Every connection with the requests it carried.
    public var connections: [ReceivedConnection] { recorder.connections }
    /// Every request received, over all connections, in connection order.
    public var requests: [ReceivedRequest] { recorder.connections.flatMap(\.requests) }

    /// Stops listening; open connections are closed by their peers or when the process ends.
    public func shutdown() async throws {
        try await channel.close()
    }

    /// Completes when the listening socket was closed (by ``shutdown()``).
    public func closed() async throws {
        try await channel.closeFuture.get()
    }
}

/// Counts completed TLS handshakes, then stays out of the way.
private final class HandshakeCounter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let recorder: TestServerRecorder

    init(recorder: TestServerRecorder) {
        self.recorder = recorder
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            recorder.handshakeCompleted()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
