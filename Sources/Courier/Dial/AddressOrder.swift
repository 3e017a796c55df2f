import NIOCore

/// The order in which a dial tries a name's addresses (RFC 8305 §4): the resolver's order, with address
/// families interleaved starting with the family of the first address, so that one unreachable family costs at
/// most one connection attempt delay before the other is tried.
enum AddressOrder {
    static func interleaved(_ addresses: [SocketAddress]) -> [SocketAddress] {
        guard let first = addresses.first else { return [] }
        let firstIsV6 = isV6(first)
        var preferred = addresses.filter { isV6($0) == firstIsV6 }[...]
        var other = addresses.filter { isV6($0) != firstIsV6 }[...]
        var out: [SocketAddress] = []
        out.reserveCapacity(addresses.count)
        while !preferred.isEmpty || !other.isEmpty {
            if let next = preferred.popFirst() { out.append(next) }
            if let next = other.popFirst() { out.append(next) }
        }
        return out
    }

    /// Combines the answers of separate AAAA and A queries: IPv6 first (RFC 8305's default preference).
    static func combined(v6: [SocketAddress], v4: [SocketAddress]) -> [SocketAddress] {
        interleaved(v6 + v4)
    }

    private static func isV6(_ address: SocketAddress) -> Bool {
        if case .v6 = address { return true }
        return false
    }
}
