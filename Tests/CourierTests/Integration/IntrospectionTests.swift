import CourierTestServer
import Foundation
import MetricsTestKit
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import Courier

extension Network {
    /// snapshot() and the metrics agree with what the servers observed.
    @Suite struct Introspection {
        @Test func snapshotAndMetricsAgreeWithTheServers() async throws {
            var closing = TestServerBehavior()
            closing.closeAfterRequests = 5
            let steady = try await TestServer.start()
            let rotating = try await TestServer.start(behavior: closing)
            let metrics = TestMetrics()
            var configuration = Configuration(pool: .init(maxConnectionsPerHost: 3, maxConnections: .limit(10)))
            configuration.metricsFactory = metrics
            let client = Client(configuration: configuration)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<6 {
                    let server = task % 2 == 0 ? steady : rotating
                    group.addTask {
                        for _ in 0..<40 {
                            _ = try await client.send(try Fixture.post(server.url("/"), .string("x")), maxBodyBytes: 16)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(await Fixture.eventually { client.snapshot().origins.allSatisfy { $0.closing == 0 && $0.connecting == 0 } })
            let snapshot = client.snapshot()
            let accepted = steady.acceptedConnections + rotating.acceptedConnections
            print("snapshot: opened \(snapshot.connectionsOpened), closed \(snapshot.connectionsClosed), requests \(snapshot.requests); servers accepted \(accepted)")
            #expect(snapshot.connectionsOpened == accepted)
            #expect(snapshot.requests == steady.requests.count + rotating.requests.count)
            #expect(snapshot.requests == 240)
            #expect(snapshot.budgetLimit == 10)
            #expect(snapshot.connectionsClosed["connection_close"] == rotating.connections.filter(\.closed).count)

            let steadyEntry = try #require(snapshot.origins.first { $0.origin.port == steady.port })
            #expect(steadyEntry.idle == SocketCensus.clientSockets(toPort: steady.port))
            #expect(steadyEntry.waiting == 0 && steadyEntry.leased == 0)
            #expect(steadyEntry.connections.map(\.requestsServed).reduce(0, +) == 120)
            for connection in steadyEntry.connections {
                #expect(connection.state == .idle)
                #expect(connection.remoteAddress == "127.0.0.1:\(steady.port)")
                #expect(connection.localAddress?.hasPrefix("127.0.0.1:") == true)
                #expect(connection.age != nil && connection.idleTime != nil)
            }

            #expect(try metrics.expectCounter("courier_connections_opened_total").totalValue == Int64(accepted))
            #expect(try metrics.expectCounter("courier_requests_total").totalValue == 240)
            #expect(try metrics.expectCounter("courier_connections_closed_total", [("reason", "connection_close")]).totalValue
                == Int64(snapshot.connectionsClosed["connection_close"] ?? 0))
            #expect(try metrics.expectGauge("courier_connections", [("state", "idle")]).lastValue == Double(steadyEntry.idle + (snapshot.origins.first { $0.origin.port == rotating.port }?.idle ?? 0)))
            #expect(try metrics.expectTimer("courier_queue_wait_seconds").values.count == 240)

            await client.shutdown()
            let after = client.snapshot()
            #expect(after.origins.isEmpty)
            #expect(after.connectionsClosed.values.reduce(0, +) == after.connectionsOpened)
            #expect(try metrics.expectGauge("courier_connections", [("state", "open")]).lastValue == 0)
            #expect(SocketCensus.clientSockets(toPort: steady.port) + SocketCensus.clientSockets(toPort: rotating.port) == 0)
            try await steady.shutdown()
            try await rotating.shutdown()
        }

        @Test func idleTimeoutsAndServerClosesAreCountedByReason() async throws {
            var behavior = TestServerBehavior()
            behavior.idleCloseAfterMilliseconds = 100
            let dropping = try await TestServer.start(behavior: behavior)
            let steady = try await TestServer.start()
            let client = Fixture.client { $0.pool.idleTimeout = .milliseconds(150) }
            _ = try await client.send(try Fixture.get(dropping.url("/")), maxBodyBytes: 16)
            _ = try await client.send(try Fixture.get(steady.url("/")), maxBodyBytes: 16)
            #expect(await Fixture.eventually { client.snapshot().connectionsClosed.values.reduce(0, +) == 2 })
            let closed = client.snapshot().connectionsClosed
            #expect(closed["server_closed"] == 1)
            #expect(closed["idle_timeout"] == 1)
            await client.shutdown()
            try await dropping.shutdown()
            try await steady.shutdown()
        }
    
        @Test func closesAreCountedByTheirReason() async throws {
            var countdown = TestServerBehavior()
            countdown.keepAliveMaxCountdown = 2
            let counting = try await TestServer.start(behavior: countdown)
            var early = TestServerBehavior()
            early.answerEarlyStatus = 413
            let refusing = try await TestServer.start(behavior: early)
            let plain = try await TestServer.start()
            let client = Fixture.client()
            for _ in 0..<2 { _ = try await client.send(try Fixture.get(counting.url("/")), maxBodyBytes: 16) }
            let file = try Fixture.sparseFile(size: 16 << 20)
            _ = try await client.execute(try Fixture.post(refusing.url("/"), .file(file))) { $0.status }
            _ = try await client.execute(try Fixture.get(plain.url("/bytes/10485760"))) { $0.status }
            #expect(await Fixture.eventually { client.snapshot().connectionsClosed.values.reduce(0, +) == 3 })
            let reasons = client.snapshot().connectionsClosed
            print("close reasons: \(reasons)")
            #expect(reasons["keep_alive_max"] == 1)
            #expect(reasons["request_incomplete"] == 1)
            #expect(reasons["unread_body"] == 1)
            await client.shutdown()
            for server in [counting, refusing, plain] { try await server.shutdown() }
        }

        @Test func timingsReportEachPhase() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 150
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            let seen = NIOLockedValueBox<[RequestTimings]>([])
            for _ in 0..<2 {
                var request = try Fixture.post(server.url("/"), .string("timed"))
                request.onTimings = { timings in seen.withLockedValue { $0.append(timings) } }
                _ = try await client.send(request, maxBodyBytes: 16)
            }
            let timings = seen.withLockedValue { $0 }
            #expect(timings.count == 2)
            #expect(timings[0].reused == false && timings[0].connect != nil)
            #expect(timings[1].reused == true && timings[1].connect == nil)
            for timing in timings {
                let sent = try #require(timing.requestSent)
                #expect(sent < timing.firstResponseByte)
                #expect(timing.firstResponseByte >= .milliseconds(150))
                #expect(timing.queueWait >= (timing.connect ?? .zero))
            }
            await client.shutdown()
            try await server.shutdown()
        }
}
}
