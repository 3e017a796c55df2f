import Courier
import Foundation
import Testing

/// Where scripts/interop.sh says its servers are.
enum InteropEnvironment {
    /// The body-reading location of nginx with `keepalive_timeout 2s`.
    static var idleGapsURL: String? { ProcessInfo.processInfo.environment["COURIER_INTEROP_NGINX_URL"] }
}

/// Interop suite (issue 6), the one part that needs idle gaps on one `Client`: nginx with
/// `keepalive_timeout 2s` closes an idle keep-alive connection after 2 s without telling the client
/// (no `Keep-Alive` header, no `Connection: close`). Three batches of POSTs, 3 s apart, on one client:
/// every request must succeed without a re-send, the client must have dropped the connections nginx closed
/// while they sat idle, and it must have opened new ones for the next batch.
///
/// Skipped unless `COURIER_INTEROP_NGINX_URL` names such a server's body-reading location;
/// `scripts/interop.sh` starts nginx (`scripts/interop/nginx-keepalive-timeout-2s.conf`) and runs
/// `swift test --skip-build --filter InteropIdleGaps` with it set.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["COURIER_INTEROP_NGINX_URL"] != nil, "set COURIER_INTEROP_NGINX_URL (scripts/interop.sh does)"))
struct InteropIdleGaps {
    static var url: String? { ProcessInfo.processInfo.environment["COURIER_INTEROP_NGINX_URL"] }

    static let connectionsPerHost = 4
    static let batches = 3
    static let requestsPerBatch = 400
    static let pause: Duration = .seconds(3)

    @Test func batchesThreeSecondsApartOnOneClientSurviveSilentIdleCloses() async throws {
        let url = try #require(InteropEnvironment.idleGapsURL)
        let client = Client(configuration: Configuration(pool: .init(maxConnectionsPerHost: Self.connectionsPerHost)))
        var openedAfterBatch: [Int] = []
        var failures: [String] = []
        for batch in 0..<Self.batches {
            if batch > 0 {
                try await Task.sleep(for: Self.pause)
                // nginx closed every idle connection after 2 s; the client must have noticed (FIN while idle).
                let stillOpen = client.snapshot().origins.reduce(0) { $0 + $1.open }
                #expect(stillOpen == 0, "connections the server closed while idle are still in the pool after the pause")
            }
            failures += await Self.sendBatch(client: client, url: url, batch: batch)
            openedAfterBatch.append(client.snapshot().connectionsOpened)
        }
        let snapshot = client.snapshot()
        let total = Self.batches * Self.requestsPerBatch
        print("INTEROP-IDLE-GAPS requests=\(total) failures=\(failures.count) opened=\(snapshot.connectionsOpened) opened_after_batch=\(openedAfterBatch) retries=\(snapshot.retries) closed=\(snapshot.connectionsClosed.sorted { $0.key < $1.key })")
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(snapshot.requests == total)
        // Nothing was sent on a connection nginx had already closed: no re-sends at all.
        #expect(snapshot.retries == 0)
        // The first batch opened at most the limit; each later batch had to open at least one new connection.
        #expect(openedAfterBatch[0] >= 1 && openedAfterBatch[0] <= Self.connectionsPerHost)
        for batch in 1..<Self.batches {
            let openedInBatch = openedAfterBatch[batch] - openedAfterBatch[batch - 1]
            #expect(openedInBatch >= 1 && openedInBatch <= Self.connectionsPerHost, "batch \(batch) opened \(openedInBatch)")
        }
        await client.shutdown()
    }

    /// Sends one batch from `connectionsPerHost` tasks; returns a description of every failed request.
    static func sendBatch(client: Client, url: String, batch: Int) async -> [String] {
        await withTaskGroup(of: [String].self) { group in
            for worker in 0..<connectionsPerHost {
                group.addTask {
                    var failures: [String] = []
                    for index in stride(from: worker, to: requestsPerBatch, by: connectionsPerHost) {
                        let size = (index * 131 + batch * 17) % 6_000
                        let body = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size)
                        do {
                            let request = try Request(method: "POST", url: url, body: .bytes(body))
                            let response = try await client.send(request, maxBodyBytes: 1 << 16)
                            if response.status.code != 204 {
                                failures.append("batch \(batch) request \(index): HTTP \(response.status.code)")
                            }
                        } catch {
                            failures.append("batch \(batch) request \(index): \(error)")
                        }
                    }
                    return failures
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
    }
}
