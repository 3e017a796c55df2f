import Courier
import CourierTestServer
import Testing

extension Network {
    /// `Client.execute` and its handler run in the caller's isolation (`nonisolated(nonsending)`; the `isolation:`
    /// parameter it had before gave the same guarantee, and these tests hold either declaration to it). A handler
    /// called from an actor touches the actor's state without `await`, which compiles only while the handler is
    /// isolated to its caller, and runs on the actor's executor (checked at run time: a failure stops the test
    /// process, as `preconditionIsolated` has no way to report one).
    @Suite struct ExecuteIsolation {
        actor Recorder {
            let client: Client
            var statuses: [Int] = []
            var bodyBytes = 0

            init(client: Client) { self.client = client }

            func fetch(_ url: String) async throws {
                try await client.execute(try Fixture.get(url)) { response in
                    self.preconditionIsolated("the handler runs on the calling actor")
                    statuses.append(response.status.code)
                    for try await chunk in response.body { bodyBytes += chunk.readableBytes }
                }
                // Back from `execute`, still on the actor.
                preconditionIsolated("execute returns on the calling actor")
            }
        }

        @Test func theHandlerRunsOnTheCallingActor() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            let recorder = Recorder(client: client)
            for _ in 0..<20 { try await recorder.fetch(server.url("/bytes/10")) }
            #expect(await recorder.statuses == Array(repeating: 200, count: 20))
            #expect(await recorder.bodyBytes == 200)
            #expect(server.acceptedConnections == 1)
            await client.shutdown()
            try await server.shutdown()
        }

        @MainActor @Test func theHandlerRunsOnTheMainActor() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            var statuses: [Int] = []
            for _ in 0..<5 {
                try await client.execute(try Fixture.get(server.url("/"))) { response in
                    MainActor.preconditionIsolated("the handler runs on the main actor")
                    statuses.append(response.status.code)
                }
            }
            #expect(statuses == Array(repeating: 200, count: 5))
            await client.shutdown()
            try await server.shutdown()
        }
    }
}
