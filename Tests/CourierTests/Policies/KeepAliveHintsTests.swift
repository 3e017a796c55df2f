import Testing

@testable import Courier

@Suite struct KeepAliveHintsTests {
    @Test(arguments: [
        (["timeout=5, max=100"], KeepAliveHints(timeoutSeconds: 5, maxRequests: 100)),
        (["Timeout = 5 ,MAX= 3"], KeepAliveHints(timeoutSeconds: 5, maxRequests: 3)),
        (["timeout=\"15\""], KeepAliveHints(timeoutSeconds: 15)),
        (["max=0"], KeepAliveHints(maxRequests: 0)),
        (["timeout=5", "max=2"], KeepAliveHints(timeoutSeconds: 5, maxRequests: 2)),
        (["foo=bar, timeout=7, baz"], KeepAliveHints(timeoutSeconds: 7)),
        (["timeout=-1, max=abc"], KeepAliveHints()),
        (["timeout=1.5, max=2x"], KeepAliveHints()),
        (["timeout=, max="], KeepAliveHints()),
        (["timeout=99999999999999999999"], KeepAliveHints(timeoutSeconds: 999_999_999)),
        (["timeout=3, timeout=9"], KeepAliveHints(timeoutSeconds: 3)),
        (["timeout=abc, timeout=4"], KeepAliveHints(timeoutSeconds: 4)),
        ([""], KeepAliveHints()),
        (["==,,=,timeout"], KeepAliveHints()),
        ([], KeepAliveHints()),
    ])
    func parsing(values: [String], expected: KeepAliveHints) {
        #expect(KeepAliveHints(headerValues: values) == expected)
    }

    @Test func idleTimeoutKeepsAMarginBelowTheServers() {
        let pool = Duration.seconds(60)
        #expect(KeepAliveHints().idleTimeout(poolIdleTimeout: pool) == .seconds(60))
        #expect(KeepAliveHints(timeoutSeconds: 1).idleTimeout(poolIdleTimeout: pool) == .milliseconds(750))
        #expect(KeepAliveHints(timeoutSeconds: 2).idleTimeout(poolIdleTimeout: pool) == .milliseconds(1500))
        #expect(KeepAliveHints(timeoutSeconds: 5).idleTimeout(poolIdleTimeout: pool) == .seconds(4))
        #expect(KeepAliveHints(timeoutSeconds: 0).idleTimeout(poolIdleTimeout: pool) == .zero)
        #expect(KeepAliveHints(timeoutSeconds: 600).idleTimeout(poolIdleTimeout: pool) == .seconds(60))
        #expect(KeepAliveHints(timeoutSeconds: 600).idleTimeout(poolIdleTimeout: .seconds(900)) == .seconds(599))
    }
}
