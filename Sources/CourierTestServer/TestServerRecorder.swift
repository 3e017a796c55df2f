import NIOConcurrencyHelpers

/// One request as the server received it.
public struct ReceivedRequest: Sendable, Equatable {
    /// Method as sent.
    public var method: String
    /// Request target as sent.
    public var uri: String
    /// Header fields in order, names as sent.
    public var headers: [(String, String)]
    /// Body bytes received.
    public var bodyLength: Int
    /// Lower-case hex SHA-256 of the body bytes received.
    public var sha256: String
    /// The body ended with its delimiter (false when the connection went away mid-body or the server stopped).
    public var bodyComplete: Bool

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public static func == (lhs: ReceivedRequest, rhs: ReceivedRequest) -> Bool {
        lhs.method == rhs.method && lhs.uri == rhs.uri && lhs.bodyLength == rhs.bodyLength && lhs.sha256 == rhs.sha256
            && lhs.bodyComplete == rhs.bodyComplete && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
    }
}

/// What one accepted connection carried.
public struct ReceivedConnection: Sendable {
    /// 1-based accept order.
    public var number: Int
    /// Requests in arrival order.
    public var requests: [ReceivedRequest]
    /// Whether the connection has closed.
    public var closed: Bool
}

/// Thread-safe log of connections and requests (or, without `keepRecords`, only their counts).
final class TestServerRecorder: Sendable {
    private struct State {
        var connections: [ReceivedConnection] = []
        var accepted = 0
        var requests = 0
        var transientFailuresGiven = 0
        var handshakes = 0
    }

    private let keepRecords: Bool
    private let state = NIOLockedValueBox(State())

    init(keepRecords: Bool = true) {
        self.keepRecords = keepRecords
    }

    func accepted() -> Int {
        state.withLockedValue { state in
            state.accepted += 1
            if keepRecords {
                state.connections.append(ReceivedConnection(number: state.accepted, requests: [], closed: false))
            }
            return state.accepted
        }
    }

    func record(_ request: ReceivedRequest, connection: Int) {
        state.withLockedValue { state in
            state.requests += 1
            if keepRecords { state.connections[connection - 1].requests.append(request) }
        }
    }

    func closed(connection: Int) {
        state.withLockedValue { state in
            if keepRecords { state.connections[connection - 1].closed = true }
        }
    }

    /// Whether this request is one of the first `limit` to be answered with a transient failure.
    func takeTransientFailure(limit: Int) -> Bool {
        state.withLockedValue { state in
            guard state.transientFailuresGiven < limit else { return false }
            state.transientFailuresGiven += 1
            return true
        }
    }

    func handshakeCompleted() {
        state.withLockedValue { $0.handshakes += 1 }
    }

    var connections: [ReceivedConnection] { state.withLockedValue { $0.connections } }
    var handshakeCount: Int { state.withLockedValue { $0.handshakes } }
    var acceptedCount: Int { state.withLockedValue { $0.accepted } }
    var requestCount: Int { state.withLockedValue { $0.requests } }
}
