/// A `NO_PROXY` list: which request targets go directly rather than through the proxy.
///
/// Entries are separated by commas and/or whitespace; empty entries are skipped. Each entry is one of:
///
/// | entry                          | matches                                                              |
/// |--------------------------------|----------------------------------------------------------------------|
/// | `*`                            | every target                                                         |
/// | `example.com`, `.example.com`, `*.example.com` | `example.com` and its subdomains, not `notexample.com` |
/// | `10.1.2.3`, `::1`, `[::1]`     | that address, compared by value (`0:0:0:0:0:0:0:1` is `::1`)        |
/// | `10.0.0.0/8`, `fd00::/8`       | every address in the range (host bits of an unaligned range ignored) |
/// | any of the above `:port` (`[::1]:8080` for IPv6) | the same, on that port only                        |
///
/// Names compare case-insensitively and one trailing dot (`example.com.`) is ignored on either side. Matching is
/// on the text of the request's host: names are never resolved, so a name entry never matches an address target
/// and an address entry never matches a name. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is its IPv4
/// address, on either side. Entries that fit none of the forms (`10.0.0`, `host:0`, `10.0.0.0/33`, `fe80::1%eth0`,
/// names with characters other than letters, digits, `-` and `_`) match nothing and are listed in
/// ``invalidEntries`` so the caller can warn about them.
struct NoProxyMatcher: Sendable, Equatable {
    /// One parsed entry, with its original text for diagnostics.
    struct Entry: Sendable, Equatable, CustomStringConvertible {
        enum Kind: Sendable, Equatable {
            /// `*`.
            case everything
            /// A lower-cased name without leading or trailing dot: the name and its subdomains.
            case domain(String)
            /// One address, or a range of them.
            case addresses(CIDRRange)
        }

        var kind: Kind
        /// The only port the entry matches; `nil` for every port.
        var port: Int?
        /// The entry as written in the list.
        var text: String

        var description: String { text }
    }

    /// The usable entries, in list order.
    private(set) var entries: [Entry] = []
    /// Entries that could not be understood and therefore match nothing, as written.
    private(set) var invalidEntries: [String] = []

    /// Whether the list has no usable entry.
    var isEmpty: Bool { entries.isEmpty }

    /// Parses a list such as `localhost, .internal.example  10.0.0.0/8,[::1]:8080`.
    init(_ list: String) {
        let separators: Set<Character> = [",", " ", "\t", "\n", "\r"]
        for piece in list.split(whereSeparator: { separators.contains($0) }) {
            if let entry = NoProxyMatcher.parseEntry(piece) {
                entries.append(entry)
            } else {
                invalidEntries.append(String(piece))
            }
        }
    }

    /// The first entry that matches the target, or `nil` when the target should use the proxy.
    ///
    /// - Parameters:
    ///   - host: the request's host: a name, or an IP address with or without brackets.
    ///   - port: the request's effective port (the scheme's default when the URL has none).
    func match(host: String, port: Int) -> Entry? {
        guard !entries.isEmpty else { return nil }
        return match(TargetHost(host), port: port)
    }

    /// The first entry that matches an already classified target.
    func match(_ target: TargetHost, port: Int) -> Entry? {
        entries.first { entry in
            if let only = entry.port, only != port { return false }
            switch (entry.kind, target) {
            case (.everything, _):
                return true
            case (.domain(let domain), .name(let name)):
                return NoProxyMatcher.isName(name, withinDomain: domain)
            case (.addresses(let range), .address(let address)):
                return range.contains(address)
            default:
                return false
            }
        }
    }

    /// `name` is `domain` or one of its subdomains (compared byte by byte; both are lower-cased).
    static func isName(_ name: String, withinDomain domain: String) -> Bool {
        let name = name.utf8
        let domain = domain.utf8
        if name.elementsEqual(domain) { return true }
        guard name.count > domain.count, name.reversed().starts(with: domain.reversed()) else { return false }
        return name.dropLast(domain.count).last == UInt8(ascii: ".")
    }

    /// A request host, classified once.
    enum TargetHost: Equatable {
        case name(String)
        case address(IPLiteral)

        /// Brackets removed, an address parsed, a name lower-cased and stripped of one trailing dot.
        init(_ host: String) {
            var text = Substring(host)
            if text.hasPrefix("[") && text.hasSuffix("]") && text.count >= 2 { text = text.dropFirst().dropLast() }
            if let address = IPLiteral(text) {
                self = .address(address)
            } else {
                if text.hasSuffix(".") { text = text.dropLast() }
                self = .name(text.lowercased())
            }
        }

        /// Loopback by convention: `localhost`, any `*.localhost` name (RFC 6761 §6.3), 127.0.0.0/8, `::1`.
        var isLoopback: Bool {
            switch self {
            case .name(let name): return name == "localhost" || name.hasSuffix(".localhost")
            case .address(let address): return address.isLoopback
            }
        }
    }

    private static func parseEntry(_ piece: Substring) -> Entry? {
        let text = String(piece)
        if piece == "*" { return Entry(kind: .everything, port: nil, text: text) }

        // Split off a port: `[v6]:port`, `name:port`, `v4:port`. More than one colon without brackets is IPv6.
        var hostPart = piece
        var port: Int? = nil
        if piece.hasPrefix("[") {
            guard let close = piece.firstIndex(of: "]") else { return nil }
            hostPart = piece[piece.index(after: piece.startIndex)..<close]
            let rest = piece[piece.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":", let number = parsePort(rest.dropFirst()) else { return nil }
                port = number
            }
            guard hostPart.contains(":") else { return nil }  // brackets are for IPv6 only
        } else if piece.filter({ $0 == ":" }).count == 1 {
            let colon = piece.firstIndex(of: ":")!
            hostPart = piece[..<colon]
            guard let number = parsePort(piece[piece.index(after: colon)...]) else { return nil }
            port = number
        }
        if hostPart.isEmpty { return nil }

        if hostPart.contains("/") {
            guard let range = CIDRRange(hostPart) else { return nil }
            return Entry(kind: .addresses(range), port: port, text: text)
        }
        if let address = IPLiteral(hostPart) {
            let bits = if case .v4 = address { 32 } else { 128 }
            return Entry(kind: .addresses(CIDRRange(address: address, prefixLength: bits)!), port: port, text: text)
        }
        guard let domain = normalizedDomain(hostPart) else { return nil }
        return Entry(kind: .domain(domain), port: port, text: text)
    }

    /// `*.name` and `.name` are the same as `name`; one trailing dot is dropped. `nil` unless the result is
    /// dot-separated non-empty labels of ASCII letters, digits, `-` and `_`, whose last label is not all digits
    /// (`10.0.0` is a mistyped address, not a name).
    private static func normalizedDomain(_ text: Substring) -> String? {
        var name = text
        if name.hasPrefix("*.") {
            name = name.dropFirst(2)
        } else if name.hasPrefix(".") {
            name = name.dropFirst()
        }
        if name.hasSuffix(".") { name = name.dropLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, labels.allSatisfy({ !$0.isEmpty }) else { return nil }
        let allowed = name.utf8.allSatisfy { byte in
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."): true
            default: false
            }
        }
        guard allowed, let last = labels.last, !last.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return name.lowercased()
    }

    /// A decimal port of 1-65535 (at most five digits), or `nil`.
    private static func parsePort(_ text: Substring) -> Int? {
        guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let number = Int(text), (1...65535).contains(number)
        else { return nil }
        return number
    }
}
