import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens TCP connections and turns connect failures into ``CourierError``s.
struct Dialer: Sendable {
    let configuration: Configuration

    /// Connects to `origin` on `eventLoop` and sets up an ``HTTP1Connection`` with `id`.
    func connect(to origin: Origin, id: Int, on eventLoop: EventLoop) -> EventLoopFuture<HTTP1Connection> {
        let configuration = self.configuration
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.timeouts.connect.timeAmount)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        if let factory = configuration.resolverFactory {
            bootstrap = bootstrap.resolver(factory(eventLoop))
        }
        // An IP literal needs no resolution (which can itself fail when descriptors run out) and no racing:
        // one socket per dial.
        let started = ContinuousClock.now
        let connecting: EventLoopFuture<Channel>
        if let address = try? SocketAddress(ipAddress: origin.host, port: origin.port) {
            connecting = bootstrap.connect(to: address)
        } else {
            connecting = bootstrap.connect(host: origin.host, port: origin.port)
        }
        return connecting
            .flatMapErrorThrowing { error in
                throw Self.describe(error, origin: origin, timeout: configuration.timeouts.connect)
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

    /// Maps NIO's connect errors to a ``CourierError`` a person understands.
    static func describe(_ error: Error, origin: Origin, timeout: Duration) -> CourierError {
        if let courier = error as? CourierError { return courier }
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
