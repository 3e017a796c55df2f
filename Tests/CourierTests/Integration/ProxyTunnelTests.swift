import Courier
import CourierTestServer
import Foundation
import NIOCore
import Testing

@testable import Courier

extension Network {
    /// https through an HTTP proxy: a CONNECT tunnel per (proxy, target), TLS to the origin inside it.
    @Suite struct ProxyTunnel {
        static func client(_ proxy: ProxySetting, trusting ca: TestPKI.Issued) -> Client {
            var configuration = Configuration(pool: .init(maxConnectionsPerHost: 2, maxConnections: .limit(8)), proxy: proxy)
            configuration.tls.additionalTrustRoots = [.bytes(ca.certificateBytes)]
            // Tunnelled targets are never resolved here (the proxy does that); nothing else may resolve either.
            configuration.resolverFactory = { eventLoop in StaticResolver(eventLoop: eventLoop, addresses: []) }
            return Client(configuration: configuration)
        }

        @Test func httpsGoesThroughOneTunnelWithProxyCredentialsForTheProxyOnly() async throws {
            let pki = try TestPKI()
            let origin = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server()))
            let proxy = try await ConnectProxy.start()
            let client = Self.client(.url("http://carol:tunnel%20pw@127.0.0.1:\(proxy.port)", proxyLoopback: true), trusting: pki.ca)
            for index in 0..<5 {
                let response = try await client.send(
                    try Fixture.post(origin.url("/tunnel/\(index)", host: "courier.test"), .string("secret \(index)")),
                    maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            let heads = proxy.receivedHeads
            #expect(heads.count == 1)
            let credentials = "Basic " + Data("carol:tunnel pw".utf8).base64EncodedString()
            #expect(heads.first?.hasPrefix("CONNECT courier.test:\(origin.port) HTTP/1.1\r\n") == true)
            #expect(heads.first?.contains("\r\nHost: courier.test:\(origin.port)") == true)
            #expect(heads.first?.contains("\r\nProxy-Authorization: \(credentials)") == true)
            // Inside the tunnel: origin-form targets, and no proxy credentials.
            #expect(origin.requests.map(\.uri) == (0..<5).map { "/tunnel/\($0)" })
            #expect(origin.requests.allSatisfy { $0.header("Proxy-Authorization") == nil })
            #expect(origin.tlsHandshakes == 1)
            let origins = client.snapshot().origins.map { "\($0.origin)" }
            #expect(origins == ["https://courier.test:\(origin.port) via http://***@127.0.0.1:\(proxy.port)"])
            #expect(client.snapshot().origins.first?.origin.proxy == "http://***@127.0.0.1:\(proxy.port)")
            await client.shutdown()
            try await proxy.shutdown()
            try await origin.shutdown()
        }

        @Test func tunnelsCountAgainstTheirTargetsPerHostLimit() async throws {
            let pki = try TestPKI()
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 200
            let first = try await TestServer.start(behavior: behavior, tls: try TestPKI.serverContext(try pki.server()))
            let second = try await TestServer.start(behavior: behavior, tls: try TestPKI.serverContext(try pki.server()))
            let proxy = try await ConnectProxy.start()
            // Per-host limit 2, budget 8: six requests to each target in parallel.
            let client = Self.client(.url("http://127.0.0.1:\(proxy.port)", proxyLoopback: true), trusting: pki.ca)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<12 {
                    let server = index % 2 == 0 ? first : second
                    group.addTask {
                        let response = try await client.send(try Fixture.get(server.url("/\(index)", host: "courier.test")), maxBodyBytes: 64)
                        #expect(response.status == .ok)
                    }
                }
                try await group.waitForAll()
            }
            // Two tunnels per target, each its own pool origin; the proxy saw four CONNECTs.
            #expect(first.acceptedConnections == 2 && second.acceptedConnections == 2)
            #expect(proxy.receivedHeads.count == 4)
            #expect(client.snapshot().origins.map(\.open) == [2, 2])
            #expect(client.snapshot().budgetPeakInUse <= 4)
            await client.shutdown()
            try await proxy.shutdown()
            try await first.shutdown()
            try await second.shutdown()
        }

        @Test func aRefusedConnectNamesTheProxyAndItsStatusWithoutCredentials() async throws {
            let pki = try TestPKI()
            let proxy = try await ConnectProxy.start(refuseWith: 407)
            let client = Self.client(.url("http://dave:hunter2@127.0.0.1:\(proxy.port)", proxyLoopback: true), trusting: pki.ca)
            let error = await #expect(throws: CourierError.self) {
                _ = try await client.send(try Fixture.get("https://courier.test:8443/"), maxBodyBytes: 64)
            }
            #expect(error == .proxyTunnelRefused(proxy: "http://***@127.0.0.1:\(proxy.port)", status: 407, reason: "Proxy Authentication Required"))
            #expect(error.map { "\($0)".contains("hunter2") } == false)
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: proxy.port) == 0 })
            #expect(client.snapshot().budgetInUse == 0)
            await client.shutdown()
            try await proxy.shutdown()

            let forbidding = try await ConnectProxy.start(refuseWith: 403)
            let other = Self.client(.url("http://127.0.0.1:\(forbidding.port)", proxyLoopback: true), trusting: pki.ca)
            await #expect(throws: CourierError.proxyTunnelRefused(proxy: "http://127.0.0.1:\(forbidding.port)", status: 403, reason: "Forbidden")) {
                _ = try await other.send(try Fixture.get("https://courier.test:8443/"), maxBodyBytes: 64)
            }
            await other.shutdown()
            try await forbidding.shutdown()
        }

        @Test func anIPLiteralTargetIsCheckedAgainstItsOwnAddressNotTheProxys() async throws {
            let pki = try TestPKI()
            // The certificate lists 127.0.0.1, the proxy's address, not the target's (127.0.0.2).
            let origin = try await TestServer.start(host: "127.0.0.2", tls: try TestPKI.serverContext(try pki.server(dnsNames: [], ipAddresses: [[127, 0, 0, 1]])))
            let proxy = try await ConnectProxy.start()
            let client = Self.client(.url("http://127.0.0.1:\(proxy.port)", proxyLoopback: true), trusting: pki.ca)
            await #expect(throws: CourierError.tlsHostnameMismatch(host: "127.0.0.2", certificateNames: ["127.0.0.1"])) {
                _ = try await client.send(try Fixture.get(origin.url("/")), maxBodyBytes: 64)
            }
            #expect(proxy.receivedHeads.count == 1 && origin.requestCount == 0)
            await client.shutdown()

            let matching = try await TestServer.start(host: "127.0.0.2", tls: try TestPKI.serverContext(try pki.server(dnsNames: [], ipAddresses: [[127, 0, 0, 2]])))
            let good = Self.client(.url("http://127.0.0.1:\(proxy.port)", proxyLoopback: true), trusting: pki.ca)
            #expect(try await good.send(try Fixture.get(matching.url("/")), maxBodyBytes: 64).status == .ok)
            await good.shutdown()
            try await proxy.shutdown()
            try await origin.shutdown()
            try await matching.shutdown()
        }

        @Test func noProxyTargetsGoDirectOverTLS() async throws {
            let pki = try TestPKI()
            let origin = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server()))
            let proxy = try await ConnectProxy.start()
            var configuration = Configuration(proxy: .url("http://127.0.0.1:\(proxy.port)", noProxy: ["courier.test"], proxyLoopback: true))
            configuration.tls.additionalTrustRoots = [.bytes(pki.ca.certificateBytes)]
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: origin.port)
            configuration.resolverFactory = { eventLoop in StaticResolver(eventLoop: eventLoop, addresses: [address]) }
            let client = Client(configuration: configuration)
            #expect(try await client.send(try Fixture.get(origin.url("/direct", host: "courier.test")), maxBodyBytes: 64).status == .ok)
            #expect(proxy.receivedHeads.isEmpty)
            #expect(origin.requests.map(\.uri) == ["/direct"])
            await client.shutdown()
            try await proxy.shutdown()
            try await origin.shutdown()
        }
    }
}
