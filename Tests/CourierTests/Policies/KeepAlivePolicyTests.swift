import Testing

@testable import Courier

@Suite struct KeepAlivePolicyTests {
    typealias Exchange = KeepAlivePolicy.Exchange
    static let none = ConnectionTokens.none
    static let close = ConnectionTokens(close: true, keepAlive: false)
    static let keepAlive = ConnectionTokens(close: false, keepAlive: true)

    /// (request version, request tokens, response version, response tokens, framing, reusable) — RFC 9112 §9.3.
    static let table: [((Int, Int), ConnectionTokens, (Int, Int), ConnectionTokens, ResponseFraming, Bool)] = [
        ((1, 1), none, (1, 1), none, .contentLength(10), true),
        ((1, 1), none, (1, 1), none, .chunked, true),
        ((1, 1), none, (1, 1), none, .noBody, true),
        ((1, 1), none, (1, 1), none, .untilClose, false),
        ((1, 1), close, (1, 1), none, .contentLength(10), false),
        ((1, 1), none, (1, 1), close, .contentLength(10), false),
        ((1, 1), close, (1, 1), close, .chunked, false),
        ((1, 1), keepAlive, (1, 1), keepAlive, .chunked, true),
        ((1, 1), none, (1, 1), keepAlive, .noBody, true),
        ((1, 1), none, (1, 0), none, .contentLength(10), false),
        ((1, 1), none, (1, 0), keepAlive, .contentLength(10), true),
        ((1, 1), none, (1, 0), keepAlive, .untilClose, false),
        ((1, 1), none, (1, 0), close, .contentLength(10), false),
        ((1, 1), close, (1, 0), keepAlive, .contentLength(10), false),
        ((1, 0), none, (1, 1), none, .contentLength(10), false),
        ((1, 0), keepAlive, (1, 1), none, .contentLength(10), true),
        ((1, 0), keepAlive, (1, 0), keepAlive, .chunked, true),
        ((1, 0), keepAlive, (1, 0), none, .chunked, false),
        ((1, 0), none, (1, 0), keepAlive, .contentLength(1), false),
        ((1, 0), keepAlive, (1, 0), keepAlive, .untilClose, false),
    ]

    @Test("decision table", arguments: table.indices)
    func decisionTable(row: Int) {
        let (requestVersion, requestTokens, responseVersion, responseTokens, framing, expected) = Self.table[row]
        let exchange = Exchange(
            requestVersion: requestVersion, requestConnection: requestTokens, responseVersion: responseVersion,
            responseConnection: responseTokens, framing: framing)
        #expect(KeepAlivePolicy.isReusable(after: exchange) == expected, "row \(row)")
    }

    @Test func everyCombinationObeysTheRules() {
        let versions = [(1, 0), (1, 1)]
        let tokens = [Self.none, Self.close, Self.keepAlive, ConnectionTokens(close: true, keepAlive: true)]
        let framings: [ResponseFraming] = [.noBody, .contentLength(0), .contentLength(5), .chunked, .untilClose]
        var reusableCount = 0
        for requestVersion in versions {
            for responseVersion in versions {
                for requestTokens in tokens {
                    for responseTokens in tokens {
                        for framing in framings {
                            for flags in 0..<8 {
                                var exchange = Exchange(
                                    requestVersion: requestVersion, requestConnection: requestTokens,
                                    responseVersion: responseVersion, responseConnection: responseTokens,
                                    framing: framing)
                                exchange.requestComplete = flags & 1 == 0
                                exchange.responseComplete = flags & 2 == 0
                                exchange.protocolError = flags & 4 != 0
                                let reusable = KeepAlivePolicy.isReusable(after: exchange)
                                if reusable { reusableCount += 1 }
                                if requestTokens.close || responseTokens.close { #expect(!reusable) }
                                if framing == .untilClose { #expect(!reusable) }
                                if flags != 0 { #expect(!reusable) }
                                if requestVersion == (1, 0), !requestTokens.keepAlive { #expect(!reusable) }
                                if responseVersion == (1, 0), !responseTokens.keepAlive { #expect(!reusable) }
                                let allows11 =
                                    requestVersion == (1, 1) && responseVersion == (1, 1) && !requestTokens.close
                                    && !responseTokens.close && framing != .untilClose && flags == 0
                                if allows11 { #expect(reusable) }
                            }
                        }
                    }
                }
            }
        }
        #expect(reusableCount > 0)
    }

    @Test func connectionHeaderTokensAreParsedCaseInsensitivelyAcrossValues() {
        #expect(ConnectionTokens(headerValues: ["Keep-Alive"]) == Self.keepAlive)
        #expect(ConnectionTokens(headerValues: [" upgrade ,  CLOSE"]) == Self.close)
        #expect(ConnectionTokens(headerValues: ["te", "keep-alive"]) == Self.keepAlive)
        #expect(ConnectionTokens(headerValues: ["closed", "keepalive"]) == Self.none)
        #expect(ConnectionTokens(headerValues: []) == Self.none)
    }
}
