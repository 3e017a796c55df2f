import Courier
import CourierTestServer
import Foundation
import Testing

extension Network {
    /// Plain-http requests through a real tinyproxy (installed by .ci/run), started on 127.0.0.1 by the test.
    @Suite struct Tinyproxy {
        /// A tinyproxy in the foreground with its own config and log in a temporary directory.
        final class Running {
            let port: Int
            let logPath: String
            private let process: Process

            init() throws {
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-tinyproxy-\(UUID().uuidString)").path
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                port = Loopback.freePort()
                logPath = directory + "/tinyproxy.log"
                let config = """
                    Port \(port)
                    Listen 127.0.0.1
                    Timeout 30
                    Allow 127.0.0.1
                    MaxClients 64
                    LogFile "\(logPath)"
                    LogLevel Info
                    """
                try config.write(toFile: directory + "/tinyproxy.conf", atomically: true, encoding: .utf8)
                guard let binary = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"].first(where: FileManager.default.isExecutableFile) else {
                    throw Missing()
                }
                process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["-d", "-c", directory + "/tinyproxy.conf"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
            }

            struct Missing: Error, CustomStringConvertible {
                var description: String { "tinyproxy is not installed (.ci/run installs it with apt)" }
            }

            var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

            /// Waits until it accepts connections.
            func ready() async -> Bool {
                await Fixture.eventually(timeout: .seconds(10)) { self.log.contains("listening on") || self.log.contains("Listening on") || Loopback.accepts(port: self.port) }
            }

            /// Kills it: a child started from a concurrency thread may inherit a blocked SIGTERM.
            func stop() {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        @Test func plainHTTPGoesThroughTinyproxyAndNoProxyBypassesIt() async throws {
            let proxy = try Running()
            defer { proxy.stop() }
            #expect(await proxy.ready())
            let server = try await TestServer.start()
            var configuration = Configuration(proxy: .url("http://127.0.0.1:\(proxy.port)", proxyLoopback: true))
            configuration.pool.maxConnectionsPerHost = 2
            let client = Client(configuration: configuration)
            // tinyproxy relays the origin's HTTP/1.1 status line without `Connection: close` but closes its client
            // connection after every response. A request reused on such a connection before the close arrives
            // fails after it was written (POSTs are re-sent only under `.replayable`); after two such quiet
            // closes in a row the pool stops reusing this origin's connections, so at most two are re-sent, plus
            // one for the probe the pool makes after 16 connections (does the server keep connections again?).
            for index in 0..<20 {
                var request = try Request(method: "POST", url: server.url("/through/\(index)"), body: .string("body \(index)"))
                request.retryPolicy = .replayable
                let response = try await client.send(request, maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            print("through tinyproxy: \(client.statistics.connectionsOpened) connections, \(client.statistics.retries) re-sent")
            #expect(client.statistics.retries <= 3)
            #expect((client.snapshot().connectionsClosed["server_closes_each_response"] ?? 0) >= 10)
            #expect(server.requests.count == 20)
            #expect(server.requests.allSatisfy { ($0.header("Via") ?? "").contains("tinyproxy") })
            #expect(server.requests.map(\.uri) == (0..<20).map { "/through/\($0)" })
            #expect(server.requests.map(\.sha256) == (0..<20).map { Fixture.sha256Hex(Array("body \($0)".utf8)) })
            #expect(await Fixture.eventually { proxy.log.contains("GET http://127.0.0.1:\(server.port)/through/0") || proxy.log.contains("POST http://127.0.0.1:\(server.port)/through/0") })
            // tinyproxy closes its client connections after each response, so the pool holds none afterwards;
            // what the client opened went to the proxy (the origin saw only tinyproxy's own connections).
            #expect(client.statistics.connectionsOpened >= 1 && client.statistics.connectionsOpened <= 20)
            #expect(SocketCensus.clientSockets(toPort: proxy.port) <= 2)
            await client.shutdown()

            let bypass = Client(configuration: Configuration(proxy: .url("http://127.0.0.1:\(proxy.port)", noProxy: ["127.0.0.0/8"], proxyLoopback: true)))
            _ = try await bypass.send(try Fixture.get(server.url("/direct")), maxBodyBytes: 64)
            #expect(server.requests.last?.uri == "/direct")
            #expect(server.requests.last?.header("Via") == nil)
            #expect(!proxy.log.contains("/direct"))
            await bypass.shutdown()
            try await server.shutdown()
        }

        @Test func httpsGoesThroughATinyproxyTunnelReusedForEveryRequest() async throws {
            let proxy = try Running()
            defer { proxy.stop() }
            #expect(await proxy.ready())
            let pki = try TestPKI()
            let origin = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server()))
            var configuration = Configuration(proxy: .url("http://127.0.0.1:\(proxy.port)", proxyLoopback: true))
            configuration.tls.additionalTrustRoots = [.bytes(pki.ca.certificateBytes)]
            let client = Client(configuration: configuration)
            for index in 0..<10 {
                let response = try await client.send(
                    try Fixture.post(origin.url("/secure/\(index)"), .string("tunnelled \(index)")), maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            #expect(origin.requests.map(\.sha256) == (0..<10).map { Fixture.sha256Hex(Array("tunnelled \($0)".utf8)) })
            // Inside the tunnel tinyproxy sees only TLS: no Via header, one handshake, one tunnel.
            #expect(origin.requests.allSatisfy { $0.header("Via") == nil })
            #expect(origin.tlsHandshakes == 1)
            #expect(client.statistics.connectionsOpened == 1)
            #expect(await Fixture.eventually { proxy.log.contains(": CONNECT 127.0.0.1:\(origin.port) HTTP/1.1") })
            #expect(proxy.log.components(separatedBy: ": CONNECT 127.0.0.1:").count - 1 == 1)
            await client.shutdown()
            try await origin.shutdown()
        }
    }
}
