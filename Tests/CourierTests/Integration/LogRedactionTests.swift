import Courier
import CourierTestServer
import Logging
import Synchronization
import Testing

/// Keeps every log event, rendered as text, for tests that check what a client logs.
struct CapturingLogHandler: LogHandler {
    /// The rendered events, shared by every copy of the handler.
    final class Store: Sendable {
        let lines = Mutex<[String]>([])
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider? = nil
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\($0)" } ?? ""
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(rendered)\(error)") }
    }
}

extension Network {
    /// URL and proxy credentials never reach a log, at any level.
    @Suite struct LogRedaction {
        @Test func credentialsNeverReachTheLogs() async throws {
            let store = CapturingLogHandler.Store()
            let logger = Logger(label: "courier-test") { _ in CapturingLogHandler(store: store) }
            var behavior = TestServerBehavior()
            behavior.abruptCloseAfterResponses = 1
            let server = try await TestServer.start(behavior: behavior)
            // A proxy that refuses connections, named with credentials.
            let closed = try await TestServer.start()
            let closedPort = closed.port
            try await closed.shutdown()

            let direct = Fixture.client { $0.logger = logger; $0.proxy = .none }
            for _ in 0..<3 {
                let response = try await direct.send(
                    try Fixture.get("http://urlus3r:urlpassw0rd@127.0.0.1:\(server.port)/"), maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            #expect(server.requests.allSatisfy { $0.header("Authorization") != nil })
            await direct.shutdown()

            let proxied = Fixture.client {
                $0.logger = logger
                $0.proxy = .url("http://pr0xyus3r:pr0xypassw0rd@127.0.0.1:\(closedPort)", proxyLoopback: true)
            }
            await #expect(throws: CourierError.self) {
                _ = try await proxied.send(
                    try Fixture.get("http://urlus3r:urlpassw0rd@127.0.0.1:\(server.port)/"), maxBodyBytes: 64)
            }
            await proxied.shutdown()
            try await server.shutdown()

            let lines = store.lines.withLock { $0 }
            // The logs were written (at debug), so the check below looks at real output.
            #expect(lines.contains { $0.contains("opening connection") })
            #expect(lines.contains { $0.contains("connect failed") && $0.contains("127.0.0.1:\(closedPort)") })
            for line in lines {
                for secret in ["urlus3r", "urlpassw0rd", "pr0xyus3r", "pr0xypassw0rd"] {
                    #expect(!line.contains(secret), "\(line)")
                }
            }
            print("log redaction: \(lines.count) log lines checked")
        }
    }
}
