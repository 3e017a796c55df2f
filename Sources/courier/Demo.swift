import ArgumentParser
import Courier
import CourierTestServer
import Foundation

/// `courier demo`: starts the in-process test server and shows connection reuse against it.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a local test server and send requests to it, showing how connections are reused.",
        discussion: """
            The server answers without a Connection header (the "too many open files" situation). Courier \
            reuses one keep-alive connection for sequential requests, stays within the per-host limit for \
            concurrent ones, and opens one connection per request only when asked to send Connection: close.

            Example:
              courier demo --requests 1000
            """
    )

    @Option(name: [.short, .customLong("requests")], help: "Requests per phase (1-100000).")
    var requests: Int = 200

    func validate() throws {
        guard (1...100_000).contains(requests) else {
            throw ValidationError("--requests must be between 1 and 100000, got \(requests)")
        }
    }

    func run() async throws {
        let server = try await TestServer.start()
        let client = Client(configuration: .init(pool: .init(maxConnectionsPerHost: 4)))
        let url = server.url("/upload")
        let payload = [UInt8](repeating: 7, count: 1024)

        print("test server listening on \(server.url())")
        let started = ContinuousClock.now
        for _ in 0..<requests {
            let request = try Request(method: "POST", url: url, body: .bytes(payload))
            _ = try await client.execute(request) { $0.status }
        }
        let sequential = server.acceptedConnections
        print("\(requests) sequential POSTs of 1 KiB: \(sequential) connection(s), \(ContinuousClock.now - started)")

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in stride(from: worker, to: requests, by: 4) {
                        let request = try Request(method: "POST", url: url, body: .string("request \(index)"))
                        _ = try await client.send(request, maxBodyBytes: 1024)
                    }
                }
            }
            try await group.waitForAll()
        }
        print("\(requests) POSTs from 4 tasks (limit 4 per host): \(server.acceptedConnections - sequential) more connection(s)")

        let before = server.acceptedConnections
        for _ in 0..<min(requests, 100) {
            let request = try Request(method: "POST", url: url, body: .bytes(payload), closeConnection: true)
            _ = try await client.execute(request) { $0.status }
        }
        print("\(min(requests, 100)) POSTs with Connection: close: \(server.acceptedConnections - before) connection(s)")
        let received = server.requests
        let bytes = received.reduce(0) { $0 + $1.bodyLength }
        print("server received \(received.count) requests, \(bytes) body bytes")
        await client.shutdown()
        try await server.shutdown()
    }
}
