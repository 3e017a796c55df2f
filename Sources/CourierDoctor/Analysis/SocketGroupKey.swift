/// Which way a TCP socket points, for grouping.
public enum SocketDirection: String, Sendable, Hashable, Codable, Comparable {
    /// This process connected out; grouped by the remote endpoint.
    case outbound
    /// Accepted by a listener on this host; grouped by the local (listening) endpoint, since every client
    /// has its own remote port.
    case inbound
    /// A listening socket; grouped by its local endpoint.
    case listening

    /// Outbound first.
    public static func < (lhs: SocketDirection, rhs: SocketDirection) -> Bool {
        let order: [SocketDirection] = [.outbound, .inbound, .listening]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}

/// The group a TCP socket is counted in: direction, endpoint and state.
public struct SocketGroupKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Outbound, inbound or listening.
    public var direction: SocketDirection
    /// The remote endpoint (outbound) or the local one (inbound, listening).
    public var endpoint: SocketEndpoint
    /// The TCP state.
    public var state: TCPState

    /// A key.
    public init(direction: SocketDirection, endpoint: SocketEndpoint, state: TCPState) {
        self.direction = direction
        self.endpoint = endpoint
        self.state = state
    }

    /// `to 127.0.0.1:8080`, `accepted on [::1]:8080` or `listening on 0.0.0.0:8080` (without the state).
    public var endpointLabel: String {
        switch direction {
        case .outbound: "to \(endpoint)"
        case .inbound: "accepted on \(endpoint)"
        case .listening: "listening on \(endpoint)"
        }
    }

    /// The label and the state, e.g. `to 127.0.0.1:8080 ESTABLISHED`.
    public var description: String { "\(endpointLabel) \(state.name)" }

    /// Orders by direction, endpoint, state.
    public static func < (lhs: SocketGroupKey, rhs: SocketGroupKey) -> Bool {
        (lhs.direction, lhs.endpoint, lhs.state) < (rhs.direction, rhs.endpoint, rhs.state)
    }
}
