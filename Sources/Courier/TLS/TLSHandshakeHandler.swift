import Foundation
import NIOCore
import NIOSSL
import NIOTLS

/// Waits for the TLS handshake that the ``NIOSSLClientHandler`` before it runs, bounded by the handshake timeout,
/// checks that the verified certificate is for the host (``HostnameMatcher``, unless verification is off), and
/// turns any failure into a ``CourierError`` naming what failed (see ``TLSFailure``). Removes itself once the
/// handshake is complete, so it costs nothing per request.
final class TLSHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let host: String
    private let port: Int
    private let settings: Configuration.TLS
    private let timeout: Duration
    private let checkHostName: Bool
    private let outcome: SetupStepOutcome

    init(
        host: String, port: Int, settings: Configuration.TLS, timeout: Duration, promise: EventLoopPromise<Void>
    ) {
        self.host = host
        self.port = port
        self.settings = settings
        self.timeout = timeout
        self.checkHostName = settings.verification == .full
        self.outcome = SetupStepOutcome(promise: promise)
    }

    /// Adds TLS with `context` to `channel` (which must be connected) and completes when the handshake did.
    /// On failure the channel is closed; the future fails with the ``CourierError``.
    static func handshake(
        on channel: Channel, context: NIOSSLContext, origin: Origin, settings: Configuration.TLS, timeout: Duration
    ) -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let isAddress = IPLiteral(origin.host) != nil
        channel.eventLoop.execute {
            do {
                // SNI carries names only (RFC 6066 §3).
                let ssl = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : origin.host)
                let waiter = TLSHandshakeHandler(
                    host: origin.host, port: origin.port, settings: settings, timeout: timeout, promise: promise)
                let sync = channel.pipeline.syncOperations
                try sync.addHandler(ssl)
                try sync.addHandler(waiter)
            } catch {
                promise.fail(CourierError.tlsHandshakeFailed(host: origin.host, port: origin.port, reason: "\(error)"))
            }
        }
        return promise.futureResult
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let timeout = self.timeout
        outcome.arm(context: context, timeout: timeout) { [self] in
            outcome.fail(.tlsHandshakeTimeout(host: host, port: port, timeout: timeout), context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        outcome.handlerRemoved(failing: .tlsHandshakeFailed(host: host, port: port, reason: "the connection was torn down"))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let tls = event as? TLSUserEvent, case .handshakeCompleted = tls else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if checkHostName {
            let leaf = peerCertificate(context)
            let matches = leaf.map {
                HostnameMatcher.matches(host: host, dnsNames: $0.dnsNames, ipAddresses: $0.ipAddresses)
            }
            guard matches == true else {
                finish(context: context, failure: .tlsHostnameMismatch(host: host, certificateNames: leaf?.names ?? []))
                return
            }
        }
        outcome.succeed()
        context.fireUserInboundEventTriggered(event)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard !outcome.finished else {
            context.fireErrorCaught(error)
            return
        }
        let kind = TLSFailure.kind(of: error)
        let failure = TLSFailure.error(
            kind, host: host, port: port, leaf: peerCertificate(context), settings: settings,
            now: Int64(Date().timeIntervalSince1970))
        finish(context: context, failure: failure)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !outcome.finished {
            finish(context: context, failure: TLSFailure.error(
                .closedDuringHandshake, host: host, port: port, leaf: nil, settings: settings, now: 0))
        }
        context.fireChannelInactive()
    }

    private func finish(context: ChannelHandlerContext, failure: CourierError) {
        outcome.fail(failure, context: context)
    }

    /// What the server's certificate says, if it sent one.
    private func peerCertificate(_ context: ChannelHandlerContext) -> CertificateFacts? {
        guard let ssl = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self),
            let certificate = ssl.peerCertificate
        else { return nil }
        return CertificateFacts(certificate)
    }
}
