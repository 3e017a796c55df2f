/// An IPv4 or IPv6 address parsed from text, compared by value (so `::1` equals `0:0:0:0:0:0:0:1`).
///
/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is stored as the IPv4 address it maps: a socket connecting to
/// it reaches that IPv4 address, so the proxy rules treat both spellings alike.
enum IPLiteral: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 address, most significant byte first (`10.0.0.1` is `0x0A00_0001`).
    case v4(UInt32)
    /// An IPv6 address as two 64-bit halves, most significant first.
    case v6(high: UInt64, low: UInt64)

    /// Parses dotted-decimal IPv4 (exactly four parts of 0-255, no leading zeros: `010.0.0.1` could mean octal
    /// elsewhere, so it is refused) or IPv6 text (RFC 4291 §2.2: hex groups, one `::`, an optional dotted IPv4
    /// tail). Brackets, zone identifiers (`%eth0`) and prefixes are not accepted here. `nil` if not an address.
    init?<Text: StringProtocol>(_ text: Text) {
        let bytes = Array(text.utf8)
        if let v4 = IPLiteral.parseV4(bytes[...]) {
            self = .v4(v4)
        } else if let (high, low) = IPLiteral.parseV6(bytes[...]) {
            if high == 0 && low >> 32 == 0xFFFF {
                self = .v4(UInt32(truncatingIfNeeded: low))
            } else {
                self = .v6(high: high, low: low)
            }
        } else {
            return nil
        }
    }

    /// An address in network byte order: 4 bytes (IPv4) or 16 (IPv6, an IPv4-mapped one becoming IPv4), as a
    /// certificate's subject alternative name holds it. `nil` for any other length.
    init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        switch bytes.count {
        case 4:
            self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let all = Array(bytes)
            let high = all[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            let low = all[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
            self = high == 0 && low >> 32 == 0xFFFF ? .v4(UInt32(truncatingIfNeeded: low)) : .v6(high: high, low: low)
        default:
            return nil
        }
    }

    /// Whether this is a loopback address: 127.0.0.0/8 (and its IPv4-mapped form) or `::1`.
    var isLoopback: Bool {
        switch self {
        case .v4(let value): return value >> 24 == 127
        case .v6(let high, let low): return high == 0 && low == 1
        }
    }

    /// Dotted decimal, or eight uncompressed hex groups (for diagnostics only).
    var description: String {
        switch self {
        case .v4(let value):
            return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xFF) }.joined(separator: ".")
        case .v6(let high, let low):
            let shifts: [UInt64] = [48, 32, 16, 0]
            let groups = shifts.map { (high >> $0) & 0xFFFF } + shifts.map { (low >> $0) & 0xFFFF }
            return groups.map { String($0, radix: 16) }.joined(separator: ":")
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case 0x30...0x39: return UInt64(byte - 0x30)
        case 0x61...0x66: return UInt64(byte - 0x61 + 10)
        case 0x41...0x46: return UInt64(byte - 0x41 + 10)
        default: return nil
        }
    }

    private static func parseV4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return nil }
            if part.count > 1 && part.first == UInt8(ascii: "0") { return nil }
            let number = part.reduce(UInt32(0)) { $0 * 10 + UInt32($1 - 0x30) }
            guard number <= 255 else { return nil }
            value = value << 8 | number
        }
        return value
    }

    /// Parses the groups on one side of `::`; `allowV4Tail` lets the last part be dotted IPv4 (two groups).
    private static func parseGroups(_ bytes: ArraySlice<UInt8>, allowV4Tail: Bool) -> [UInt64]? {
        if bytes.isEmpty { return [] }
        let parts = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var groups: [UInt64] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1 && allowV4Tail && part.contains(UInt8(ascii: ".")) {
                guard let v4 = parseV4(part) else { return nil }
                groups.append(UInt64(v4 >> 16))
                groups.append(UInt64(v4 & 0xFFFF))
                continue
            }
            guard (1...4).contains(part.count) else { return nil }
            var group: UInt64 = 0
            for byte in part {
                guard let digit = hexValue(byte) else { return nil }
                group = group << 4 | digit
            }
            groups.append(group)
        }
        return groups
    }

    private static func parseV6(_ bytes: ArraySlice<UInt8>) -> (UInt64, UInt64)? {
        guard bytes.count >= 2, bytes.contains(UInt8(ascii: ":")) else { return nil }
        var groups: [UInt64]
        if let gap = firstDoubleColon(bytes) {
            let head = bytes[bytes.startIndex..<gap]
            let tail = bytes[(gap + 2)...]
            // A second `::` (or a `:::`) is ambiguous.
            if firstDoubleColon(tail) != nil || tail.first == UInt8(ascii: ":") { return nil }
            guard let before = parseGroups(head, allowV4Tail: false),
                let after = parseGroups(tail, allowV4Tail: true),
                before.count + after.count <= 7
            else { return nil }
            groups = before + Array(repeating: 0, count: 8 - before.count - after.count) + after
        } else {
            guard let all = parseGroups(bytes, allowV4Tail: true), all.count == 8 else { return nil }
            groups = all
        }
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | $1 }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | $1 }
        return (high, low)
    }

    private static func firstDoubleColon(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: ":") { return index }
            index += 1
        }
        return nil
    }
}
