/// A range of IP addresses in CIDR notation (`10.0.0.0/8`, `fe80::/10`), of one address family.
///
/// Bits beyond the prefix length are ignored, so a range need not be aligned: `10.1.2.3/8` is `10.0.0.0/8`
/// (as curl and Go's `net.ParseCIDR` accept it). An IPv4 range never contains an IPv6 address and the other way
/// round; `0.0.0.0/0` is every IPv4 address and `::/0` every IPv6 one. An IPv4-mapped IPv6 range with a prefix of
/// at least 96 bits (`::ffff:10.0.0.0/104`) is the IPv4 range it maps (`10.0.0.0/8`).
struct CIDRRange: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the range (the host bits are zero).
    let network: IPLiteral
    /// Leading bits that must match: 0-32 for IPv4, 0-128 for IPv6.
    let prefixLength: Int

    /// A range from an address and a prefix length; `nil` if the length is out of range for the family.
    init?(address: IPLiteral, prefixLength: Int) {
        guard prefixLength >= 0 else { return nil }
        switch address {
        case .v4(let value):
            guard prefixLength <= 32 else { return nil }
            network = .v4(value & CIDRRange.mask32(prefixLength))
        case .v6(let high, let low):
            guard prefixLength <= 128 else { return nil }
            let (highMask, lowMask) = CIDRRange.mask128(prefixLength)
            network = .v6(high: high & highMask, low: low & lowMask)
        }
        self.prefixLength = prefixLength
    }

    /// Parses `address/length` (length in decimal, at most three digits). An address written as IPv4-mapped IPv6
    /// with a length below 96 is refused: half of such a range would be IPv4 and half IPv6.
    init?<Text: StringProtocol>(_ text: Text) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, (1...3).contains(parts[1].utf8.count),
            parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(parts[1]),
            let address = IPLiteral(parts[0])
        else { return nil }
        // `IPLiteral` turns `::ffff:a.b.c.d` into IPv4: its length counts from bit 96 of the IPv6 form.
        let writtenAsIPv6 = parts[0].contains(":")
        if case .v4 = address, writtenAsIPv6 {
            guard (96...128).contains(length) else { return nil }
            self.init(address: address, prefixLength: length - 96)
        } else {
            self.init(address: address, prefixLength: length)
        }
    }

    /// Whether `address` lies in the range (always `false` across address families).
    func contains(_ address: IPLiteral) -> Bool {
        switch (network, address) {
        case (.v4(let base), .v4(let value)):
            return value & CIDRRange.mask32(prefixLength) == base
        case (.v6(let baseHigh, let baseLow), .v6(let high, let low)):
            let (highMask, lowMask) = CIDRRange.mask128(prefixLength)
            return high & highMask == baseHigh && low & lowMask == baseLow
        default:
            return false
        }
    }

    var description: String { "\(network)/\(prefixLength)" }

    private static func mask32(_ length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    private static func mask128(_ length: Int) -> (UInt64, UInt64) {
        if length <= 64 {
            return (length == 0 ? 0 : UInt64.max << UInt64(64 - length), 0)
        }
        return (UInt64.max, UInt64.max << UInt64(128 - length))
    }
}
