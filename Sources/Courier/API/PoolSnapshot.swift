import CoreMetrics

/// What a client's connections are doing at one instant, from ``Client/snapshot()``.
public struct PoolSnapshot: Sendable {
    /// One connection.
    public struct Connection: Sendable {
        /// Where the connection is in its life.
        public enum State: String, Sendable {
            /// The TCP connection is being established.
            case connecting
            /// In the pool, ready for a request.
            case idle
            /// Carrying a request.
            case leased
            /// Being closed; it still counts against the limits.
            case closing
        }

        /// Unique within the client, in opening order.
        public var id: Int
        /// What it is doing now.
        public var state: State
        /// Local address and port, once connected (for example `127.0.0.1:51234`).
        public var localAddress: String?
        /// Remote address and port, once connected.
        public var remoteAddress: String?
        /// Time since it finished opening; `nil` while connecting.
        public var age: Duration?
        /// Time since it became idle; `nil` unless idle.
        public var idleTime: Duration?
        /// Requests it has been leased for.
        public var requestsServed: Int
        /// What the server last announced in `Keep-Alive`.
        public var keepAliveHints: KeepAliveHints
    }

    /// The connections and waiting requests of one origin.
    public struct OriginEntry: Sendable {
        /// The scheme, host and port (and tunnelling proxy, if any) these connections go to.
        public var origin: Origin
        /// Connections being established.
        public var connecting: Int
        /// Connections in the pool, ready for a request.
        public var idle: Int
        /// Connections carrying a request.
        public var leased: Int
        /// Connections being closed; they still count against the limits.
        public var closing: Int
        /// Requests waiting for a connection.
        public var waiting: Int
        /// Every connection, by id.
        public var connections: [Connection]

        /// Connections counted against the per-host limit (every state).
        public var open: Int { connecting + idle + leased + closing }
    }

    /// Origins with connections or waiting requests, sorted by their description.
    public var origins: [OriginEntry]
    /// The connection budget this client draws from (shared by every `.automatic` client in the process).
    public var budgetLimit: Int
    /// Slots of that budget in use by all its clients.
    public var budgetInUse: Int
    /// The most slots of that budget in use at once since it was created (every socket a dial raced counts).
    public var budgetPeakInUse: Int
    /// Connections that finished opening since the client was created.
    public var connectionsOpened: Int
    /// Closes completed since the client was created, by reason: `idle_timeout`, `idle_limit`, `evicted`,
    /// `shutdown`, `connection_close`, `keep_alive_max`, `error`, `unread_body`, `request_incomplete`,
    /// `server_closed`, `descriptor_pressure`, `closed_before_response` (the server dropped a reused connection while
    /// the request was on its way), `server_closes_each_response` (not reused: this server closes every connection
    /// after one response without saying so).
    public var connectionsClosed: [String: Int]
    /// Requests passed to `execute` or `send`.
    public var requests: Int
    /// Attempts sent again after their connection failed.
    public var retries: Int
    /// Times opening a socket failed with EMFILE or ENFILE (each handled by waiting, not by failing requests).
    public var descriptorExhaustionEvents: Int
    /// The pool's own connection cap after descriptor exhaustion; `nil` when none applies.
    public var connectionCap: Int?
}
