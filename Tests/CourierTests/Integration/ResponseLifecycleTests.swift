import Courier
import CourierTestServer
import Foundation
import HTTPTypes
import NIOCore
import Testing

extension Network {
    /// Done-when 5 and the body rules: drain or close unread remainders, cancellation, HEAD/204/304, 1xx.
    @Suite(.timeLimit(.minutes(2))) struct ResponseLifecycle {
        @Test func aSmallUnreadRemainderIsDrainedAndTheConnectionReused() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            // 200 KiB is under the default 256 KiB drain limit; the closure never touches the body.
            for _ in 0..<1_000 {
                let status = try await client.execute(try Fixture.get(server.url("/bytes/204800"))) { $0.status }
                #expect(status == .ok)
            }
            print("drain: 1000 requests with 200 KiB unread bodies used \(server.acceptedConnections) connection(s)")
            #expect(server.acceptedConnections == 1)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aLargeUnreadRemainderClosesTheConnectionInsteadOfDrainingIt() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            let started = ContinuousClock.now
            for _ in 0..<3 {
                let status = try await client.execute(try Fixture.get(server.url("/bytes/10485760"))) { $0.status }
                #expect(status == .ok)
                #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            }
            #expect(server.acceptedConnections == 3)
            #expect(ContinuousClock.now - started < .seconds(5))
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func anUnknownLengthRemainderOverTheDrainLimitIsClosed() async throws {
            // Chunked, so the remaining length is unknown; the drain limit stops it once exceeded.
            let server = try await TestServer.start()
            let client = Fixture.client { $0.limits.maxDrainBytes = 64 * 1024 }
            let status = try await client.execute(try Fixture.get(server.url("/chunked/5000000"))) { $0.status }
            #expect(status == .ok)
            _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16)
            #expect(server.acceptedConnections == 2)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aSmallRemainderThatArrivesTooSlowlyIsClosedAtTheDrainTimeout() async throws {
            var behavior = TestServerBehavior()
            behavior.pauseMidBodyMilliseconds = 5_000
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client { $0.limits.drainTimeout = .milliseconds(200) }
            let started = ContinuousClock.now
            // 100 KB is under the drain limit, but its second half arrives only after 5 s.
            let status = try await client.execute(try Fixture.get(server.url("/bytes/100000"))) { $0.status }
            let elapsed = ContinuousClock.now - started
            #expect(status == .ok)
            #expect(elapsed >= .milliseconds(200))
            #expect(elapsed < .seconds(3))
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aBodyReadToTheEndLeavesTheConnectionReusable() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            for path in ["/bytes/1000000", "/chunked/300000", "/bytes/0", "/"] {
                let total = try await client.execute(try Fixture.get(server.url(path))) { response in
                    var total = 0
                    for try await chunk in response.body { total += chunk.readableBytes }
                    return total
                }
                let expected = path == "/" ? 3 : Int(path.split(separator: "/").last!)!
                #expect(total == expected)
            }
            #expect(server.acceptedConnections == 1)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test(.timeLimit(.minutes(1)))
        func aBodyKeptPastItsScopeEndsWithAnErrorInsteadOfHanging() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            // 10 MiB is closed at the scope's end, 200 KB is drained; neither may leave a reader waiting forever.
            for (length, closed) in [(10_485_760, true), (200_000, false)] {
                let escaped = try await client.execute(try Fixture.get(server.url("/bytes/\(length)"))) { $0 }
                #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == (closed ? 0 : 1) })
                var read = 0
                do {
                    for try await chunk in escaped.body { read += chunk.readableBytes }
                    // Only a body that had wholly arrived with its head may still be read in full.
                    #expect(!closed && read == length, "read \(read) of \(length) bytes after the scope")
                } catch let error as CourierError {
                    #expect(error == .bodyReadAfterScope)
                    #expect(read < length)
                }
            }
            // The drained connection is reused.
            _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16)
            #expect(server.acceptedConnections == 2)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func cancellingATaskMidResponseLeavesNoConnectionBehind() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            let task = Task {
                try await client.execute(try Fixture.get(server.url("/bytes/104857600"))) { response in
                    var total = 0
                    for try await chunk in response.body {
                        total += chunk.readableBytes
                        // Not `try`: the cancellation must be noticed by the body, not by this sleep.
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                    return total
                }
            }
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 1 })
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            let result = await task.result
            switch result {
            case .success(let total): Issue.record("the transfer finished (\(total) bytes) instead of being cancelled")
            case .failure(let error):
                #expect((error as? CourierError) == .cancelled, "\(error)")
            }
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            // The client still works.
            _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func cancellingATaskWaitingForAConnectionRemovesItAtOnce() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 2_000
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client(perHost: 1)
            let holder = Task { try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16) }
            #expect(await Fixture.eventually { server.acceptedConnections == 1 })
            let waiter = Task { try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16) }
            try await Task.sleep(for: .milliseconds(100))
            let cancelled = ContinuousClock.now
            waiter.cancel()
            let result = await waiter.result
            #expect(ContinuousClock.now - cancelled < .milliseconds(500))
            if case .failure(let error) = result {
                #expect((error as? CourierError) == .cancelled, "\(error)")
            } else {
                Issue.record("the waiting request was not cancelled")
            }
            #expect(try await holder.value.status == .ok)
            #expect(server.acceptedConnections == 1)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func headAnd204And304HaveNoBodyAndKeepTheConnection() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            let head = try await client.send(try Request(method: "HEAD", url: server.url("/bytes/5000")), maxBodyBytes: 0)
            #expect(head.status == .ok)
            #expect(head.headerFields[.contentLength] == "5000")
            #expect(head.body.readableBytes == 0)
            for code in [204, 304] {
                let response = try await client.send(try Fixture.get(server.url("/status/\(code)")), maxBodyBytes: 0)
                #expect(response.status.code == code)
            }
            _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16)
            #expect(server.acceptedConnections == 1)
            #expect(server.requests.count == 4)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func interimResponsesAreSkipped() async throws {
            var behavior = TestServerBehavior()
            behavior.sendEarlyHints = true
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            for _ in 0..<3 {
                let response = try await client.send(try Fixture.get(server.url("/bytes/10")), maxBodyBytes: 100)
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 10)
            }
            #expect(server.acceptedConnections == 1)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func sendRefusesBodiesOverItsLimit() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            await #expect(throws: CourierError.bodyTooLarge(limit: 1000)) {
                _ = try await client.send(try Fixture.get(server.url("/bytes/2000")), maxBodyBytes: 1000)
            }
            await #expect(throws: CourierError.bodyTooLarge(limit: 1000)) {
                _ = try await client.send(try Fixture.get(server.url("/chunked/2000")), maxBodyBytes: 1000)
            }
            let ok = try await client.send(try Fixture.get(server.url("/bytes/1000")), maxBodyBytes: 1000)
            #expect(ok.body.readableBytes == 1000)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func shutdownClosesEverythingAndRefusesNewRequests() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16) }
                }
                try await group.waitForAll()
            }
            #expect(SocketCensus.clientSockets(toPort: server.port) >= 1)
            await client.shutdown()
            #expect(SocketCensus.clientSockets(toPort: server.port) == 0)
            await #expect(throws: CourierError.shutdown) {
                _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16)
            }
            try await server.shutdown()
        }

        @Test func shutdownLetsRequestsInFlightFinishWithinTheGracePeriod() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 400
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            let inFlight = Task { try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16) }
            // In flight means sent: the server has the whole request (it answers 400 ms later).
            #expect(await Fixture.eventually { server.requestCount == 1 })
            await client.shutdown(gracePeriod: .seconds(5))
            #expect(try await inFlight.value.status == .ok)
            #expect(SocketCensus.clientSockets(toPort: server.port) == 0)
            try await server.shutdown()
        }

        @Test func shutdownCutsOffRequestsStillRunningWhenTheGracePeriodEnds() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 3_000
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            let inFlight = Task { try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16) }
            #expect(await Fixture.eventually { server.acceptedConnections == 1 })
            let started = ContinuousClock.now
            await client.shutdown(gracePeriod: .milliseconds(200))
            #expect(ContinuousClock.now - started < .seconds(2))
            await #expect(throws: CourierError.self) { _ = try await inFlight.value }
            #expect(SocketCensus.clientSockets(toPort: server.port) == 0)
            try await server.shutdown()
        }

        @Test func aClientDroppedWithoutShutdownClosesItsConnectionsAndReturnsTheirSlots() async throws {
            let server = try await TestServer.start()
            // The process-wide budget, seen through another automatic client.
            let observer = Client()
            let before = observer.snapshot().budgetInUse
            do {
                let client = Fixture.client()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<3 { group.addTask { _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16) } }
                    try await group.waitForAll()
                }
                #expect(SocketCensus.clientSockets(toPort: server.port) >= 1)
                #expect(observer.snapshot().budgetInUse > before)
            }
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            // Every slot went back to the shared budget, though the client's pool is gone.
            #expect(await Fixture.eventually { observer.snapshot().budgetInUse == before })
            await observer.shutdown()
            try await server.shutdown()
        }
    }
}
