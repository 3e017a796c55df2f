import Courier
import CourierTestServer
import Foundation
import HTTPTypes
import NIOCore
import Testing

extension Network {
    /// Done-when 1-4 of the core issue: keep-alive reuse, limits, Connection: close, HTTP/1.0 and idle closes.
    @Suite struct Reuse {
        @Test func tenThousandSequentialPostsToASilentKeepAliveServerUseOneConnection() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            let payload = [UInt8](repeating: 0x5A, count: 1024)
            let descriptorsBefore = await SocketCensus.settledDescriptorsOutsideServer(port: server.port)
            for _ in 0..<10_000 {
                let status = try await client.execute(try Fixture.post(server.url("/upload"), .bytes(payload))) {
                    $0.status.code
                }
                #expect(status == 200)
            }
            #expect(server.acceptedConnections == 1)
            #expect(server.requests.count == 10_000)
            #expect(server.requests.allSatisfy { $0.bodyLength == 1024 && $0.sha256 == Fixture.sha256Hex(payload) })
            #expect(SocketCensus.clientSockets(toPort: server.port) == 1)
            let descriptorsAfter = SocketCensus.descriptorsOutsideServer(port: server.port)
            #expect(abs(descriptorsAfter - descriptorsBefore) <= 1)
            await client.shutdown()
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            _ = await Fixture.eventually { SocketCensus.descriptorsOutsideServer(port: server.port) == descriptorsBefore }
            let descriptorsAfterShutdown = SocketCensus.descriptorsOutsideServer(port: server.port)
            print("sequential: descriptors before \(descriptorsBefore), after \(descriptorsAfter), after shutdown \(descriptorsAfterShutdown); connections \(server.acceptedConnections)")
            #expect(descriptorsAfterShutdown == descriptorsBefore)
            try await server.shutdown()
        }

        @Test func eightTasksWithALimitOfEightSendTwentyThousandPostsOverAtMostEightConnections() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client(perHost: 8)
            let url = server.url("/upload")
            let peak = PeakSampler(intervalMicroseconds: 2000) { SocketCensus.clientSockets(toPort: server.port) }
            let sent = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var hashes: [String] = []
                        for index in 0..<2_500 {
                            let body = Array("worker \(worker) request \(index) ".utf8) + [UInt8](repeating: UInt8(index % 251), count: index % 700)
                            hashes.append(Fixture.sha256Hex(body))
                            let response = try await client.send(try Fixture.post(url, .bytes(body)), maxBodyBytes: 64)
                            #expect(response.status == .ok)
                        }
                        return hashes
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            let (peakSockets, samples) = peak.stop()
            print("concurrent: \(server.acceptedConnections) connections, peak client sockets \(peakSockets) over \(samples) samples")
            #expect(server.acceptedConnections <= 8)
            #expect(peakSockets <= 8)
            let received = server.requests
            #expect(received.count == 20_000)
            #expect(received.allSatisfy { $0.bodyComplete })
            #expect(received.map(\.sha256).sorted() == sent.sorted())
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aServerThatAlwaysClosesGetsOneConnectionPerRequestWithinTheLimit() async throws {
            var behavior = TestServerBehavior()
            behavior.keepAlive = false
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client(perHost: 4)
            let url = server.url("/")
            let peak = PeakSampler(intervalMicroseconds: 200) { SocketCensus.clientSockets(toPort: server.port) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for _ in 0..<125 {
                            let response = try await client.send(try Fixture.post(url, .string("w\(worker)")), maxBodyBytes: 64)
                            #expect(response.status == .ok)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (peakSockets, samples) = peak.stop()
            print("connection-close: \(server.acceptedConnections) connections, peak client sockets \(peakSockets) (limit 4) over \(samples) samples")
            #expect(server.acceptedConnections == 1_000)
            #expect(server.requests.count == 1_000)
            #expect(peakSockets <= 4)
            #expect(samples > 10)
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            await client.shutdown()
            try await server.shutdown()
        }

        @Test(.timeLimit(.minutes(1)))
        func requestsWaitingForAConnectionGetItInTheOrderTheyAsked() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 300
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client(perHost: 1)
            let waiting = { client.snapshot().origins.first?.waiting ?? 0 }
            // Child tasks, so that the time limit cancels them if the queue never serves them.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await client.send(try Fixture.get(server.url("/first")), maxBodyBytes: 64) }
                #expect(await Fixture.eventually { server.acceptedConnections == 1 })
                // Each waiter joins the queue only after the one before it is in it.
                for index in 0..<6 {
                    group.addTask { _ = try await client.send(try Fixture.get(server.url("/waiter/\(index)")), maxBodyBytes: 64) }
                    #expect(await Fixture.eventually { waiting() == index + 1 })
                }
                try await group.waitForAll()
            }
            #expect(server.requests.map(\.uri) == ["/first"] + (0..<6).map { "/waiter/\($0)" })
            #expect(server.acceptedConnections == 1)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func anHTTP10ServerIsNeverReusedAndNothingPilesUp() async throws {
            var behavior = TestServerBehavior()
            behavior.http10 = true
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            let before = await SocketCensus.settledDescriptorsOutsideServer(port: server.port)
            for index in 0..<200 {
                let response = try await client.send(try Fixture.post(server.url("/"), .string("\(index)")), maxBodyBytes: 64)
                #expect(response.status == .ok)
                #expect(response.headerFields[HTTPField.Name("X-Request-Number")!] == "1")
            }
            #expect(server.acceptedConnections == 200)
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            #expect(await Fixture.eventually { SocketCensus.descriptorsOutsideServer(port: server.port) == before })
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func anHTTP10ServerThatSaysKeepAliveIsReused() async throws {
            var behavior = TestServerBehavior()
            behavior.http10 = true
            behavior.keepAlive = true
            behavior.sendKeepAliveHeader = true
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            for _ in 0..<3 {
                _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 64)
            }
            #expect(server.acceptedConnections == 1)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func idleConnectionsTheServerClosesSilentlyAreNoticedBeforeReuse() async throws {
            var behavior = TestServerBehavior()
            behavior.idleCloseAfterMilliseconds = 200
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            for index in 0..<6 {
                if index > 0 { try await Task.sleep(for: .milliseconds(300)) }
                let response = try await client.send(try Fixture.post(server.url("/"), .string("\(index)")), maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            #expect(server.acceptedConnections == 6)
            #expect(server.requests.count == 6)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func abruptClosesAfterEachResponseAreSurvived() async throws {
            var behavior = TestServerBehavior()
            behavior.abruptCloseAfterResponses = 1
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            for index in 0..<20 {
                try await Task.sleep(for: .milliseconds(20))
                let response = try await client.send(try Fixture.post(server.url("/"), .string("\(index)")), maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            #expect(server.acceptedConnections == 20)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aServerThatClosesAfterEveryThirdRequestIsFollowed() async throws {
            var behavior = TestServerBehavior()
            behavior.closeAfterRequests = 3
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            for index in 0..<9 {
                let head = HTTPRequest(method: .put, scheme: "http", authority: "127.0.0.1:\(server.port)", path: "/item/\(index)")
                let response = try await client.send(try Request(head, body: .string("item \(index)")), maxBodyBytes: 16)
                #expect(response.status == .ok)
            }
            #expect(server.acceptedConnections == 3)
            #expect(server.connections.map { $0.requests.count } == [3, 3, 3])
            #expect(server.requests.map(\.uri) == (0..<9).map { "/item/\($0)" })
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func closeConnectionSendsTheHeaderAndClosesAfterTheResponse() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            for _ in 0..<5 {
                var request = try Fixture.get(server.url("/"))
                request.closeConnection = true
                _ = try await client.send(request, maxBodyBytes: 64)
            }
            #expect(server.acceptedConnections == 5)
            #expect(server.requests.allSatisfy { $0.header("Connection") == "close" })
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            await client.shutdown()
            try await server.shutdown()
        }
    }
}
