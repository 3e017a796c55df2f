import NIOCore

/// Opens a tunnel through an HTTP proxy on a connected channel: writes `CONNECT`, reads the answer with
/// ``ConnectExchange``, and removes itself once the tunnel is open (TLS to the origin is added after it).
/// Bounded by `timeout`; any failure closes the channel.
final class ProxyTunnelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let origin: Origin
    private let proxy: ProxyServer
    private let timeout: Duration
    private let outcome: SetupStepOutcome
    private var received: [UInt8] = []

    init(origin: Origin, proxy: ProxyServer, timeout: Duration, promise: EventLoopPromise<Void>) {
        self.origin = origin
        self.proxy = proxy
        self.timeout = timeout
        self.outcome = SetupStepOutcome(promise: promise)
    }

    /// Opens the tunnel to `origin` through its proxy on `channel`; fails with
    /// ``CourierError/proxyTunnelRefused(proxy:status:reason:)`` or ``CourierError/proxyTunnelFailed(proxy:reason:)``.
    static func open(on channel: Channel, to origin: Origin, through proxy: ProxyServer, timeout: Duration) -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
            do {
                try channel.pipeline.syncOperations.addHandler(
                    ProxyTunnelHandler(origin: origin, proxy: proxy, timeout: timeout, promise: promise))
            } catch {
                promise.fail(CourierError.proxyTunnelFailed(proxy: "\(proxy)", reason: "\(error)"))
            }
        }
        return promise.futureResult
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let timeout = self.timeout
        outcome.arm(context: context, timeout: timeout) { [self] in
            outcome.fail(.proxyTunnelFailed(proxy: "\(proxy)", reason: "no answer to CONNECT within \(timeout)"), context: context)
        }
        let head = ConnectExchange.request(host: origin.host, port: origin.port, proxy: proxy)
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: head)), promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        outcome.handlerRemoved(failing: .proxyTunnelFailed(proxy: "\(proxy)", reason: "the connection was torn down"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !outcome.finished else { return }
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        switch ConnectExchange.read(received) {
        case .needMore:
            return
        case .established(let leftover):
            guard leftover == 0 else {
                finish(context: context, failure: .proxyTunnelFailed(
                    proxy: "\(proxy)", reason: "it sent \(leftover) bytes after its answer, before the tunnel was used"))
                return
            }
            outcome.succeed()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .refused(let status, let reason):
            finish(context: context, failure: .proxyTunnelRefused(proxy: "\(proxy)", status: status, reason: reason))
        case .malformed(let reason):
            finish(context: context, failure: .proxyTunnelFailed(proxy: "\(proxy)", reason: reason))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(context: context, failure: .proxyTunnelFailed(proxy: "\(proxy)", reason: "\(error)"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context: context, failure: .proxyTunnelFailed(
            proxy: "\(proxy)", reason: "it closed the connection before answering CONNECT"))
        context.fireChannelInactive()
    }

    private func finish(context: ChannelHandlerContext, failure: CourierError) {
        outcome.fail(failure, context: context)
    }
}
