/// A TCP socket state as the kernel writes it in the `st` column of /proc/net/tcp and tcp6 (two hex digits).
///
/// The numbers are Linux's `TCP_ESTABLISHED` (1) through `TCP_NEW_SYN_RECV` (12).
public enum TCPState: UInt8, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Connected; data can flow both ways (0x01).
    case established = 1
    /// A connect is in progress; our SYN was sent (0x02).
    case synSent = 2
    /// A listener received a SYN and answered it (0x03).
    case synReceived = 3
    /// This side closed first; its FIN is not yet acknowledged (0x04).
    case finWait1 = 4
    /// This side closed first; waiting for the peer's FIN (0x05).
    case finWait2 = 5
    /// Both sides closed; the kernel keeps the pair for a while (0x06). Belongs to no process.
    case timeWait = 6
    /// Closed, or an unconnected UDP socket (0x07).
    case close = 7
    /// The peer closed; this side has not closed its descriptor yet (0x08).
    case closeWait = 8
    /// The peer closed, then this side closed; waiting for the last ACK (0x09).
    case lastAck = 9
    /// A listening socket (0x0A).
    case listen = 10
    /// Both sides closed at the same time (0x0B).
    case closing = 11
    /// A request socket for a pending connection of a listener (0x0C). Belongs to no process.
    case newSynReceived = 12

    /// The conventional upper-case name (`ESTABLISHED`, `CLOSE_WAIT`, …), as `ss` and `netstat` print it.
    public var name: String {
        switch self {
        case .established: "ESTABLISHED"
        case .synSent: "SYN_SENT"
        case .synReceived: "SYN_RECV"
        case .finWait1: "FIN_WAIT1"
        case .finWait2: "FIN_WAIT2"
        case .timeWait: "TIME_WAIT"
        case .close: "CLOSE"
        case .closeWait: "CLOSE_WAIT"
        case .lastAck: "LAST_ACK"
        case .listen: "LISTEN"
        case .closing: "CLOSING"
        case .newSynReceived: "NEW_SYN_RECV"
        }
    }

    /// Orders states by their kernel number.
    public static func < (lhs: TCPState, rhs: TCPState) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Encodes as ``name``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    /// Decodes from ``name``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let state = TCPState.allCases.first(where: { $0.name == text }) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown TCP state \(text)")
        }
        self = state
    }
}
