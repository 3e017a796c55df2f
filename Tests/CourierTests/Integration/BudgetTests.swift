import CourierTestServer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import Courier

extension Network {
    /// The global connection budget: shared ledgers, fairness across origins, eviction, bounded waiting.
    @Suite struct Budget {
        @Test func threeOriginsShareABudgetOfSixAndNoneStarves() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 3
            let servers = [
                try await TestServer.start(behavior: behavior), try await TestServer.start(behavior: behavior),
                try await TestServer.start(behavior: behavior),
            ]
            let client = Client(configuration: .init(pool: .init(maxConnectionsPerHost: 4, maxConnections: .limit(6))))
            let ports = servers.map(\.port)
            // One snapshot for all three ports: summing three snapshots would count a moving socket twice.
            let peak = PeakSampler(intervalMicroseconds: 300) { SocketCensus.ownSockets { ports.contains($0.remotePort) } }
            let waits = NIOLockedValueBox<[Duration]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<30 {
                    let server = servers[task % 3]
                    group.addTask {
                        for _ in 0..<20 {
                            var request = try Fixture.get(server.url("/"))
                            request.onConnectionObtained = { obtained in waits.withLockedValue { $0.append(obtained.queueWait) } }
                            let response = try await client.send(request, maxBodyBytes: 16)
                            #expect(response.status == .ok)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (peakSockets, samples) = peak.stop()
            let sorted = waits.withLockedValue { $0 }.sorted()
            let median = sorted[sorted.count / 2]
            let longest = sorted.last!
            print("budget 6 over 3 origins: peak \(peakSockets) sockets (\(samples) samples), queue wait median \(median), longest \(longest), connections \(servers.map(\.acceptedConnections))")
            #expect(peakSockets <= 6)
            #expect(servers.allSatisfy { $0.requests.count == 200 })
            #expect(sorted.count == 600)
            #expect(longest < median * 10)
            await client.shutdown()
            for server in servers { try await server.shutdown() }
        }

        @Test func twoClientsOnOneLedgerNeverExceedItTogether() async throws {
            let server = try await TestServer.start()
            let ledger = ConnectionBudget(limit: 4)
            var configuration = Configuration(pool: .init(maxConnectionsPerHost: 8))
            configuration.sharedBudget = ledger
            let first = Client(configuration: configuration)
            let second = Client(configuration: configuration)
            let peak = PeakSampler(intervalMicroseconds: 300) { SocketCensus.clientSockets(toPort: server.port) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<16 {
                    let client = task % 2 == 0 ? first : second
                    group.addTask {
                        for _ in 0..<50 {
                            _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (peakSockets, _) = peak.stop()
            print("two clients on one ledger of 4: peak \(peakSockets) sockets, \(server.acceptedConnections) connections")
            #expect(peakSockets <= 4)
            #expect(server.requests.count == 800)
            #expect(ledger.inUse <= 4)
            await first.shutdown()
            await second.shutdown()
            #expect(ledger.inUse == 0)
            // Every automatic client draws from the one process-wide ledger.
            let automaticA = Client()
            let automaticB = Client()
            #expect(automaticA.pool.drawsFrom(.processWide) && automaticB.pool.drawsFrom(.processWide))
            #expect(ConnectionBudget.processWide.limit == ConnectionBudget.automaticLimit(softLimit: ConnectionBudget.currentSoftLimit()))
            await automaticA.shutdown()
            await automaticB.shutdown()
            try await server.shutdown()
        }

        @Test func theAutomaticBudgetFollowsTheDescriptorLimit() {
            #expect(ConnectionBudget.automaticLimit(softLimit: 1024) == 512)
            #expect(ConnectionBudget.automaticLimit(softLimit: 64) == 32)
            #expect(ConnectionBudget.automaticLimit(softLimit: 1) == 1)
            #expect(ConnectionBudget.automaticLimit(softLimit: 1_048_576) == 4096)
            #expect(ConnectionBudget.automaticLimit(softLimit: nil) == 4096)
        }

        @Test func aFullBudgetClosesAnIdleConnectionOfAnotherOriginToMakeRoom() async throws {
            // The answers take 200 ms, so the two requests overlap and need two connections (without the delay the
            // first could finish before the second asks, and the second would reuse its connection).
            var slow = TestServerBehavior()
            slow.responseDelayMilliseconds = 200
            let busy = try await TestServer.start(behavior: slow)
            let other = try await TestServer.start()
            let client = Client(configuration: .init(pool: .init(maxConnectionsPerHost: 4, maxConnections: .limit(2))))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask { _ = try await client.send(try Fixture.get(busy.url("/")), maxBodyBytes: 16) }
                }
                try await group.waitForAll()
            }
            #expect(busy.acceptedConnections == 2)
            #expect(SocketCensus.clientSockets(toPort: busy.port) == 2)
            _ = try await client.send(try Fixture.get(other.url("/")), maxBodyBytes: 16)
            #expect(SocketCensus.clientSockets(toPort: busy.port) == 1)
            #expect(SocketCensus.clientSockets(toPort: other.port) == 1)
            await client.shutdown()
            try await busy.shutdown()
            try await other.shutdown()
        }

        @Test func waitingLongerThanTheAcquireTimeoutFailsNamingTheLimits() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 1_500
            let server = try await TestServer.start(behavior: behavior)
            let client = Client(configuration: .init(pool: .init(
                maxConnectionsPerHost: 1, maxConnections: .limit(3), connectionAcquireTimeout: .milliseconds(200))))
            let holder = Task { try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16) }
            #expect(await Fixture.eventually { server.acceptedConnections == 1 })
            let started = ContinuousClock.now
            do {
                _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16)
                Issue.record("the second request did not time out")
            } catch let error as CourierError {
                guard case .connectionAcquireTimeout(_, let waited, let perHost, let budget) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(perHost == 1)
                #expect(budget == 3)
                #expect(waited >= .milliseconds(200))
                #expect(error.description.contains("1 connections per host"))
                print("acquire timeout: \(error)")
            }
            #expect(ContinuousClock.now - started < .seconds(1))
            #expect(try await holder.value.status == .ok)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func theConnectionEventTellsReuseAndIdleTime() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            let events = NIOLockedValueBox<[ConnectionObtained]>([])
            for pause in [0, 120] {
                try await Task.sleep(for: .milliseconds(pause))
                var request = try Fixture.get(server.url("/"))
                request.onConnectionObtained = { event in events.withLockedValue { $0.append(event) } }
                _ = try await client.send(request, maxBodyBytes: 16)
            }
            let seen = events.withLockedValue { $0 }
            #expect(seen.count == 2)
            #expect(seen.first?.reused == false)
            #expect(seen.last?.reused == true)
            #expect(seen.first?.connectionID == seen.last?.connectionID)
            #expect((seen.last?.idleTime ?? .zero) >= .milliseconds(100))
            await client.shutdown()
            try await server.shutdown()
        }
    }
}
