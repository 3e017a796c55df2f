/// Whether a server certificate is for the host of the URL (RFC 9110 §4.3.4, RFC 6125 §6), by the rules Go's
/// crypto/tls and current browsers apply. Pure.
///
/// - An IP-literal host matches only an IP-address subject alternative name with the same value. A DNS name never
///   matches an IP address name, and the address a socket happens to be connected to plays no part (NIOSSL's own
///   check accepts a certificate for the peer's IP address whatever name was asked for, and falls back to the
///   common name; Courier does neither).
/// - A DNS name matches a DNS subject alternative name equal to it, ignoring ASCII case and one trailing dot.
/// - A wildcard is accepted only as the whole left-most label (`*.example.com`), followed by at least two labels;
///   it stands for exactly one non-empty label (`a.example.com`, not `example.com` or `a.b.example.com`).
///   Partial wildcards (`f*.example.com`) and wildcards elsewhere match nothing.
/// - The common name is never used.
enum HostnameMatcher {
    /// Whether a certificate with `dnsNames` and `ipAddresses` is for `host` (an IP literal without brackets, or a
    /// DNS name).
    static func matches(host: String, dnsNames: [String], ipAddresses: [IPLiteral]) -> Bool {
        if let address = IPLiteral(host) {
            return ipAddresses.contains(address)
        }
        guard !host.contains("*"), let hostLabels = labels(host) else { return false }
        return dnsNames.contains { pattern in matches(hostLabels: hostLabels, pattern: pattern) }
    }

    private static func matches(hostLabels: [Substring], pattern: String) -> Bool {
        guard let patternLabels = labels(pattern), patternLabels.count == hostLabels.count else { return false }
        for (index, (pattern, host)) in zip(patternLabels, hostLabels).enumerated() {
            if index == 0, pattern == "*" {
                // At least two labels after the wildcard: `*.com` is no certificate for every .com name.
                guard patternLabels.count >= 3 else { return false }
                continue
            }
            if pattern.contains("*") || pattern != host { return false }
        }
        return true
    }

    /// Lower-cased labels of an ASCII DNS name without one trailing dot; `nil` when empty, with an empty label,
    /// or with anything but letters, digits, `-`, `_` and (in patterns) `*`.
    private static func labels(_ name: String) -> [Substring]? {
        var text = Substring(name.lowercased())
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty else { return nil }
        let allowed = text.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
                || byte == 0x2E || byte == 0x2A
        }
        guard allowed else { return nil }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.contains(where: \.isEmpty) else { return nil }
        return labels
    }
}
