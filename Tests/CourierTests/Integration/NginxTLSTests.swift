import Courier
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Courier

extension Network {
    /// https against a real nginx (installed by .ci/run) with certificates made by the test: keep-alive over
    /// one handshake, client certificates (`ssl_verify_client on`), a TLS 1.2-only server.
    @Suite struct NginxTLS {
        /// nginx with three TLS servers: `open` (any client), `mutual` (client certificate required, signed by
        /// the client CA) and `old` (TLS 1.2 only).
        final class Servers {
            let nginx: NginxProcess
            let open = Loopback.freePort()
            let mutual = Loopback.freePort()
            let old = Loopback.freePort()
            let pki: TestPKI
            let clientPKI: TestPKI

            init() async throws {
                pki = try TestPKI()
                clientPKI = try TestPKI(name: "Courier Client CA")
                let leaf = try pki.server()
                let certificate = try TestPKI.write(leaf.certificatePEM, name: "server.pem")
                let key = try TestPKI.write(leaf.privateKeyPEM, name: "server.key")
                let clientCA = try TestPKI.write(clientPKI.ca.certificatePEM, name: "client-ca.pem")
                let tls = "ssl_certificate \(certificate); ssl_certificate_key \(key);"
                nginx = try await NginxProcess(
                    servers: """
                        server {
                            listen 127.0.0.1:\(open) ssl; \(tls)
                            ssl_protocols TLSv1.2 TLSv1.3;
                            location = /status { stub_status; }
                            location / { return 200 "open\\n"; }
                        }
                        server {
                            listen 127.0.0.1:\(mutual) ssl; \(tls)
                            ssl_client_certificate \(clientCA);
                            ssl_verify_client on;
                            location / { return 200 "client $ssl_client_s_dn\\n"; }
                        }
                        server {
                            listen 127.0.0.1:\(old) ssl; \(tls)
                            ssl_protocols TLSv1.2;
                            location / { return 200 "old\\n"; }
                        }
                        """,
                    readyPort: old)
            }

            /// A client resolving `courier.test` to 127.0.0.1 (ports come from the URLs).
            func client(trustingCA: Bool = true, configure: (inout Configuration) throws -> Void = { _ in }) throws -> Client {
                var configuration = Configuration(pool: .init(maxConnectionsPerHost: 4, maxConnections: .limit(16)), proxy: .none)
                if trustingCA { configuration.tls.additionalTrustRoots = [.bytes(pki.ca.certificateBytes)] }
                configuration.resolverFactory = { eventLoop in
                    NameToLoopbackResolver(eventLoop: eventLoop)
                }
                try configure(&configuration)
                return Client(configuration: configuration)
            }

            func url(_ port: Int, _ path: String = "/", host: String = "courier.test") -> String {
                "https://\(host):\(port)\(path)"
            }

            func stop() { nginx.stop() }
        }

        @Test func aThousandRequestsOverOneHandshakeAndTheCertificateErrors() async throws {
            let servers = try await Servers()
            defer { servers.stop() }
            let client = try servers.client()
            func statusCounts() async throws -> [Int] {
                let status = try await client.send(try Fixture.get(servers.url(servers.open, "/status")), maxBodyBytes: 1024)
                let text = String(decoding: status.body.readableBytesView, as: UTF8.self)
                // "Active connections: 1\nserver accepts handled requests\n 2 2 1001 \n..."
                return text.split(separator: "\n").dropFirst(2).first?.split(separator: " ").compactMap { Int($0) } ?? []
            }
            // nginx's counters include the readiness probe's connection: compare before and after.
            let before = try await statusCounts()
            for _ in 0..<1_000 {
                let response = try await client.send(try Fixture.get(servers.url(servers.open, "/hello")), maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            let after = try await statusCounts()
            print("nginx stub_status accepts/handled/requests before \(before), after 1,000 https requests \(after)")
            #expect(before.count == 3 && after.count == 3)
            #expect(after[0] == before[0] && after[1] == before[1])
            #expect(after[2] == before[2] + 1_001)
            #expect(client.statistics.connectionsOpened == 1)
            await client.shutdown()

            // The same nginx without trusting the CA, and under a name the certificate does not have.
            let untrusting = try servers.client(trustingCA: false)
            await #expect(throws: CourierError.tlsUntrustedCertificate(host: "courier.test", subject: "courier.test", issuer: "Courier Test CA")) {
                _ = try await untrusting.send(try Fixture.get(servers.url(servers.open)), maxBodyBytes: 64)
            }
            await untrusting.shutdown()
            let misnamed = try servers.client()
            await #expect(throws: CourierError.tlsHostnameMismatch(host: "wrong.test", certificateNames: ["courier.test", "localhost", "127.0.0.1"])) {
                _ = try await misnamed.send(try Fixture.get(servers.url(servers.open, host: "wrong.test")), maxBodyBytes: 64)
            }
            await misnamed.shutdown()
        }

        @Test func sslVerifyClientAcceptsTheRightCertificateAndRejectsOthers() async throws {
            let servers = try await Servers()
            defer { servers.stop() }
            let identity = try servers.clientPKI.client(commonName: "courier client")
            let withCertificate = try servers.client {
                $0.tls.clientCertificate = .init(certificateChain: .bytes(identity.certificateBytes), privateKey: .bytes(identity.privateKeyBytes))
            }
            let accepted = try await withCertificate.send(try Fixture.get(servers.url(servers.mutual)), maxBodyBytes: 256)
            #expect(accepted.status == .ok)
            #expect(String(decoding: accepted.body.readableBytesView, as: UTF8.self) == "client CN=courier client\n")
            await withCertificate.shutdown()

            // Files work as well as bytes.
            let fromFiles = try servers.client {
                $0.tls.clientCertificate = .init(
                    certificateChain: .file(try TestPKI.write(identity.certificatePEM, name: "client.pem")),
                    privateKey: .file(try TestPKI.write(identity.privateKeyPEM, name: "client.key")))
            }
            #expect(try await fromFiles.send(try Fixture.get(servers.url(servers.mutual)), maxBodyBytes: 256).status == .ok)
            await fromFiles.shutdown()

            // nginx finishes the handshake and answers 400 itself when the certificate is missing or not its CA's.
            let without = try servers.client()
            let refused = try await without.send(try Fixture.get(servers.url(servers.mutual)), maxBodyBytes: 4096)
            #expect(refused.status == .badRequest)
            #expect(String(decoding: refused.body.readableBytesView, as: UTF8.self).contains("No required SSL certificate was sent"))
            await without.shutdown()
            let stranger = try TestPKI(name: "Stranger CA").client()
            let wrong = try servers.client {
                $0.tls.clientCertificate = .init(certificateChain: .bytes(stranger.certificateBytes), privateKey: .bytes(stranger.privateKeyBytes))
            }
            let rejected = try await wrong.send(try Fixture.get(servers.url(servers.mutual)), maxBodyBytes: 4096)
            #expect(rejected.status == .badRequest)
            #expect(String(decoding: rejected.body.readableBytesView, as: UTF8.self).contains("The SSL certificate error"))
            await wrong.shutdown()
        }

        @Test func aMinimumOfTLS13FailsAgainstATLS12OnlyServerSayingSo() async throws {
            let servers = try await Servers()
            defer { servers.stop() }
            let strict = try servers.client { $0.tls.minimumVersion = .tls13 }
            await #expect(throws: CourierError.tlsHandshakeFailed(
                host: "courier.test", port: servers.old,
                reason: "no TLS version in common: the minimum version is TLS 1.3 and the server does not offer it")) {
                _ = try await strict.send(try Fixture.get(servers.url(servers.old)), maxBodyBytes: 64)
            }
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: servers.old) == 0 })
            await strict.shutdown()
            let lenient = try servers.client()
            #expect(try await lenient.send(try Fixture.get(servers.url(servers.old)), maxBodyBytes: 64).status == .ok)
            await lenient.shutdown()
        }
    }
}

/// Answers every name with 127.0.0.1 at the port asked for (tests must never ask DNS about made-up names).
final class NameToLoopbackResolver: Resolver, Sendable {
    let eventLoop: EventLoop

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeCompletedFuture { [try SocketAddress(ipAddress: "127.0.0.1", port: port)] }
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeSucceededFuture([])
    }

    func cancelQueries() {}
}
