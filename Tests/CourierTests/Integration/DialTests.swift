import Courier
import CourierTestServer
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Courier

/// A resolver that answers every name with fixed addresses (ports included), so that tests can point a name at
/// several loopback listeners without asking DNS anything.
final class StaticResolver: Resolver, Sendable {
    let eventLoop: EventLoop
    let addresses: [SocketAddress]

    init(eventLoop: EventLoop, addresses: [SocketAddress]) {
        self.eventLoop = eventLoop
        self.addresses = addresses
    }

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeSucceededFuture(addresses.filter { if case .v4 = $0 { return true } else { return false } })
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeSucceededFuture(addresses.filter { if case .v6 = $0 { return true } else { return false } })
    }

    func cancelQueries() {}
}

extension Network {
    /// Dialing a name: its addresses in turn or raced, with every socket counted against the budget.
    @Suite struct Dial {
        static func client(addresses: [SocketAddress], budget: Int, connectTimeout: Duration) -> Client {
            var configuration = Configuration(pool: .init(maxConnectionsPerHost: 4, maxConnections: .limit(budget)))
            configuration.timeouts.connect = connectTimeout
            configuration.resolverFactory = { eventLoop in StaticResolver(eventLoop: eventLoop, addresses: addresses) }
            return Client(configuration: configuration)
        }

        /// Runs `body` and returns the budget's peak (the ledger records it exactly; a race lasts well under
        /// a millisecond on loopback, too short to sample).
        static func peakBudget(_ client: Client, during body: () async throws -> Void) async rethrows -> Int {
            try await body()
            return client.snapshot().budgetPeakInUse
        }

        @Test func aRefusingFirstAddressIsFollowedByTheNext() async throws {
            let server = try await TestServer.start()
            let closed = try await TestServer.start()
            let deadPort = closed.port
            try await closed.shutdown()
            let client = Self.client(
                addresses: [try SocketAddress(ipAddress: "127.0.0.1", port: deadPort), try SocketAddress(ipAddress: "127.0.0.1", port: server.port)],
                budget: 4, connectTimeout: .seconds(5))
            let response = try await client.send(try Fixture.get("http://multi.test/"), maxBodyBytes: 64)
            #expect(response.status == .ok)
            #expect(server.acceptedConnections == 1)
            #expect(server.requests.first?.header("Host") == "multi.test")
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aSilentFirstAddressIsRacedWithASecondSlotAfterTheAttemptDelay() async throws {
            let server = try await TestServer.start()
            let silent = try Blackhole()
            let client = Self.client(
                addresses: [try SocketAddress(ipAddress: "127.0.0.1", port: silent.port), try SocketAddress(ipAddress: "127.0.0.1", port: server.port)],
                budget: 4, connectTimeout: .seconds(10))
            // The blackhole's own filler sockets are client sockets to its port too.
            let fillers = SocketCensus.clientSockets(toPort: silent.port)
            var elapsed = Duration.zero
            let peak = try await Self.peakBudget(client) {
                let started = ContinuousClock.now
                let response = try await client.send(try Fixture.get("http://raced.test/"), maxBodyBytes: 64)
                elapsed = ContinuousClock.now - started
                #expect(response.status == .ok)
            }
            print("raced dial: connected after \(elapsed), peak budget in use \(peak)")
            #expect(elapsed >= .milliseconds(240) && elapsed < .seconds(2))
            #expect(peak == 2)
            // The losing attempt is closed and its slot returned; the winner stays pooled.
            #expect(await Fixture.eventually { client.snapshot().budgetInUse == 1 })
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: silent.port) == fillers })
            await client.shutdown()
            #expect(client.snapshot().budgetInUse == 0)
            try await server.shutdown()
            withExtendedLifetime(silent) {}
        }

        @Test func withoutASpareSlotAddressesAreTriedOneAtATime() async throws {
            let server = try await TestServer.start()
            let silent = try Blackhole()
            let client = Self.client(
                addresses: [try SocketAddress(ipAddress: "127.0.0.1", port: silent.port), try SocketAddress(ipAddress: "127.0.0.1", port: server.port)],
                budget: 1, connectTimeout: .seconds(3))
            var elapsed = Duration.zero
            let peak = try await Self.peakBudget(client) {
                let started = ContinuousClock.now
                let response = try await client.send(try Fixture.get("http://sequential.test/"), maxBodyBytes: 64)
                elapsed = ContinuousClock.now - started
                #expect(response.status == .ok)
            }
            print("sequential dial: connected after \(elapsed), peak budget in use \(peak)")
            // The silent address gets its share (max(3 s / 2, 2 s) = 2 s), then the second answers.
            #expect(elapsed >= .milliseconds(1_900) && elapsed < .seconds(3))
            #expect(peak == 1)
            await client.shutdown()
            try await server.shutdown()
            withExtendedLifetime(silent) {}
        }

        @Test func everyAddressSilentEndsAtTheConnectTimeoutWithNothingLeftOpen() async throws {
            let silent = try Blackhole()
            let other = try Blackhole()
            let client = Self.client(
                addresses: [try SocketAddress(ipAddress: "127.0.0.1", port: silent.port), try SocketAddress(ipAddress: "127.0.0.1", port: other.port)],
                budget: 4, connectTimeout: .seconds(1))
            let fillers = (SocketCensus.clientSockets(toPort: silent.port), SocketCensus.clientSockets(toPort: other.port))
            let started = ContinuousClock.now
            await #expect(throws: CourierError.connectTimeout(host: "silent.test", port: 80, timeout: .seconds(1))) {
                _ = try await client.send(try Fixture.get("http://silent.test/"), maxBodyBytes: 64)
            }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(950) && elapsed < .seconds(2))
            #expect(await Fixture.eventually { client.snapshot().budgetInUse == 0 })
            #expect(SocketCensus.clientSockets(toPort: silent.port) == fillers.0)
            #expect(SocketCensus.clientSockets(toPort: other.port) == fillers.1)
            #expect(client.snapshot().budgetPeakInUse == 2)
            await client.shutdown()
            withExtendedLifetime((silent, other)) {}
        }

        @Test func localhostResolvesThroughTheSystemResolver() async throws {
            let addresses = try AddressResolver.getaddrinfo(host: "localhost", port: 8080)
            #expect(addresses.contains { $0.ipAddress == "127.0.0.1" && $0.port == 8080 })
            let server = try await TestServer.start()
            let client = Fixture.client()
            let response = try await client.send(try Fixture.get("http://localhost:\(server.port)/"), maxBodyBytes: 64)
            #expect(response.status == .ok)
            await client.shutdown()
            try await server.shutdown()
        }
    }
}

@Suite struct AddressOrderTests {
    static func v4(_ n: Int) -> SocketAddress { try! SocketAddress(ipAddress: "10.0.0.\(n)", port: 1) }
    static func v6(_ n: Int) -> SocketAddress { try! SocketAddress(ipAddress: "fd00::\(n)", port: 1) }

    @Test func familiesAlternateStartingWithTheFirstAddresssFamily() {
        #expect(AddressOrder.interleaved([Self.v6(1), Self.v6(2), Self.v4(1), Self.v4(2), Self.v4(3)])
            == [Self.v6(1), Self.v4(1), Self.v6(2), Self.v4(2), Self.v4(3)])
        #expect(AddressOrder.interleaved([Self.v4(1), Self.v4(2), Self.v6(1)]) == [Self.v4(1), Self.v6(1), Self.v4(2)])
        #expect(AddressOrder.interleaved([Self.v4(1)]) == [Self.v4(1)])
        #expect(AddressOrder.interleaved([]) == [])
        #expect(AddressOrder.combined(v6: [Self.v6(1)], v4: [Self.v4(1), Self.v4(2)]) == [Self.v6(1), Self.v4(1), Self.v4(2)])
    }

    @Test func attemptsGetAShareOfTheTimeLeftButAtLeastTwoSeconds() {
        #expect(DialRace.attemptTimeout(remaining: .seconds(10), addressesLeft: 2) == .seconds(5))
        #expect(DialRace.attemptTimeout(remaining: .seconds(3), addressesLeft: 2) == .seconds(2))
        #expect(DialRace.attemptTimeout(remaining: .seconds(1), addressesLeft: 4) == .seconds(1))
        #expect(DialRace.attemptTimeout(remaining: .seconds(10), addressesLeft: 1) == .seconds(10))
        #expect(DialRace.attemptTimeout(remaining: .zero, addressesLeft: 1) == .milliseconds(1))
    }
}
