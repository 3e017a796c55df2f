import Testing

@testable import Courier

/// The CONNECT request and the strict reading of a proxy's answer.
@Suite struct ConnectExchangeTests {
    @Test func theRequestNamesTheTargetAndCarriesCredentialsOnlyWhenConfigured() throws {
        let plain = try ProxyServer.parse("http://127.0.0.1:3128", source: "test")
        #expect(ConnectExchange.request(host: "example.com", port: 443, proxy: plain)
            == "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nUser-Agent: courier/0.1\r\n\r\n")
        #expect(ConnectExchange.request(host: "::1", port: 8443, proxy: plain).hasPrefix("CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n"))
        let withCredentials = try ProxyServer.parse("http://user:p%40ss@proxy.test:8080", source: "test")
        #expect(ConnectExchange.request(host: "example.com", port: 443, proxy: withCredentials)
            .contains("\r\nProxy-Authorization: Basic dXNlcjpwQHNz\r\n\r\n"))
    }

    @Test(arguments: [
        ("", ConnectExchange.Reading.needMore),
        ("HTTP/1.1 200 Conn", .needMore),
        ("HTT", .needMore),
        ("HTTP/1.1 200 Connection established\r\n\r\n", .established(leftover: 0)),
        ("HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n", .established(leftover: 0)),
        ("HTTP/1.1 200 OK\n\n", .established(leftover: 0)),
        ("HTTP/1.1 204\r\n\r\n", .established(leftover: 0)),
        ("HTTP/1.1 200 OK\r\n\r\n\u{16}\u{3}\u{1}", .established(leftover: 3)),
        ("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n", .refused(status: 407, reason: "Proxy Authentication Required")),
        ("HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!", .refused(status: 403, reason: "Forbidden")),
        ("HTTP/1.1 502\r\n\r\n", .refused(status: 502, reason: "")),
        ("SSH-2.0-OpenSSH\r\n", .malformed("its answer does not start with an HTTP status line")),
        ("HTTP/2 200 OK\r\n\r\n", .malformed("its answer has a malformed status line: 'HTTP/2 200 OK'")),
        ("HTTP/1.1 2000 OK\r\n\r\n", .malformed("its answer has a malformed status line: 'HTTP/1.1 2000 OK'")),
        ("HTTP/1.1 +20 OK\r\n\r\n", .malformed("its answer has a malformed status line: 'HTTP/1.1 +20 OK'")),
        ("HTTP/1.1 099 Low\r\n\r\n", .malformed("its answer has a malformed status line: 'HTTP/1.1 099 Low'")),
    ])
    func answersAreReadStrictly(text: String, expected: ConnectExchange.Reading) {
        #expect(ConnectExchange.read(Array(text.utf8)) == expected, "\(text.debugDescription)")
    }

    @Test func anEndlessHeadIsRefusedOnceOverTheLimit() {
        let head = Array("HTTP/1.1 200 OK\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: ConnectExchange.maxHeadBytes)
        #expect(ConnectExchange.read(head) == .malformed("its answer's head is larger than 65536 bytes"))
    }
}
