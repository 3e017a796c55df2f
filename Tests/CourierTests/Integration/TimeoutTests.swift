import Courier
import CourierTestServer
import Foundation
import Testing

extension Network {
    /// Response-head timeout, the per-request deadline, TCP keep-alive probes, refused and silent connects.
    @Suite struct Timeouts {
        @Test func aServerThatNeverAnswersHitsTheResponseHeadTimeoutOnTimeAndTheConnectionCloses() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 10_000
            let server = try await TestServer.start(behavior: behavior)
            // Its own budget, so that budgetInUse counts this client's sockets only.
            let client = Fixture.client {
                $0.timeouts.responseHead = .milliseconds(500)
                $0.pool.maxConnections = .limit(8)
            }
            let started = ContinuousClock.now
            await #expect(throws: CourierError.responseHeadTimeout(timeout: .milliseconds(500))) {
                _ = try await client.send(try Fixture.post(server.url("/slow"), .bytes([UInt8](repeating: 1, count: 100_000))), maxBodyBytes: 64)
            }
            let elapsed = ContinuousClock.now - started
            print("response-head timeout after \(elapsed)")
            #expect(elapsed >= .milliseconds(500) && elapsed < .milliseconds(1_500))
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            #expect(await Fixture.eventually { client.snapshot().budgetInUse == 0 })
            // Not retried: the server may have acted on it.
            #expect(server.requests.count == 1 && client.statistics.retries == 0)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func theResponseHeadTimerStartsOnlyOnceTheBodyIsSent() async throws {
            // The server reads nothing of the body for 1.5 s; a 1 s head timeout must not count that time.
            var behavior = TestServerBehavior()
            behavior.pauseReadingBodyMilliseconds = 1_500
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client { $0.timeouts.responseHead = .seconds(1) }
            let file = try Fixture.sparseFile(size: 32 << 20)
            let response = try await client.send(try Fixture.post(server.url("/"), .file(file)), maxBodyBytes: 64)
            #expect(response.status == .ok)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func theDeadlineCoversQueueingSendingAndTheBody() async throws {
            var behavior = TestServerBehavior()
            behavior.pauseMidBodyMilliseconds = 3_000
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client(perHost: 1)
            // The body stalls for 3 s mid-way: the 700 ms deadline ends it.
            var request = try Fixture.get(server.url("/bytes/100000"))
            request.timeout = .milliseconds(700)
            let started = ContinuousClock.now
            await #expect(throws: CourierError.deadlineExceeded(timeout: .milliseconds(700))) {
                _ = try await client.send(request, maxBodyBytes: 1 << 20)
            }
            #expect(ContinuousClock.now - started < .milliseconds(1_500))
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })

            // Waiting for a connection counts too: one slow request holds the only connection.
            let slow = Task { try await client.send(try Fixture.get(server.url("/bytes/100000")), maxBodyBytes: 1 << 20) }
            #expect(await Fixture.eventually { server.requests.count == 2 })
            var queued = try Fixture.get(server.url("/"))
            queued.timeout = .milliseconds(300)
            let queuedAt = ContinuousClock.now
            await #expect(throws: CourierError.deadlineExceeded(timeout: .milliseconds(300))) {
                _ = try await client.send(queued, maxBodyBytes: 64)
            }
            #expect(ContinuousClock.now - queuedAt < .seconds(1))
            #expect(server.requests.count == 2)
            _ = try await slow.value
            // A request that ends in time is not affected.
            var quick = try Fixture.get(server.url("/"))
            quick.timeout = .seconds(5)
            #expect(try await client.send(quick, maxBodyBytes: 64).status == .ok)
            // Timeouts too long for NIO's nanosecond clock saturate (one used to trap when the fraction carried the
            // sum past Int64: 9,223,372,036.9 s).
            for huge in [Duration.seconds(9_223_372_036) + .milliseconds(900), .seconds(Int64.max)] {
                var long = try Fixture.get(server.url("/"))
                long.timeout = huge
                #expect(try await client.send(long, maxBodyBytes: 64).status == .ok)
            }
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func keepAliveProbesAreArmedOnEveryConnectionUnlessTurnedOff() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client { $0.tcpKeepAlive = .init(idle: .seconds(7), interval: .seconds(3), count: 2) }
            _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 64)
            // An idle connection with SO_KEEPALIVE has the keep-alive timer (2) running, due in at most 7 s.
            let entries = SocketCensus.clientEntries(toPort: server.port)
            #expect(entries.count == 1)
            #expect(entries.first?.timer == 2)
            #expect((entries.first?.timerTicks ?? 0) > 500 && (entries.first?.timerTicks ?? 0) <= 700)
            await client.shutdown()

            let plain = Fixture.client { $0.tcpKeepAlive = nil }
            _ = try await plain.send(try Fixture.get(server.url("/")), maxBodyBytes: 64)
            #expect(SocketCensus.clientEntries(toPort: server.port).map(\.timer) == [0])
            await plain.shutdown()
            try await server.shutdown()
        }

        @Test func aClosedPortIsRefusedAtOnceAndASilentOneTimesOut() async throws {
            let closed = try await TestServer.start()
            let port = closed.port
            try await closed.shutdown()
            let client = Fixture.client {
                $0.timeouts.connect = .milliseconds(800)
                $0.pool.maxConnections = .limit(8)
            }
            let started = ContinuousClock.now
            await #expect(throws: CourierError.connectionRefused(host: "127.0.0.1", port: port)) {
                _ = try await client.send(try Fixture.get("http://127.0.0.1:\(port)/"), maxBodyBytes: 64)
            }
            #expect(ContinuousClock.now - started < .milliseconds(200))

            let silent = try Blackhole()
            let silentStarted = ContinuousClock.now
            await #expect(throws: CourierError.connectTimeout(host: "127.0.0.1", port: silent.port, timeout: .milliseconds(800))) {
                _ = try await client.send(try Fixture.get("http://127.0.0.1:\(silent.port)/"), maxBodyBytes: 64)
            }
            let waited = ContinuousClock.now - silentStarted
            #expect(waited >= .milliseconds(780) && waited < .milliseconds(1_800))
            #expect(await Fixture.eventually { client.snapshot().budgetInUse == 0 })
            await client.shutdown()
            withExtendedLifetime(silent) {}
        }
    }
}
