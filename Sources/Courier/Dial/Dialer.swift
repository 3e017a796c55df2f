import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens connections: TCP (through a proxy tunnel when the origin has one), then TLS for `https`, and turns
/// every failure on the way into a ``CourierError``.
struct Dialer: Sendable {
    let configuration: Configuration
    /// The client's TLS contexts, built on the first `https` connection.
    let tlsContexts: TLSContextCache

    init(configuration: Configuration) {
        self.configuration = configuration
        self.tlsContexts = TLSContextCache(settings: configuration.tls)
    }

    /// Connects to `origin` on `eventLoop` and sets up an ``HTTP1Connection`` with `id`.
    ///
    /// The name (the proxy's, for a tunnel) is resolved by ``AddressResolver`` and its addresses are raced by a
    /// ``DialRace`` holding the pool's slot plus, while two attempts race, one more taken through `slots`.
    /// Resolution and connecting together end at the connect timeout; a tunnel's `CONNECT` has a connect timeout
    /// of its own, the TLS handshake the handshake timeout. A connection that fails after its TCP connect is
    /// closed and the returned future fails only once that close completed, so its slot is free by then.
    func connect(
        to origin: Origin, id: Int, on eventLoop: EventLoop, slots: DialRace.Slots
    ) -> EventLoopFuture<HTTP1Connection> {
        let configuration = self.configuration
        let timeout = configuration.timeouts.connect
        let deadline = NIODeadline.now() + timeout.timeAmount
        let started = ContinuousClock.now
        // For a tunnel, TCP goes to the proxy; errors up to the tunnel name the proxy.
        let dialHost = origin.tunnelProxy?.host ?? origin.host
        let dialPort = origin.tunnelProxy?.port ?? origin.port
        let dialOrigin = Origin(scheme: "http", host: dialHost, port: dialPort)
        // Built once per client, off this thread (see TLSContextCache); a failure fails the dial before any socket.
        let tlsReady: EventLoopFuture<NIOSSLContext?> =
            origin.scheme == "https"
            ? tlsContexts.context(on: eventLoop).map { Optional($0) } : eventLoop.makeSucceededFuture(nil)
        return tlsReady.flatMap { tlsContext in
            let resolved = Self.bounded(
                AddressResolver(resolverFactory: configuration.resolverFactory)
                    .resolve(host: dialHost, port: dialPort, on: eventLoop),
                by: deadline, on: eventLoop,
                timeoutError: CourierError.connectTimeout(host: dialHost, port: dialPort, timeout: timeout))
            return resolved
                .flatMap { addresses in
                    DialRace(eventLoop: eventLoop, addresses: addresses, deadline: deadline, slots: slots) { connectTimeout in
                        Self.withKeepAlive(
                            configuration.tcpKeepAlive,
                            ClientBootstrap(group: eventLoop)
                                .connectTimeout(connectTimeout)
                                .channelOption(.socketOption(.tcp_nodelay), value: 1))
                    }
                    .run()
                }
                .flatMapErrorThrowing { error in
                    throw Self.describe(error, origin: dialOrigin, timeout: timeout)
                }
                .flatMap { channel in
                    Self.secure(channel, origin: origin, tls: tlsContext, configuration: configuration)
                }
                .flatMapThrowing { channel in
                    do {
                        return try HTTP1Connection(
                            id: id, channel: channel, origin: origin, configuration: configuration,
                            connectDuration: started.duration(to: .now))
                    } catch {
                        channel.close(promise: nil)
                        throw CourierError.connectFailed(host: origin.host, port: origin.port, reason: "\(error)")
                    }
                }
        }
    }

    /// Opens the tunnel (when `origin` has a proxy) and then TLS (when `tls` is set) on a connected `channel`.
    /// On failure the channel is closed and the error delivered once the close completed.
    static func secure(
        _ channel: Channel, origin: Origin, tls: NIOSSLContext?, configuration: Configuration
    ) -> EventLoopFuture<Channel> {
        var ready = channel.eventLoop.makeSucceededVoidFuture()
        if let proxy = origin.tunnelProxy {
            ready = ProxyTunnelHandler.open(on: channel, to: origin, through: proxy, timeout: configuration.timeouts.connect)
        }
        if let tls {
            ready = ready.flatMap {
                TLSHandshakeHandler.handshake(
                    on: channel, context: tls, origin: origin, settings: configuration.tls,
                    timeout: configuration.timeouts.tlsHandshake)
            }
        }
        return ready.map { channel }.flatMapError { error in
            let closed = channel.eventLoop.makePromise(of: Channel.self)
            channel.close(promise: nil)
            channel.closeFuture.whenComplete { _ in closed.fail(error) }
            return closed.futureResult
        }
    }

    /// `bootstrap` with SO_KEEPALIVE and the probe timings of `keepAlive` (whole seconds, at least 1), or
    /// unchanged when `keepAlive` is `nil`.
    static func withKeepAlive(_ keepAlive: Configuration.TCPKeepAlive?, _ bootstrap: ClientBootstrap) -> ClientBootstrap {
        guard let keepAlive else { return bootstrap }
        func seconds(_ duration: Duration) -> Int { Int(clamping: max(1, min(Int64(Int32.max), duration.components.seconds))) }
        let tcp = NIOBSDSocket.OptionLevel(rawValue: CInt(IPPROTO_TCP))
        #if canImport(Darwin)
        let idleOption = TCP_KEEPALIVE
        #else
        let idleOption = TCP_KEEPIDLE
        #endif
        return bootstrap
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(ChannelOptions.Types.SocketOption(level: tcp, name: .init(rawValue: idleOption)), value: seconds(keepAlive.idle))
            .channelOption(ChannelOptions.Types.SocketOption(level: tcp, name: .init(rawValue: TCP_KEEPINTVL)), value: seconds(keepAlive.interval))
            .channelOption(ChannelOptions.Types.SocketOption(level: tcp, name: .init(rawValue: TCP_KEEPCNT)), value: max(1, min(Int(Int32.max), keepAlive.count)))
    }

    /// `future`, or `timeoutError` if it has not completed by `deadline` (its late result is dropped).
    static func bounded<Value: Sendable>(
        _ future: EventLoopFuture<Value>, by deadline: NIODeadline, on eventLoop: EventLoop, timeoutError: Error
    ) -> EventLoopFuture<Value> {
        let promise = eventLoop.makePromise(of: Value.self)
        let settled = NIOLockedValueBox(false)
        let timer = eventLoop.scheduleTask(deadline: deadline) {
            if settled.withLockedValue({ done in defer { done = true }; return !done }) { promise.fail(timeoutError) }
        }
        future.whenComplete { result in
            timer.cancel()
            if settled.withLockedValue({ done in defer { done = true }; return !done }) { promise.completeWith(result) }
        }
        return promise.futureResult
    }

    /// Maps NIO's connect errors to a ``CourierError`` a person understands.
    static func describe(_ error: Error, origin: Origin, timeout: Duration) -> CourierError {
        if let courier = error as? CourierError { return courier }
        if let race = error as? DialRace.Failure {
            return describe(race, origin: origin, timeout: timeout)
        }
        if isOutOfDescriptors(error) { return .outOfDescriptors(limit: ConnectionBudget.currentSoftLimit(), held: 0) }
        if case ChannelError.connectTimeout = error {
            return .connectTimeout(host: origin.host, port: origin.port, timeout: timeout)
        }
        if let connectionError = error as? NIOConnectionError {
            if connectionError.connectionErrors.isEmpty {
                return .hostNotFound(host: origin.host)
            }
            let causes = connectionError.connectionErrors.map(\.error)
            if causes.allSatisfy({ ($0 as? IOError)?.errnoCode == ECONNREFUSED }) {
                return .connectionRefused(host: origin.host, port: origin.port)
            }
            if causes.contains(where: { if case ChannelError.connectTimeout = $0 { return true } else { return false } }) {
                return .connectTimeout(host: origin.host, port: origin.port, timeout: timeout)
            }
            let reasons = connectionError.connectionErrors.map { "\($0.target): \($0.error)" }
            return .connectFailed(host: origin.host, port: origin.port, reason: reasons.joined(separator: "; "))
        }
        if let ioError = error as? IOError, ioError.errnoCode == ECONNREFUSED {
            return .connectionRefused(host: origin.host, port: origin.port)
        }
        return .connectFailed(host: origin.host, port: origin.port, reason: "\(error)")
    }
}

extension Dialer {
    /// The error for a dial whose every attempt failed: refused everywhere → ``CourierError/connectionRefused``;
    /// out of descriptors everywhere → ``CourierError/outOfDescriptors(limit:held:)``; the deadline or an
    /// attempt's timeout → ``CourierError/connectTimeout(host:port:timeout:)``; otherwise each address's reason.
    static func describe(_ race: DialRace.Failure, origin: Origin, timeout: Duration) -> CourierError {
        let causes = race.errors.map(\.1)
        if !causes.isEmpty, causes.allSatisfy(isOutOfDescriptors) {
            return .outOfDescriptors(limit: ConnectionBudget.currentSoftLimit(), held: 0)
        }
        let timedOut = causes.contains { if case ChannelError.connectTimeout = $0 { return true } else { return false } }
        if race.timedOut || timedOut {
            return .connectTimeout(host: origin.host, port: origin.port, timeout: timeout)
        }
        if !causes.isEmpty, causes.allSatisfy({ ($0 as? IOError)?.errnoCode == ECONNREFUSED }) {
            return .connectionRefused(host: origin.host, port: origin.port)
        }
        let reasons = race.errors.map { "\($0.0): \($0.1)" }
        return .connectFailed(host: origin.host, port: origin.port, reason: reasons.joined(separator: "; "))
    }

    /// Whether at least `count` descriptors are free now, checked by opening `/dev/null` that many times and
    /// closing them again (portable; a few system calls per new connection, none per request).
    ///
    /// Courier checks this before each socket so that it never takes a process's last descriptors itself:
    /// a process at zero free descriptors is fragile (on Linux, libdispatch's worker monitor traps when it
    /// cannot open /proc files).
    static func hasDescriptorHeadroom(_ count: Int) -> Bool {
        var opened: [CInt] = []
        defer { for fd in opened { _ = close(fd) } }
        for _ in 0..<count {
            let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return false }
            opened.append(fd)
        }
        return true
    }

    /// Whether opening a socket failed because the process (EMFILE) or the system (ENFILE) ran out of descriptors.
    static func isOutOfDescriptors(_ error: Error) -> Bool {
        if let ioError = error as? IOError { return ioError.errnoCode == EMFILE || ioError.errnoCode == ENFILE }
        if let connectionError = error as? NIOConnectionError {
            return !connectionError.connectionErrors.isEmpty
                && connectionError.connectionErrors.allSatisfy { isOutOfDescriptors($0.error) }
        }
        return false
    }
}
