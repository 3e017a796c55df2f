import Foundation
import Testing

@testable import Courier

/// The client parses a URL once and reuses the result while requests go to that same URL.
@Suite struct TargetCacheTests {
    static func same(_ a: RequestTarget, _ b: RequestTarget) -> Bool {
        a.origin == b.origin && a.pathAndQuery == b.pathAndQuery && a.hostHeader == b.hostHeader
            && a.basicAuthorization == b.basicAuthorization && a.redactedURL == b.redactedURL
    }

    @Test func alternatingURLsEachGetTheirOwnTarget() async throws {
        let client = Client()
        let urls = [
            URL(string: "http://example.com/a")!, URL(string: "http://user:pw@example.com:8080/b?q=1")!,
            URL(string: "http://example.com/a")!, URL(string: "http://[::1]:9000/x")!, URL(string: "http://example.com/a?")!,
        ]
        for url in urls + urls {
            #expect(Self.same(try client.target(of: url), try RequestTarget.parse(url)))
        }
        #expect(throws: CourierError.self) { try client.target(of: URL(string: "ftp://example.com/")!) }
        #expect(Self.same(try client.target(of: urls[0]), try RequestTarget.parse(urls[0])))
        await client.shutdown()
    }
}
