/// An IP address and a port: one end of a TCP or UDP socket.
public struct SocketEndpoint: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The address.
    public var address: IPAddress
    /// The port (0 when there is none, e.g. the remote end of a listening socket).
    public var port: UInt16

    /// An endpoint.
    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `127.0.0.1:8080` or `[::1]:8080`.
    public var description: String {
        address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// Parses a /proc socket table column such as `0100007F:1F90` (address in kernel hex, port in hex).
    ///
    /// - Parameter byteOrder: The byte order of the machine that wrote the table; default ``ProcByteOrder/host``.
    public init?(procColumn: Substring, byteOrder: ProcByteOrder = .host) {
        guard let colon = procColumn.firstIndex(of: ":"),
            let address = IPAddress(procHex: procColumn[..<colon], byteOrder: byteOrder)
        else { return nil }
        let portText = procColumn[procColumn.index(after: colon)...]
        guard portText.count == 4, let port = UInt16(portText, radix: 16) else { return nil }
        self.init(address: address, port: port)
    }

    /// Orders by address, then port.
    public static func < (lhs: SocketEndpoint, rhs: SocketEndpoint) -> Bool {
        lhs.address == rhs.address ? lhs.port < rhs.port : lhs.address < rhs.address
    }

    /// Encodes as ``description`` (`"127.0.0.1:8080"`, `"[::1]:8080"`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Decodes the text ``description`` writes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let endpoint = SocketEndpoint(text: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an endpoint: \(text)")
        }
        self = endpoint
    }

    /// Parses `a.b.c.d:port` or `[v6]:port` (the IPv6 part only in the forms ``IPAddress/description`` writes
    /// for `::`-compressed or full addresses).
    init?(text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
            guard let address = IPAddress(ipv6Text: host) else { return nil }
            self.init(address: address, port: port)
        } else {
            let parts = host.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
            guard parts.count == 4, let address = IPAddress(bytes: parts) else { return nil }
            self.init(address: address, port: port)
        }
    }
}

extension IPAddress {
    /// Parses IPv6 text with optional `::` and an optional dotted IPv4 tail.
    init?(ipv6Text text: Substring) {
        func groups(_ part: Substring) -> [UInt8]? {
            if part.isEmpty { return [] }
            var bytes: [UInt8] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                if group.contains(".") {
                    let v4 = group.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
                    guard v4.count == 4 else { return nil }
                    bytes += v4
                } else {
                    guard group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                    bytes += [UInt8(value >> 8), UInt8(value & 0xff)]
                }
            }
            return bytes
        }
        let characters = Array(text)
        let doubleColon = characters.indices.dropLast().filter { characters[$0] == ":" && characters[$0 + 1] == ":" }
        switch doubleColon.count {
        case 0:
            guard let bytes = groups(text), bytes.count == 16 else { return nil }
            self.init(bytes: bytes)
        case 1:
            let split = text.index(text.startIndex, offsetBy: doubleColon[0])
            guard let head = groups(text[..<split]), let tail = groups(text[text.index(split, offsetBy: 2)...]),
                head.count + tail.count <= 14
            else { return nil }
            self.init(bytes: head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail)
        default:
            return nil
        }
    }
}
