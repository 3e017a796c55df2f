/// An IPv4 (4 bytes) or IPv6 (16 bytes) address in network byte order, as read from a /proc socket table.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address bytes in network order: 4 for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Wraps 4 or 16 bytes; `nil` for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// `true` for an IPv6 address (including IPv4-mapped ones such as `::ffff:127.0.0.1`).
    public var isIPv6: Bool { bytes.count == 16 }

    /// `true` for 0.0.0.0 and `::` (a socket bound to every address, or no remote peer).
    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }

    /// Dotted decimal for IPv4; RFC 5952 text for IPv6 (lower case, the longest run of two or more zero groups
    /// written `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`).
    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return "::ffff:" + bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = (0..<8).map { Int(bytes[2 * $0]) << 8 | Int(bytes[2 * $0 + 1]) }
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > best.length { best = (index, end - index) }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    /// Orders IPv4 before IPv6, then bytewise.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.bytes.count != rhs.bytes.count { return lhs.bytes.count < rhs.bytes.count }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
