import Courier
import CourierTestServer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing

extension Network {
    /// Stale connections, the retry table applied end to end, and the server's keep-alive hints.
    @Suite struct Retries {
        @Test func fileUploadsLeaveNoDescriptorBehind() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            let file = try Fixture.sparseFile(size: 200_000)
            let before = await SocketCensus.settledDescriptorsOutsideServer(port: server.port)
            for _ in 0..<300 {
                let status = try await client.execute(try Fixture.post(server.url("/"), .file(file))) { response in
                    // Still open inside the scope (this proves the count sees it); closed when the scope ends.
                    #expect(SocketCensus.descriptors(openOn: file) == 1)
                    return response.status
                }
                #expect(status == .ok)
                #expect(SocketCensus.descriptors(openOn: file) == 0)
            }
            let after = SocketCensus.descriptorsOutsideServer(port: server.port)
            print("file uploads: descriptors before \(before), after 300 uploads \(after)")
            #expect(after - before <= 1)
            #expect(server.acceptedConnections == 1)
            #expect(SocketCensus.clientSockets(toPort: server.port) == 1)
            await client.shutdown()
            #expect(SocketCensus.clientSockets(toPort: server.port) == 0)
            #expect(SocketCensus.descriptors(openOn: file) == 0)
            try await server.shutdown()
        }

        /// `onAttemptEnded` reports every attempt once, with the body bytes it wrote and whether it is re-sent.
        @Test func everyAttemptIsReportedWithTheBodyBytesItSent() async throws {
            var behavior = TestServerBehavior()
            behavior.abruptCloseAfterResponses = 3
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client(perHost: 1)
            let file = try Fixture.sparseFile(size: 100_000)
            let attempts = NIOLockedValueBox<[RequestAttempt]>([])
            for index in 0..<20 {
                // Alternate an in-memory body and a streamed file.
                let body: RequestBody = index.isMultiple(of: 2) ? .bytes([UInt8](repeating: 1, count: 1_000)) : .file(file)
                var request = try Fixture.post(server.url("/"), body)
                request.retryPolicy = .replayable
                request.onAttemptEnded = { attempt in attempts.withLockedValue { $0.append(attempt) } }
                #expect(try await client.send(request, maxBodyBytes: 64).status == .ok)
            }
            let reports = attempts.withLockedValue { $0 }
            let retried = reports.filter(\.willRetry)
            #expect(reports.count == 20 + retried.count)
            #expect(reports.filter { $0.error == nil }.count == 20)
            #expect(retried.count == client.statistics.retries)
            #expect(retried.allSatisfy { $0.error != nil && $0.reused })
            // Every successful attempt wrote exactly its body.
            let sent = reports.filter { $0.error == nil }.map(\.bodyBytesSent)
            #expect(sent == (0..<20).map { $0.isMultiple(of: 2) ? 1_000 : 100_000 })
            // What the server received in full matches the reported bytes of successful attempts.
            let complete = server.requests.filter(\.bodyComplete).map(\.bodyLength).reduce(0, +)
            #expect(Int64(complete) >= sent.reduce(0, +))
            print("attempt reports: \(reports.count) attempts, \(retried.count) retried, server saw \(server.requests.count)")
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func replayableFilePostsSurviveServersThatDropConnectionsAfterThreeResponses() async throws {
            var behavior = TestServerBehavior()
            behavior.abruptCloseAfterResponses = 3
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var hashes: [String] = []
            for index in 0..<2_000 {
                let bytes = Array("file \(index)\n".utf8) + [UInt8](repeating: UInt8(index % 256), count: index % 1500)
                hashes.append(Fixture.sha256Hex(bytes))
                #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent("\(index)").path, contents: Data(bytes)))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for index in stride(from: worker, to: 2_000, by: 8) {
                            var request = try Fixture.post(server.url("/files/\(index)"), .file(directory.appendingPathComponent("\(index)").path))
                            request.retryPolicy = .replayable
                            let status = try await client.execute(request) { $0.status }
                            #expect(status == .ok)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let processed = server.requests.filter(\.bodyComplete)
            print("abrupt closes: \(server.acceptedConnections) connections, \(client.statistics.retries) retries, \(processed.count) requests processed")
            #expect(processed.count == 2_000)
            #expect(Set(processed.map(\.uri)).count == 2_000)
            #expect(processed.map(\.sha256).sorted() == hashes.sorted())
            #expect(server.acceptedConnections >= 2_000 / 3)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aProcessedPostWhoseAnswerIsLostIsNotResentUnderSafe() async throws {
            var behavior = TestServerBehavior()
            behavior.dropWithoutAnswerOnRequest = 2
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            _ = try await client.send(try Fixture.post(server.url("/first"), .string("one")), maxBodyBytes: 16)
            do {
                _ = try await client.send(try Fixture.post(server.url("/second"), .string("two")), maxBodyBytes: 16)
                Issue.record("the dropped request succeeded")
            } catch let error as CourierError {
                guard case .connectionClosedBeforeResponse = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                print("lost answer under .safe: \(error)")
            }
            #expect(server.requests.map(\.uri) == ["/first", "/second"])
            #expect(client.statistics.retries == 0)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func underReplayableTheLostAnswerIsResentAndTheDuplicateCounted() async throws {
            var behavior = TestServerBehavior()
            behavior.dropWithoutAnswerOnRequest = 2
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            _ = try await client.send(try Fixture.post(server.url("/first"), .string("one")), maxBodyBytes: 16)
            var request = try Fixture.post(server.url("/second"), .string("two"))
            request.retryPolicy = .replayable
            let response = try await client.send(request, maxBodyBytes: 16)
            #expect(response.status == .ok)
            #expect(client.statistics.retries == 1)
            #expect(server.requests.map(\.uri).sorted() == ["/first", "/second", "/second"])
            #expect(server.acceptedConnections == 2)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func idempotentRequestsAreResentUnderSafeAndNeverIsRespected() async throws {
            var behavior = TestServerBehavior()
            behavior.dropWithoutAnswerOnRequest = 2
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            _ = try await client.send(try Fixture.get(server.url("/a")), maxBodyBytes: 16)
            let put = try Request(method: "PUT", url: server.url("/b"), body: .string("b"))
            #expect(try await client.send(put, maxBodyBytes: 16).status == .ok)
            #expect(client.statistics.retries == 1)
            // The retried PUT was request 1 of connection 2; this GET is its request 2, dropped too, and resent.
            _ = try await client.send(try Fixture.get(server.url("/c")), maxBodyBytes: 16)
            #expect(client.statistics.retries == 2)
            // Two connections in a row died after one response: this client's pool no longer reuses them (the
            // quiet-close rule). A fresh client shows `.never` on a reused connection that drops its request.
            #expect(client.snapshot().connectionsOpened == 3)
            await client.shutdown()
            let fresh = Fixture.client()
            _ = try await fresh.send(try Fixture.get(server.url("/x")), maxBodyBytes: 16)
            var never = try Request(method: "PUT", url: server.url("/d"), body: .string("d"))
            never.retryPolicy = .never
            await #expect(throws: CourierError.self) { _ = try await fresh.send(never, maxBodyBytes: 16) }
            #expect(fresh.statistics.retries == 0)
            #expect(server.requests.map(\.uri).sorted() == ["/a", "/b", "/b", "/c", "/c", "/d", "/x"])
            await fresh.shutdown()
            try await server.shutdown()
        }

        @Test func keepAliveHintsLetCourierCloseBeforeTheServerDoes() async throws {
            var behavior = TestServerBehavior()
            behavior.keepAliveTimeoutHint = 1
            behavior.keepAliveMaxCountdown = 5
            behavior.idleCloseAfterMilliseconds = 1_000
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var generator = SplitMix64(seed: UInt64(worker + 1))
                        var failures = 0
                        for _ in 0..<25 {
                            try await Task.sleep(for: .milliseconds(Int(generator.next() % 1_500)))
                            do {
                                _ = try await client.send(try Fixture.post(server.url("/"), .string("x")), maxBodyBytes: 16)
                            } catch {
                                failures += 1
                            }
                        }
                        return failures
                    }
                }
                return try await group.reduce(0, +)
            }
            print("keep-alive hints: \(server.acceptedConnections) connections for 200 requests, \(failures) failures, \(client.statistics.retries) retries")
            #expect(failures == 0)
            #expect(client.statistics.retries == 0)
            #expect(server.requests.count == 200)
            #expect(server.connections.allSatisfy { $0.requests.count <= 5 })
            await client.shutdown()
            try await server.shutdown()
        }
    }
}
