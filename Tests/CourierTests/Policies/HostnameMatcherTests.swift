import Testing

@testable import Courier

/// Which certificates are for which hosts: the whole table, including what NIOSSL's own check would accept.
@Suite struct HostnameMatcherTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var host: String
        var dns: [String] = []
        var ips: [String] = []
        var matches: Bool
        var why: String
        var testDescription: String { "\(host) vs \(dns + ips): \(why)" }
    }

    static let cases: [Case] = [
        Case(host: "example.com", dns: ["example.com"], matches: true, why: "exact"),
        Case(host: "EXAMPLE.com", dns: ["example.COM"], matches: true, why: "ASCII case is ignored"),
        Case(host: "example.com.", dns: ["example.com"], matches: true, why: "a trailing dot on the host"),
        Case(host: "example.com", dns: ["example.com."], matches: true, why: "a trailing dot on the name"),
        Case(host: "example.com", dns: ["other.com", "example.com"], matches: true, why: "any listed name"),
        Case(host: "example.com", dns: ["www.example.com"], matches: false, why: "a subdomain is another name"),
        Case(host: "www.example.com", dns: ["example.com"], matches: false, why: "the parent is another name"),
        Case(host: "a.example.com", dns: ["*.example.com"], matches: true, why: "a wildcard covers one label"),
        Case(host: "A.Example.Com", dns: ["*.EXAMPLE.com"], matches: true, why: "wildcards ignore case too"),
        Case(host: "example.com", dns: ["*.example.com"], matches: false, why: "the wildcard needs a label"),
        Case(host: "a.b.example.com", dns: ["*.example.com"], matches: false, why: "the wildcard covers one label only"),
        Case(host: "a.example.com", dns: ["a.*.com"], matches: false, why: "a wildcard only leftmost"),
        Case(host: "foo.example.com", dns: ["f*.example.com"], matches: false, why: "no partial wildcards"),
        Case(host: "foo.example.com", dns: ["*o.example.com"], matches: false, why: "no partial wildcards (suffix)"),
        Case(host: "example.com", dns: ["*.com"], matches: false, why: "a wildcard needs two labels after it"),
        Case(host: "com", dns: ["*"], matches: false, why: "a bare wildcard is nothing"),
        Case(host: "*.example.com", dns: ["*.example.com"], matches: false, why: "a host is never a pattern"),
        Case(host: "a..example.com", dns: ["a..example.com"], matches: false, why: "empty labels"),
        Case(host: "exämple.com", dns: ["exämple.com"], matches: false, why: "names must be ASCII (IDNA A-labels)"),
        Case(host: "xn--exmple-cua.com", dns: ["xn--exmple-cua.com"], matches: true, why: "A-labels compare as text"),
        Case(host: "xn--exmple-cua.com", dns: ["*.com"], matches: false, why: "no wildcard over a TLD"),
        Case(host: "127.0.0.1", ips: ["127.0.0.1"], matches: true, why: "an address matches an equal address"),
        Case(host: "127.0.0.1", dns: ["127.0.0.1"], matches: false, why: "an address never matches a DNS name"),
        Case(host: "127.0.0.1", ips: ["127.0.0.2"], matches: false, why: "another address"),
        Case(host: "::1", ips: ["0:0:0:0:0:0:0:1"], matches: true, why: "IPv6 by value"),
        Case(host: "::ffff:10.0.0.1", ips: ["10.0.0.1"], matches: true, why: "IPv4-mapped is the IPv4 address"),
        Case(host: "courier.test", ips: ["127.0.0.1"], matches: false, why: "an address name does not cover a DNS name (NIOSSL would accept it when connected to 127.0.0.1)"),
        Case(host: "courier.test", dns: [], ips: [], matches: false, why: "no names at all (the common name is never used)"),
        Case(host: "under_score.example.com", dns: ["*.example.com"], matches: true, why: "underscores appear in real names"),
    ]

    @Test(arguments: cases)
    func matching(_ entry: Case) {
        let ips = entry.ips.compactMap { IPLiteral($0) }
        #expect(ips.count == entry.ips.count)
        #expect(HostnameMatcher.matches(host: entry.host, dnsNames: entry.dns, ipAddresses: ips) == entry.matches, "\(entry.why)")
    }
}
