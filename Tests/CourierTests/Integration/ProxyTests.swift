import Courier
import CourierTestServer
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Courier

extension Network {
    /// Plain-http requests through an HTTP proxy. The "proxy" is the test server, which records what it is sent
    /// (absolute-form targets, `Proxy-Authorization`) and answers itself.
    @Suite struct Proxy {
        static func client(_ proxy: ProxySetting, addresses: [SocketAddress] = []) -> Client {
            var configuration = Configuration(pool: .init(maxConnectionsPerHost: 4), proxy: proxy)
            // Names of origins behind the proxy are never resolved; direct ones resolve to `addresses`.
            configuration.resolverFactory = { eventLoop in StaticResolver(eventLoop: eventLoop, addresses: addresses) }
            return Client(configuration: configuration)
        }

        @Test func requestsGoInAbsoluteFormWithProxyAuthorizationAndShareProxyConnections() async throws {
            let proxy = try await TestServer.start()
            let client = Self.client(.url("http://alice:pr%40xy-pw@127.0.0.1:\(proxy.port)", proxyLoopback: true))
            for url in ["http://origin-one.test/path?q=1", "http://origin-two.test:8080/other", "http://127.0.0.1:9/loop"] {
                let response = try await client.send(
                    try Request(method: "POST", url: url, headers: [("Authorization", "Bearer origin-token")], body: .string("payload")),
                    maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            let received = proxy.requests
            #expect(received.map(\.uri) == ["http://origin-one.test/path?q=1", "http://origin-two.test:8080/other", "http://127.0.0.1:9/loop"])
            #expect(received.map { $0.header("Host") } == ["origin-one.test", "origin-two.test:8080", "127.0.0.1:9"])
            let expected = "Basic " + Data("alice:pr@xy-pw".utf8).base64EncodedString()
            #expect(received.allSatisfy { $0.header("Proxy-Authorization") == expected })
            #expect(received.allSatisfy { $0.header("Authorization") == "Bearer origin-token" && $0.bodyLength == 7 })
            // Three origins, one connection to the proxy, counted against the proxy's per-host limit.
            #expect(proxy.acceptedConnections == 1)
            let origins = client.snapshot().origins.map { "\($0.origin)" }
            #expect(origins == ["http://127.0.0.1:\(proxy.port)"])
            await client.shutdown()
            try await proxy.shutdown()
        }

        @Test func loopbackAndNoProxyTargetsGoDirectWithoutProxyCredentials() async throws {
            let proxy = try await TestServer.start()
            let origin = try await TestServer.start()
            let client = Self.client(
                .url("http://bob:secret-pw@127.0.0.1:\(proxy.port)", noProxy: ["direct.test"]),
                addresses: [try SocketAddress(ipAddress: "127.0.0.1", port: origin.port)])
            // Loopback bypasses the proxy by default; a NO_PROXY name goes direct too.
            _ = try await client.send(try Fixture.get(origin.url("/loopback")), maxBodyBytes: 64)
            _ = try await client.send(try Fixture.get("http://direct.test:\(origin.port)/listed"), maxBodyBytes: 64)
            _ = try await client.send(try Fixture.get("http://sub.direct.test:\(origin.port)/subdomain"), maxBodyBytes: 64)
            #expect(proxy.requests.isEmpty)
            #expect(origin.requests.map(\.uri) == ["/loopback", "/listed", "/subdomain"])
            #expect(origin.requests.allSatisfy { $0.header("Proxy-Authorization") == nil })
            await client.shutdown()
            try await proxy.shutdown()
            try await origin.shutdown()
        }

        @Test func anUnusableProxyFailsTheRequestNamingWhyWithoutCredentials() async throws {
            let client = Self.client(.url("socks5://carol:do-not-show@127.0.0.1:1080", proxyLoopback: true))
            do {
                _ = try await client.send(try Fixture.get("http://somewhere.test/"), maxBodyBytes: 64)
                Issue.record("expected invalidProxy")
            } catch let error as CourierError {
                guard case .invalidProxy(let reason) = error else {
                    Issue.record("expected invalidProxy, got \(error)")
                    return
                }
                #expect(reason.contains("socks5"))
                #expect(reason.contains("ProxySetting.url"))
                #expect(!"\(error)".contains("do-not-show") && !"\(error)".contains("carol"))
            }
            let disabled = Self.client(.none)
            let origin = try await TestServer.start()
            _ = try await disabled.send(try Fixture.get(origin.url("/")), maxBodyBytes: 64)
            #expect(origin.requests.count == 1)
            await client.shutdown()
            await disabled.shutdown()
            try await origin.shutdown()
        }
    }
}
