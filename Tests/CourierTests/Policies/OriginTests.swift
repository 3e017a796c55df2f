import Testing

@testable import Courier

/// `Origin` keeps the hash of its fields: it must follow every change of them.
@Suite struct OriginTests {
    @Test func equalityAndHashFollowEveryField() throws {
        let base = Origin(scheme: "HTTP", host: "Example.TEST", port: 80)
        #expect(base == Origin(scheme: "http", host: "example.test", port: 80))
        #expect(base.hashValue == Origin(scheme: "http", host: "example.test", port: 80).hashValue)
        let proxy = try ProxyServer.parse("http://user:secret@127.0.0.1:3128", source: "test")
        var changed = base
        for change in 0..<4 {
            changed = base
            switch change {
            case 0: changed.scheme = "https"
            case 1: changed.host = "other.test"
            case 2: changed.port = 8080
            default: changed.tunnelProxy = proxy
            }
            #expect(changed != base, "change \(change)")
            #expect(Set([base, changed]).count == 2, "change \(change)")
            // Equal to the origin built with the new fields from scratch: the stored hash was recomputed.
            let fresh = Origin(scheme: changed.scheme, host: changed.host, port: changed.port, tunnelProxy: changed.tunnelProxy)
            #expect(changed == fresh, "change \(change)")
            #expect(changed.hashValue == fresh.hashValue, "change \(change)")
        }
        // Changed back, it is the same key again.
        changed = base
        changed.host = "other.test"
        changed.host = "example.test"
        #expect(changed == base)
        #expect(changed.hashValue == base.hashValue)
        #expect([base: 1][changed] == 1)
    }
}
