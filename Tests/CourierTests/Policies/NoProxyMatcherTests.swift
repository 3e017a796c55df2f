import Testing

@testable import Courier

@Suite struct NoProxyMatcherTests {
    // MARK: IP literals

    /// Equal spellings of one address: each pair must parse to the same value.
    static let sameAddress: [(String, String)] = [
        ("::1", "0:0:0:0:0:0:0:1"),
        ("::1", "0000:0000:0000::0001"),
        ("2001:DB8::1", "2001:db8:0:0:0:0:0:1"),
        ("2001:db8::", "2001:db8:0:0:0:0:0:0"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("1::8", "1:0:0:0:0:0:0:8"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("::ffff:a00:1", "10.0.0.1"),
        ("0:0:0:0:0:FFFF:7F00:1", "127.0.0.1"),
    ]

    @Test(arguments: sameAddress)
    func equalSpellingsParseToOneValue(lhs: String, rhs: String) throws {
        let a = try #require(IPLiteral(lhs), "\(lhs)")
        let b = try #require(IPLiteral(rhs), "\(rhs)")
        #expect(a == b, "\(lhs) vs \(rhs)")
    }

    @Test func parsedValues() {
        #expect(IPLiteral("0.0.0.0") == .v4(0))
        #expect(IPLiteral("255.255.255.255") == .v4(.max))
        #expect(IPLiteral("10.1.2.3") == .v4(0x0A01_0203))
        #expect(IPLiteral("::") == .v6(high: 0, low: 0))
        #expect(IPLiteral("::1") == .v6(high: 0, low: 1))
        #expect(IPLiteral("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == .v6(high: .max, low: .max))
        #expect(IPLiteral("2001:db8::8:800:200c:417a") == .v6(high: 0x2001_0DB8_0000_0000, low: 0x0008_0800_200C_417A))
        #expect(IPLiteral("::1.2.3.4") == .v6(high: 0, low: 0x0102_0304), "IPv4-compatible stays IPv6")
    }

    static let notAddresses = [
        "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1..2.3", "a.b.c.d", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ",
        "1.2.3.4/32", ":", ":::", "1:::2", "1::2::3", ":1::2", "1::2:", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7::8", "12345::", "g::1", "1.2.3.4::", "::1.2.3", "::256.1.1.1", "fe80::1%eth0", "[::1]",
        "1:2:3:4:5:6:7:1.2.3.4", "::ffff:1.2.3.4:5", "localhost", "example.com",
    ]

    @Test(arguments: notAddresses)
    func malformedAddressesAreRefused(text: String) {
        #expect(IPLiteral(text) == nil, "\(text)")
    }

    // MARK: CIDR ranges

    /// (range, address, contained?)
    static let ranges: [(String, String, Bool)] = [
        ("0.0.0.0/0", "1.2.3.4", true),
        ("0.0.0.0/0", "255.255.255.255", true),
        ("0.0.0.0/0", "::1", false),
        ("::/0", "2001:db8::1", true),
        ("::/0", "1.2.3.4", false),
        ("10.0.0.1/32", "10.0.0.1", true),
        ("10.0.0.1/32", "10.0.0.2", false),
        ("10.0.0.0/8", "10.255.255.255", true),
        ("10.0.0.0/8", "11.0.0.0", false),
        ("10.0.0.0/8", "9.255.255.255", false),
        ("10.1.2.3/8", "10.200.0.1", true),
        ("10.1.2.3/8", "11.1.2.3", false),
        ("192.168.1.128/25", "192.168.1.127", false),
        ("192.168.1.128/25", "192.168.1.128", true),
        ("192.168.1.128/25", "192.168.1.255", true),
        ("192.168.1.200/25", "192.168.1.129", true),
        ("128.0.0.0/1", "127.255.255.255", false),
        ("128.0.0.0/1", "128.0.0.0", true),
        ("10.0.0.0/31", "10.0.0.1", true),
        ("10.0.0.0/31", "10.0.0.2", false),
        ("::1/128", "::1", true),
        ("::1/128", "::2", false),
        ("2001:db8::/32", "2001:db8:ffff::1", true),
        ("2001:db8::/32", "2001:db9::", false),
        ("2001:db8::1/32", "2001:db8:1::", true),
        ("fe80::/10", "febf::1", true),
        ("fe80::/10", "fec0::1", false),
        ("2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff", true),
        ("2001:db8::/64", "2001:db8:0:1::", false),
        ("2001:db8::/65", "2001:db8::7fff:ffff:ffff:ffff", true),
        ("2001:db8::/65", "2001:db8::8000:0:0:0", false),
        ("2001:db8::/127", "2001:db8::1", true),
        ("2001:db8::/127", "2001:db8::2", false),
        ("::ffff:10.0.0.0/104", "10.1.1.1", true),
        ("::ffff:10.0.0.0/104", "11.1.1.1", false),
        ("::ffff:0.0.0.0/96", "1.2.3.4", true),
        ("::ffff:0.0.0.0/96", "::1", false),
    ]

    @Test(arguments: ranges.indices)
    func rangeMembership(row: Int) throws {
        let (range, address, expected) = Self.ranges[row]
        let cidr = try #require(CIDRRange(range), "\(range)")
        let ip = try #require(IPLiteral(address), "\(address)")
        #expect(cidr.contains(ip) == expected, "\(range) ∋ \(address)")
    }

    static let notRanges = [
        "10.0.0.0/33", "::/129", "10.0.0.0/", "/8", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/1000", "10.0.0/8",
        "::ffff:10.0.0.0/95", "example.com/8", "10.0.0.0/ 8", "10.0.0.0/0x8",
    ]

    @Test(arguments: notRanges)
    func malformedRangesAreRefused(text: String) {
        #expect(CIDRRange(text) == nil, "\(text)")
    }

    @Test func unalignedRangesAreNormalized() {
        #expect(CIDRRange("10.1.2.3/8")?.network == IPLiteral("10.0.0.0"))
        #expect(CIDRRange("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(CIDRRange("2001:db8::1/32") == CIDRRange("2001:db8::/32"))
        #expect(CIDRRange("::ffff:10.9.9.9/104") == CIDRRange("10.0.0.0/8"))
    }

    // MARK: matching

    /// (NO_PROXY value, target host, target port, the entry expected to match or nil)
    static let matches: [(String, String, Int, String?)] = [
        // names and subdomains
        ("example.com", "example.com", 80, "example.com"),
        ("example.com", "www.example.com", 80, "example.com"),
        ("example.com", "a.b.example.com", 443, "example.com"),
        ("example.com", "notexample.com", 80, nil),
        ("example.com", "example.com.evil.net", 80, nil),
        ("example.com", "com", 80, nil),
        ("example.com", "xample.com", 80, nil),
        (".example.com", "example.com", 80, ".example.com"),
        (".example.com", "sub.example.com", 80, ".example.com"),
        (".example.com", "notexample.com", 80, nil),
        ("*.example.com", "example.com", 80, "*.example.com"),
        ("*.example.com", "x.example.com", 80, "*.example.com"),
        ("EXAMPLE.Com", "www.Example.COM", 80, "EXAMPLE.Com"),
        ("example.com.", "example.com", 80, "example.com."),
        ("example.com", "www.example.com.", 80, "example.com"),
        ("internal_host", "INTERNAL_HOST", 80, "internal_host"),
        ("localhost", "localhost", 80, "localhost"),
        ("localhost", "127.0.0.1", 80, nil),
        ("127.0.0.1", "localhost", 80, nil),
        ("1.2.3.4", "1.2.3.4.nip.io", 80, nil),
        ("a.example.com,example.com", "a.example.com", 80, "a.example.com"),
        ("example.com,a.example.com", "a.example.com", 80, "example.com"),
        // ports
        ("example.com:8080", "example.com", 8080, "example.com:8080"),
        ("example.com:8080", "example.com", 80, nil),
        ("example.com:8080", "www.example.com", 8080, "example.com:8080"),
        (".example.com:443", "api.example.com", 443, ".example.com:443"),
        ("10.0.0.1:8080", "10.0.0.1", 8080, "10.0.0.1:8080"),
        ("10.0.0.1:8080", "10.0.0.1", 8081, nil),
        ("[::1]:8080", "::1", 8080, "[::1]:8080"),
        ("[::1]:8080", "::1", 80, nil),
        ("[2001:db8::1]:443", "2001:DB8:0::1", 443, "[2001:db8::1]:443"),
        // addresses, compared by value
        ("10.0.0.1", "10.0.0.1", 80, "10.0.0.1"),
        ("10.0.0.1", "10.0.0.10", 80, nil),
        ("::1", "::1", 80, "::1"),
        ("::1", "0:0:0:0:0:0:0:1", 80, "::1"),
        ("::1", "[::1]", 80, "::1"),
        ("0:0:0:0:0:0:0:1", "::1", 80, "0:0:0:0:0:0:0:1"),
        ("[::1]", "::1", 80, "[::1]"),
        ("2001:db8::1", "2001:0DB8:0000:0000:0000:0000:0000:0001", 80, "2001:db8::1"),
        ("::ffff:10.0.0.1", "10.0.0.1", 80, "::ffff:10.0.0.1"),
        ("10.0.0.1", "::ffff:10.0.0.1", 80, "10.0.0.1"),
        ("10.0.0.1", "::ffff:a00:1", 80, "10.0.0.1"),
        // ranges
        ("10.0.0.0/8", "10.20.30.40", 80, "10.0.0.0/8"),
        ("10.0.0.0/8", "11.0.0.1", 80, nil),
        ("10.0.0.0/8", "ten.example", 80, nil),
        ("0.0.0.0/0", "203.0.113.9", 80, "0.0.0.0/0"),
        ("0.0.0.0/0", "::1", 80, nil),
        ("0.0.0.0/0", "example.com", 80, nil),
        ("::/0", "2001:db8::1", 80, "::/0"),
        ("::/0", "10.0.0.1", 80, nil),
        ("fd00::/8", "fd12:3456::1", 80, "fd00::/8"),
        ("fd00::/8", "fe00::1", 80, nil),
        ("192.168.0.0/16", "::ffff:192.168.4.4", 80, "192.168.0.0/16"),
        ("10.1.2.3/8", "10.99.0.1", 80, "10.1.2.3/8"),
        ("10.0.0.0/8:8080", "10.1.1.1", 8080, "10.0.0.0/8:8080"),
        ("10.0.0.0/8:8080", "10.1.1.1", 80, nil),
        // wildcard, separators, empty entries
        ("*", "example.com", 80, "*"),
        ("*", "10.0.0.1", 8080, "*"),
        ("*", "::1", 443, "*"),
        ("foo.com,*", "bar.com", 80, "*"),
        (", ,example.com,,", "example.com", 80, "example.com"),
        ("foo.com bar.com\texample.com\n", "example.com", 80, "example.com"),
        ("foo.com bar.com\texample.com\n", "bar.com", 80, "bar.com"),
        ("foo.com, 10.0.0.0/8 ,[::1]:8080", "10.1.1.1", 80, "10.0.0.0/8"),
        ("foo.com, 10.0.0.0/8 ,[::1]:8080", "::1", 8080, "[::1]:8080"),
        ("  foo.com  ,\r\n", "foo.com", 80, "foo.com"),
        ("", "example.com", 80, nil),
        (" , ,, ", "example.com", 80, nil),
        ("10.0.0, example.com", "example.com", 80, "example.com"),
    ]

    @Test(arguments: matches.indices)
    func matching(row: Int) {
        let (list, host, port, expected) = Self.matches[row]
        let entry = NoProxyMatcher(list).match(host: host, port: port)
        #expect(entry?.text == expected, "NO_PROXY=\(list.debugDescription) target \(host):\(port)")
    }

    /// Entries that fit no form: they match nothing and are reported.
    static let invalidEntries = [
        "10.0.0", "192.168.*", "host:0", "host:65536", "host:abc", "host:", "host:-1", "host:123456",
        "10.0.0.0/33", "::/129", "fe80::1%eth0", "exa$mple.com", "ex%61mple.com", "[10.0.0.1]", "[::1", "[::1]x",
        "[::1]:", "[::1]:0", "..", "a..b", "*.", "*x.com", ".", "*:80", "**", "10.0.0.0/8:0", "über.example",
        "[example.com]", "1.2.3.4.5",
    ]

    @Test(arguments: invalidEntries)
    func invalidEntriesMatchNothingAndAreReported(entry: String) {
        let matcher = NoProxyMatcher("good.example, \(entry)")
        #expect(matcher.invalidEntries == [entry])
        #expect(matcher.entries.map(\.text) == ["good.example"])
        for host in ["example.com", "10.0.0.1", "::1", "host", "a.b", "über.example", "1.2.3.4.5"] {
            #expect(matcher.match(host: host, port: 80) == nil, "\(entry) vs \(host)")
        }
    }

    @Test func emptyListsHaveNoEntries() {
        #expect(NoProxyMatcher("").isEmpty)
        #expect(NoProxyMatcher(" ,\t,, \n").isEmpty)
        #expect(NoProxyMatcher(" ,\t,, \n").invalidEntries.isEmpty)
        #expect(!NoProxyMatcher("a").isEmpty)
    }

    /// Loopback by convention: names `localhost` and `*.localhost`, 127.0.0.0/8, `::1`.
    static let loopback: [(String, Bool)] = [
        ("localhost", true), ("LOCALHOST", true), ("localhost.", true), ("a.localhost", true),
        ("x.y.LocalHost", true), ("localhost.example.com", false), ("notlocalhost", false), ("mylocalhost", false),
        ("localhostx", false), ("127.0.0.1", true), ("127.1.2.3", true), ("127.255.255.255", true),
        ("128.0.0.1", false), ("126.255.255.255", false), ("::1", true), ("[::1]", true), ("0:0::1", true),
        ("0:0:0:0:0:0:0:1", true), ("::ffff:127.0.0.1", true), ("::2", false), ("::", false), ("0.0.0.0", false),
        ("10.0.0.1", false), ("example.com", false),
    ]

    @Test(arguments: loopback)
    func loopbackTargets(host: String, expected: Bool) {
        #expect(NoProxyMatcher.TargetHost(host).isLoopback == expected, "\(host)")
    }
}
