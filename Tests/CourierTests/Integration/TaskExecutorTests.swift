@testable import Courier
import CourierTestServer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

extension Network {
    /// `Client.taskExecutor`: tasks that prefer it run on one event loop, and the connections they dial live there.
    @Suite struct TaskExecutor {
        static func loopID(_ loop: (any EventLoop)?) -> ObjectIdentifier? { loop.map { ObjectIdentifier($0) } }

        static func homeLoop(of client: Client) throws -> ObjectIdentifier {
            try #require((client.taskExecutor as? EventLoopTaskExecutor).map { ObjectIdentifier($0.eventLoop) })
        }

        @Test func requestsFromTheExecutorStayOnItsLoopAndOnOneConnection() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 4)
            let server = try await TestServer.start()
            let client = Client(configuration: .init(pool: .init(maxConnectionsPerHost: 4)), eventLoopGroup: group)
            let home = try Self.homeLoop(of: client)
            var bodies: [String] = []
            let offLoop = await withTaskExecutorPreference(client.taskExecutor) { () async -> Int in
                var offLoop = 0
                for index in 0..<200 {
                    let body = "request \(index) " + String(repeating: "x", count: index)
                    bodies.append(Fixture.sha256Hex(Array(body.utf8)))
                    if Self.loopID(MultiThreadedEventLoopGroup.currentEventLoop) != home { offLoop += 1 }
                    let status = try? await client.execute(try Fixture.post(server.url("/"), .bytes(ByteBuffer(string: body)))) {
                        response in
                        if Self.loopID(MultiThreadedEventLoopGroup.currentEventLoop) != home { offLoop += 1 }
                        return response.status
                    }
                    if status != .ok { offLoop += 1_000 }
                    if Self.loopID(MultiThreadedEventLoopGroup.currentEventLoop) != home { offLoop += 1 }
                }
                return offLoop
            }
            // Every step of every request ran on the executor's loop, and every request succeeded.
            #expect(offLoop == 0)
            #expect(Array(client.pool.connectionLoopsByID.values) == [home])
            #expect(server.acceptedConnections == 1)
            #expect(server.requests.map(\.sha256) == bodies)
            await client.shutdown()
            try await server.shutdown()
            try await group.shutdownGracefully()
        }

        @Test func concurrentTasksOnTheExecutorDialEveryConnectionOnItsLoop() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 4)
            var behavior = TestServerBehavior()
            // Slow enough answers that the 8 tasks overlap and need 8 connections.
            behavior.responseDelayMilliseconds = 50
            let server = try await TestServer.start(behavior: behavior)
            let client = Client(configuration: .init(pool: .init(maxConnectionsPerHost: 8)), eventLoopGroup: group)
            let home = try Self.homeLoop(of: client)
            let failures = await withTaskExecutorPreference(client.taskExecutor) {
                await withTaskGroup(of: Int.self) { tasks in
                    for _ in 0..<8 {
                        tasks.addTask {
                            var failures = 0
                            for _ in 0..<10 {
                                let response = try? await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 64)
                                if response?.status != .ok { failures += 1 }
                            }
                            return failures
                        }
                    }
                    return await tasks.reduce(0, +)
                }
            }
            #expect(failures == 0)
            let loops = Array(client.pool.connectionLoopsByID.values)
            #expect(loops.count == 8)
            #expect(loops.allSatisfy { $0 == home })
            #expect(server.requests.count == 80)
            await client.shutdown()
            try await server.shutdown()
            try await group.shutdownGracefully()
        }

        @Test func withoutTheExecutorConnectionsSpreadOverTheGroup() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 4)
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 50
            let server = try await TestServer.start(behavior: behavior)
            let client = Client(configuration: .init(pool: .init(maxConnectionsPerHost: 8)), eventLoopGroup: group)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for _ in 0..<8 {
                    tasks.addTask { _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 64) }
                }
                try await tasks.waitForAll()
            }
            #expect(Set(client.pool.connectionLoopsByID.values).count == 4)
            await client.shutdown()
            try await server.shutdown()
            try await group.shutdownGracefully()
        }

        @Test func streamedBodiesAndCancellationWorkOnTheExecutor() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 3_000
            let slow = try await TestServer.start(behavior: behavior)
            let server = try await TestServer.start()
            let client = Fixture.client()
            let chunks = (0..<50).map { ByteBuffer(repeating: UInt8($0), count: 1_000 + $0) }
            let expected = Fixture.sha256Hex(chunks.flatMap { Array($0.readableBytesView) })
            let response = try await withTaskExecutorPreference(client.taskExecutor) {
                try await client.send(try Fixture.post(server.url("/"), .stream(chunks.async)), maxBodyBytes: 64)
            }
            #expect(response.status == .ok)
            #expect(server.requests.last?.sha256 == expected)
            #expect(server.requests.last?.header("Transfer-Encoding") == "chunked")

            let waiting = Task {
                try await withTaskExecutorPreference(client.taskExecutor) {
                    try await client.send(try Fixture.get(slow.url("/")), maxBodyBytes: 64)
                }
            }
            #expect(await Fixture.eventually { slow.acceptedConnections == 1 })
            let cancelled = ContinuousClock.now
            waiting.cancel()
            let result = await waiting.result
            #expect(ContinuousClock.now - cancelled < .seconds(1))
            if case .failure(let error) = result {
                #expect((error as? CourierError) == .cancelled, "\(error)")
            } else {
                Issue.record("the request to the slow server was not cancelled")
            }
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: slow.port) == 0 })
            await client.shutdown()
            try await server.shutdown()
            try await slow.shutdown()
        }
    }
}

extension Network.TaskExecutor {
    @Test func tasksOnDifferentLoopsEachKeepUsingTheConnectionOnTheirOwnLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var behavior = TestServerBehavior()
        behavior.responseDelayMilliseconds = 100
        let server = try await TestServer.start(behavior: behavior)
        let client = Client(configuration: .init(pool: .init(maxConnectionsPerHost: 2)), eventLoopGroup: group)
        #expect(client.taskExecutors.count == 2)
        let loops = client.taskExecutors.map { ObjectIdentifier(($0 as! EventLoopTaskExecutor).eventLoop) }
        #expect(Set(loops).count == 2)
        // Two overlapping requests, one from each loop, leave one idle connection on each loop. The second starts
        // once the first one's connection is open, so each request dials its own (a pool that sees two waiters at
        // once may open both connections from one caller's thread).
        let first = Task(executorPreference: client.taskExecutors[0]) {
            _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 64)
        }
        #expect(await Fixture.eventually { server.acceptedConnections == 1 })
        let second = Task(executorPreference: client.taskExecutors[1]) {
            _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 64)
        }
        try await first.value
        try await second.value
        let connectionLoops = client.pool.connectionLoopsByID
        #expect(Set(connectionLoops.values) == Set(loops))
        // Now alternate: the most recently idle connection is always the other loop's, and each request must
        // still take the one on its own loop.
        let used = NIOLockedValueBox<[(loop: ObjectIdentifier, connection: Int)]>([])
        for round in 0..<20 {
            let executor = client.taskExecutors[round % 2]
            let loop = loops[round % 2]
            var request = try Fixture.get(server.url("/"))
            request.onConnectionObtained = { obtained in used.withLockedValue { $0.append((loop, obtained.connectionID)) } }
            let prepared = request
            try await Task(executorPreference: executor) {
                _ = try await client.send(prepared, maxBodyBytes: 64)
            }.value
        }
        let leases = used.withLockedValue { $0 }
        #expect(leases.count == 20)
        #expect(leases.allSatisfy { connectionLoops[$0.connection] == $0.loop })
        #expect(server.acceptedConnections == 2)
        await client.shutdown()
        try await server.shutdown()
        try await group.shutdownGracefully()
    }
}
