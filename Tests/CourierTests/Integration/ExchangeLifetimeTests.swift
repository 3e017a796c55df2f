import Courier
import CourierTestServer
import Foundation
import NIOCore
import Testing

@testable import Courier

extension Network {
    /// Every exchange is freed once its request is over, whatever way it ended. (A fulfilled head promise once
    /// kept a response that referenced its exchange: one exchange, about 2 KiB, leaked per request.)
    @Suite struct ExchangeLifetime {
        @Test func noExchangeOutlivesItsRequest() async throws {
            let before = Exchange.liveCount.withLockedValue { $0 }
            var behavior = TestServerBehavior()
            behavior.dropWithoutAnswerOnRequest = 5
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client(perHost: 4)
            let file = try Fixture.sparseFile(size: 300_000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for index in 0..<150 {
                            switch (worker + index) % 5 {
                            case 0:
                                _ = try? await client.send(try Fixture.get(server.url("/bytes/1000")), maxBodyBytes: 4096)
                            case 1:
                                // The scope ignores a body that is then drained.
                                _ = try? await client.execute(try Fixture.get(server.url("/bytes/50000"))) { $0.status }
                            case 2:
                                _ = try? await client.send(try Fixture.post(server.url("/up"), .file(file)), maxBodyBytes: 64)
                            case 3:
                                _ = try? await client.send(try Fixture.get(server.url("/status/404")), maxBodyBytes: 64)
                            default:
                                // Too large for the caller: fails with bodyTooLarge, the connection closes.
                                _ = try? await client.send(try Fixture.get(server.url("/chunked/100000")), maxBodyBytes: 10)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(server.requestCount >= 600)
            #expect(await Fixture.eventually { Exchange.liveCount.withLockedValue { $0 } == before })
            await client.shutdown()
            try await server.shutdown()
        }
    }
}
