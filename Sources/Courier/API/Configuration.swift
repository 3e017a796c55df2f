import CoreMetrics
import Logging
import NIOCore
import NIOPosix

/// How a ``Client`` behaves. Every default is stated on its property.
public struct Configuration: Sendable {
    /// Connection pool limits.
    public struct Pool: Sendable {
        /// A limit on connections across all origins.
        public enum Budget: Sendable, Equatable {
            /// Default: one budget shared by every client in the process that uses `.automatic`, of
            /// `max(1, min(4096, RLIMIT_NOFILE soft limit / 2))` connections (half the descriptors are left to the
            /// application; an unlimited soft limit gives 4,096).
            case automatic
            /// A budget of this many connections (at least 1) for this client alone.
            case limit(Int)

            /// The process's RLIMIT_NOFILE soft limit now, in descriptors; `nil` when it is unlimited. The
            /// `.automatic` budget is derived from it when first used.
            public static var descriptorSoftLimit: Int? { ConnectionBudget.currentSoftLimit() }
        }

        /// Connections open at once to one origin (scheme, host, port), counting those being opened and
        /// those closing. Default 8. Requests beyond it wait in a first-in, first-out queue.
        public var maxConnectionsPerHost: Int
        /// Connections open at once across all origins, counting those being opened and those closing (a slot
        /// is freed when a close has completed). Default ``Budget/automatic``. When it is full, the least recently
        /// used idle connection is closed to make room; otherwise requests wait, the longest-waiting origin first.
        public var maxConnections: Budget
        /// How long a request may wait for a connection before failing with
        /// ``CourierError/connectionAcquireTimeout(origin:waited:maxConnectionsPerHost:maxConnections:)``.
        /// Default `nil`: wait as long as it takes (cancelling the task stops the wait at once).
        public var connectionAcquireTimeout: Duration?
        /// Idle connections kept per origin; a connection that would go idle beyond it is closed.
        /// Default `nil`: the per-host limit.
        public var maxIdleConnectionsPerHost: Int?
        /// How long a connection may sit idle in the pool before it is closed. Default 60 s; a server's
        /// `Keep-Alive: timeout=N` lowers it for that connection.
        public var idleTimeout: Duration
        /// When opening a socket fails with EMFILE or ENFILE, requests are not failed: idle connections are
        /// closed, the pool's connection cap drops two below what is open (released connections above it are
        /// closed, giving descriptors back: a process at zero free descriptors is fragile) and rises again by one
        /// per clean open, and opening is retried with backoff (50 ms doubling to 1 s) and whenever a connection
        /// closes.
        /// Waiting requests fail with ``CourierError/outOfDescriptors(limit:held:)`` only when no socket could be
        /// opened for this long. Default 30 s.
        public var descriptorExhaustionTimeout: Duration

        /// Creates pool settings.
        public init(
            maxConnectionsPerHost: Int = 8,
            maxConnections: Budget = .automatic,
            connectionAcquireTimeout: Duration? = nil,
            maxIdleConnectionsPerHost: Int? = nil,
            idleTimeout: Duration = .seconds(60),
            descriptorExhaustionTimeout: Duration = .seconds(30)
        ) {
            self.maxIdleConnectionsPerHost = maxIdleConnectionsPerHost
            self.descriptorExhaustionTimeout = descriptorExhaustionTimeout
            self.maxConnectionsPerHost = max(1, maxConnectionsPerHost)
            self.maxConnections = maxConnections
            self.connectionAcquireTimeout = connectionAcquireTimeout
            self.idleTimeout = idleTimeout
        }
    }

    /// Time limits. `nil` means no limit.
    public struct Timeouts: Sendable {
        /// Establishing the TCP connection (name resolution included) and, through a proxy, its answer to
        /// `CONNECT`. Default 10 s.
        public var connect: Duration
        /// The TLS handshake of an `https` connection, from the TCP connection being established to the handshake
        /// being complete. Default 10 s. When it expires the connection is closed and the request fails with
        /// ``CourierError/tlsHandshakeTimeout(host:port:timeout:)``.
        public var tlsHandshake: Duration
        /// No byte sent or received while a request body is being sent or a response body received
        /// (the server stopped reading, or stopped sending). Default 60 s. Time spent waiting for the
        /// response head and time the caller takes to read the body are not counted.
        public var idle: Duration
        /// From the end of the request (its last byte handed to the connection) to the response head. Default
        /// `nil` (no limit: a slow server may think for as long as it needs). When it expires the request fails
        /// with ``CourierError/responseHeadTimeout(timeout:)`` and its connection is closed.
        public var responseHead: Duration?

        /// Creates timeout settings.
        public init(
            connect: Duration = .seconds(10), tlsHandshake: Duration = .seconds(10), idle: Duration = .seconds(60),
            responseHead: Duration? = nil
        ) {
            self.connect = connect
            self.tlsHandshake = tlsHandshake
            self.idle = idle
            self.responseHead = responseHead
        }
    }

    /// TCP keep-alive probes on every connection (SO_KEEPALIVE with TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT):
    /// a peer that vanished without closing (a crashed host, a dropped NAT entry) is detected after about
    /// `idle + interval × count` of silence instead of never.
    public struct TCPKeepAlive: Sendable, Equatable {
        /// Silence before the first probe. Default 60 s (whole seconds are used, at least 1).
        public var idle: Duration
        /// Between unanswered probes. Default 15 s (whole seconds, at least 1).
        public var interval: Duration
        /// Unanswered probes before the connection is dropped. Default 4.
        public var count: Int

        /// Creates keep-alive probe settings; the defaults detect a dead peer after about 2 minutes.
        public init(idle: Duration = .seconds(60), interval: Duration = .seconds(15), count: Int = 4) {
            self.idle = idle
            self.interval = interval
            self.count = count
        }
    }

    /// Limits that protect the client from hostile or broken servers.
    public struct Limits: Sendable {
        /// Largest response header section accepted, in bytes. Default 64 KiB. A larger one fails the request
        /// with ``CourierError/responseHeadTooLarge(limit:)`` and closes the connection.
        public var maxResponseHeadBytes: Int
        /// When an `execute` scope ends before the response body was read to its end, up to this many more
        /// bytes (default 256 KiB) are read and discarded so that the connection can be reused; a larger
        /// remainder closes the connection instead.
        public var maxDrainBytes: Int
        /// How long draining that remainder may take (default 1 s) before the connection is closed instead.
        public var drainTimeout: Duration
        /// How long to wait for `100 Continue` after sending a head with `Expect: 100-continue` before
        /// sending the body anyway (default 1 s, as curl).
        public var expectContinueTimeout: Duration

        /// Creates limit settings.
        public init(
            maxResponseHeadBytes: Int = 64 * 1024,
            maxDrainBytes: Int = 256 * 1024,
            drainTimeout: Duration = .seconds(1),
            expectContinueTimeout: Duration = .seconds(1)
        ) {
            self.maxResponseHeadBytes = maxResponseHeadBytes
            self.maxDrainBytes = maxDrainBytes
            self.drainTimeout = drainTimeout
            self.expectContinueTimeout = expectContinueTimeout
        }
    }

    /// Pool limits; see ``Pool``.
    public var pool: Pool
    /// Time limits; see ``Timeouts``.
    public var timeouts: Timeouts
    /// Protective limits; see ``Limits``.
    public var limits: Limits
    /// TCP keep-alive probes; default on (``TCPKeepAlive/init(idle:interval:count:)``), `nil` turns them off.
    public var tcpKeepAlive: TCPKeepAlive? = TCPKeepAlive()
    /// How `https://` connections are secured; see ``TLS``. Default: verify against the system trust store, TLS 1.2
    /// or later.
    public var tls: TLS
    /// Which HTTP proxy requests go through. Default ``ProxySetting/environment``: `http_proxy`, `https_proxy`,
    /// `no_proxy` and their upper-case forms, read when the client is created; loopback targets go directly.
    public var proxy: ProxySetting
    /// Where the client logs. Default: a logger that discards everything (libraries stay quiet unless asked).
    public var logger: Logger
    /// Test seam: replaces DNS resolution (tests must never look up names that do not exist).
    var resolverFactory: (@Sendable (EventLoop) -> Resolver & Sendable)?
    /// Test seam: a budget shared with other clients, in place of `pool.maxConnections`.
    var sharedBudget: ConnectionBudget?
    /// Test seam: where metrics go instead of the global `MetricsSystem.factory`.
    var metricsFactory: (any MetricsFactory)?

    /// Creates a configuration.
    public init(
        pool: Pool = .init(),
        timeouts: Timeouts = .init(),
        limits: Limits = .init(),
        tls: TLS = .init(),
        proxy: ProxySetting = .environment,
        logger: Logger = Logger(label: "courier", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.pool = pool
        self.timeouts = timeouts
        self.limits = limits
        self.tls = tls
        self.proxy = proxy
        self.logger = logger
        self.resolverFactory = nil
        self.sharedBudget = nil
        self.metricsFactory = nil
    }
}

extension Duration {
    /// The duration as NIO's `TimeAmount` (nanosecond precision, saturating).
    var timeAmount: TimeAmount { .nanoseconds(wholeNanoseconds) }

    /// This duration in whole nanoseconds, rounded toward zero (saturating at `Int64`'s bounds, about 292 years;
    /// the fraction alone can carry the sum past them, as at 9,223,372,036.9 s).
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflowSum) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflowSum { return seconds < 0 ? .min : .max }
        return sum
    }
}
