import Courier
import CourierTestServer
import Foundation
import NIOCore
import NIOSSL
import Testing

@testable import Courier

extension Network {
    /// https against the in-process TLS test server, with certificates made by the test (``TestPKI``).
    @Suite struct TLS {
        /// A client that resolves every name to `server` (so `courier.test` needs no DNS) and trusts `ca`.
        static func client(
            to server: TestServer, trusting ca: TestPKI.Issued?, configure: (inout Configuration) -> Void = { _ in }
        ) throws -> Client {
            var configuration = Configuration(pool: .init(maxConnectionsPerHost: 4, maxConnections: .limit(16)), proxy: .none)
            if let ca { configuration.tls.additionalTrustRoots = [.bytes(ca.certificateBytes)] }
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: server.port)
            configuration.resolverFactory = { eventLoop in StaticResolver(eventLoop: eventLoop, addresses: [address]) }
            configure(&configuration)
            return Client(configuration: configuration)
        }

        @Test func aTrustedServerServesAThousandRequestsOverOneHandshake() async throws {
            let pki = try TestPKI()
            let server = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server()))
            let client = try Self.client(to: server, trusting: pki.ca)
            let before = SocketCensus.openDescriptors()
            for index in 0..<1_000 {
                let body = Array("request \(index)".utf8)
                let response = try await client.send(
                    try Fixture.post(server.url("/tls/\(index)", host: "courier.test"), .bytes(body)), maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            #expect(server.acceptedConnections == 1)
            #expect(server.tlsHandshakes == 1)
            #expect(client.statistics.connectionsOpened == 1)
            #expect(server.requests.count == 1_000)
            #expect(server.requests.last?.sha256 == Fixture.sha256Hex(Array("request 999".utf8)))
            #expect(server.requests.first?.header("Host") == "courier.test:\(server.port)")
            // One connection open (its two ends, both in this process), nothing else held.
            #expect(SocketCensus.openDescriptors() - before <= 2)
            await client.shutdown()
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            try await server.shutdown()
        }

        @Test func anIPLiteralIsCheckedAgainstTheCertificatesAddresses() async throws {
            let pki = try TestPKI()
            let server = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server(ipAddresses: [[127, 0, 0, 1]])))
            let client = try Self.client(to: server, trusting: pki.ca)
            let response = try await client.send(try Fixture.get(server.url("/by-address")), maxBodyBytes: 64)
            #expect(response.status == .ok)
            await client.shutdown()

            let other = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server(ipAddresses: [[127, 0, 0, 2]])))
            let strict = try Self.client(to: other, trusting: pki.ca)
            await #expect(throws: CourierError.tlsHostnameMismatch(host: "127.0.0.1", certificateNames: ["courier.test", "localhost", "127.0.0.2"])) {
                _ = try await strict.send(try Fixture.get(other.url("/by-address")), maxBodyBytes: 64)
            }
            await strict.shutdown()
            try await server.shutdown()
            try await other.shutdown()
        }

        @Test func withoutTheCAItsCertificateIsUntrustedAndNothingIsSent() async throws {
            let pki = try TestPKI(name: "Unknown Test CA")
            let server = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server()))
            let client = try Self.client(to: server, trusting: nil)
            let error = await #expect(throws: CourierError.self) {
                _ = try await client.send(try Fixture.get(server.url("/", host: "courier.test")), maxBodyBytes: 64)
            }
            #expect(error == .tlsUntrustedCertificate(host: "courier.test", subject: "courier.test", issuer: "Unknown Test CA"))
            print("untrusted: \(error.map { "\($0)" } ?? "-")")
            #expect(server.requestCount == 0)
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            #expect(client.snapshot().budgetInUse == 0)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aCertificateForOtherNamesFailsListingThem() async throws {
            let pki = try TestPKI()
            let leaf = try pki.server(commonName: "other.test", dnsNames: ["other.test", "*.other.test"], ipAddresses: [])
            let server = try await TestServer.start(tls: try TestPKI.serverContext(leaf))
            let client = try Self.client(to: server, trusting: pki.ca)
            let error = await #expect(throws: CourierError.self) {
                _ = try await client.send(try Fixture.get(server.url("/", host: "courier.test")), maxBodyBytes: 64)
            }
            #expect(error == .tlsHostnameMismatch(host: "courier.test", certificateNames: ["other.test", "*.other.test"]))
            #expect(error?.description.contains("'other.test', '*.other.test'") == true)
            // The wildcard covers one label: a.other.test is accepted, the CA being trusted.
            let response = try await client.send(try Fixture.get(server.url("/", host: "a.other.test")), maxBodyBytes: 64)
            #expect(response.status == .ok)
            #expect(server.requestCount == 1)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func anExpiredCertificateFailsSayingWhenItExpired() async throws {
            let pki = try TestPKI()
            let expiry = Date() - 86_400
            let leaf = try pki.server(validFrom: expiry - 86_400, validUntil: expiry)
            let server = try await TestServer.start(tls: try TestPKI.serverContext(leaf))
            let client = try Self.client(to: server, trusting: pki.ca)
            let error = await #expect(throws: CourierError.self) {
                _ = try await client.send(try Fixture.get(server.url("/", host: "courier.test")), maxBodyBytes: 64)
            }
            guard case .tlsCertificateExpired(let host, let subject, let notValidAfter) = error else {
                Issue.record("expected an expired-certificate error, got \(String(describing: error))")
                return
            }
            #expect(host == "courier.test" && subject == "courier.test")
            #expect(notValidAfter == CertificateFacts.iso8601(Int64(leaf.certificate.notValidAfter.timeIntervalSince1970)))
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aMinimumVersionAboveWhatTheServerOffersFailsSayingSo() async throws {
            let pki = try TestPKI()
            let server = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server(), maximumVersion: .tlsv12))
            let client = try Self.client(to: server, trusting: pki.ca) { $0.tls.minimumVersion = .tls13 }
            let error = await #expect(throws: CourierError.self) {
                _ = try await client.send(try Fixture.get(server.url("/", host: "courier.test")), maxBodyBytes: 64)
            }
            guard case .tlsHandshakeFailed(_, _, let reason) = error else {
                Issue.record("expected a handshake failure, got \(String(describing: error))")
                return
            }
            #expect(reason.contains("TLS 1.3"))
            await client.shutdown()
            // The default minimum (TLS 1.2) accepts it.
            let lenient = try Self.client(to: server, trusting: pki.ca)
            #expect(try await lenient.send(try Fixture.get(server.url("/", host: "courier.test")), maxBodyBytes: 64).status == .ok)
            await lenient.shutdown()
            try await server.shutdown()
        }

        @Test func aClientCertificateIsPresentedWhenConfiguredAndRequiredByTheServer() async throws {
            let pki = try TestPKI()
            let clients = try TestPKI(name: "Courier Client CA")
            let context = try TestPKI.serverContext(try pki.server(), clientCA: clients.ca)
            let server = try await TestServer.start(tls: context)
            let identity = try clients.client()
            let withCertificate = try Self.client(to: server, trusting: pki.ca) {
                $0.tls.clientCertificate = .init(
                    certificateChain: .bytes(identity.certificateBytes), privateKey: .bytes(identity.privateKeyBytes))
            }
            #expect(try await withCertificate.send(try Fixture.get(server.url("/", host: "courier.test")), maxBodyBytes: 64).status == .ok)
            await withCertificate.shutdown()

            let without = try Self.client(to: server, trusting: pki.ca)
            let error = await #expect(throws: CourierError.self) {
                _ = try await without.send(try Fixture.get(server.url("/", host: "courier.test")), maxBodyBytes: 64)
            }
            print("without a client certificate: \(error.map { "\($0)" } ?? "-")")
            #expect(error == .tlsHandshakeFailed(
                host: "courier.test", port: server.port,
                reason: "the server requires a client certificate and none is configured (clientCertificate)"))
            await without.shutdown()

            // A certificate from a CA the server does not trust is refused too.
            let stranger = try TestPKI(name: "Stranger CA").client()
            let wrong = try Self.client(to: server, trusting: pki.ca) {
                $0.tls.clientCertificate = .init(
                    certificateChain: .bytes(stranger.certificateBytes), privateKey: .bytes(stranger.privateKeyBytes))
            }
            let refused = await #expect(throws: CourierError.self) {
                _ = try await wrong.send(try Fixture.get(server.url("/", host: "courier.test")), maxBodyBytes: 64)
            }
            print("with a stranger's client certificate: \(refused.map { "\($0)" } ?? "-")")
            guard case .tlsHandshakeFailed = refused else {
                Issue.record("expected a handshake failure, got \(String(describing: refused))")
                return
            }
            #expect(server.requestCount == 1)
            await wrong.shutdown()
            try await server.shutdown()
        }

        @Test func aServerThatNeverCompletesTheHandshakeHitsTheHandshakeTimeout() async throws {
            let listener = try SilentListener()
            defer { listener.close() }
            var configuration = Configuration(pool: .init(maxConnections: .limit(4)), proxy: .none)
            configuration.timeouts.tlsHandshake = .milliseconds(500)
            let client = Client(configuration: configuration)
            let started = ContinuousClock.now
            await #expect(throws: CourierError.tlsHandshakeTimeout(host: "127.0.0.1", port: listener.port, timeout: .milliseconds(500))) {
                _ = try await client.send(try Fixture.get("https://127.0.0.1:\(listener.port)/"), maxBodyBytes: 64)
            }
            let elapsed = ContinuousClock.now - started
            print("handshake timeout after \(elapsed)")
            #expect(elapsed >= .milliseconds(500) && elapsed < .milliseconds(1_500))
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: listener.port) == 0 })
            #expect(client.snapshot().budgetInUse == 0)
            await client.shutdown()
        }

        @Test func httpsToAPlainHTTPPortSaysTheServerDoesNotSpeakTLS() async throws {
            let server = try await TestServer.start()
            let client = Client(configuration: Configuration(proxy: .none))
            let error = await #expect(throws: CourierError.self) {
                _ = try await client.send(try Fixture.get("https://127.0.0.1:\(server.port)/"), maxBodyBytes: 64)
            }
            print("https to http: \(error.map { "\($0)" } ?? "-")")
            guard case .tlsHandshakeFailed(_, _, let reason) = error else {
                Issue.record("expected a handshake failure, got \(String(describing: error))")
                return
            }
            #expect(reason.contains("did not answer with TLS") || reason.contains("closed the connection"))
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func verificationCanBeTurnedOffOnlyByName() async throws {
            let pki = try TestPKI(name: "Throwaway CA")
            let server = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server(dnsNames: ["elsewhere.test"])))
            let client = try Self.client(to: server, trusting: nil) { $0.tls.verification = .insecureNoVerification }
            #expect(try await client.send(try Fixture.get(server.url("/", host: "courier.test")), maxBodyBytes: 64).status == .ok)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func unusableTLSSettingsFailNamingTheSettingBeforeAnyConnection() async throws {
            let server = try await TestServer.start()
            let missing = try Self.client(to: server, trusting: nil) { $0.tls.additionalTrustRoots = [.file("/nonexistent/ca.pem")] }
            await #expect(throws: CourierError.invalidTLSConfiguration(reason: "additionalTrustRoots: '/nonexistent/ca.pem': no such file")) {
                _ = try await missing.send(try Fixture.get("https://courier.test/"), maxBodyBytes: 64)
            }
            let garbage = try Self.client(to: server, trusting: nil) { $0.tls.additionalTrustRoots = [.bytes(Array("not a certificate".utf8))] }
            await #expect(throws: CourierError.invalidTLSConfiguration(reason: "additionalTrustRoots: PEM bytes (17 bytes) does not hold a valid PEM certificate")) {
                _ = try await garbage.send(try Fixture.get("https://courier.test/"), maxBodyBytes: 64)
            }
            #expect(server.acceptedConnections == 0)
            // Plain http on the same client is unaffected.
            #expect(try await garbage.send(try Fixture.get(server.url("/")), maxBodyBytes: 64).status == .ok)
            await missing.shutdown()
            await garbage.shutdown()
            try await server.shutdown()
        }
    }
}

/// A listening socket on 127.0.0.1 that is never accepted: the kernel completes TCP connects into its backlog,
/// but nothing ever answers (a TLS handshake to it never completes).
final class SilentListener: @unchecked Sendable {
    let port: Int
    private var fd: CInt

    init() throws {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Loopback.address()
        guard Loopback.withSockaddr(&address, { bind(socket, $0, $1) }) == 0, listen(socket, 64) == 0 else {
            Foundation.close(socket)
            throw CourierError.ioFailed(reason: "could not listen on 127.0.0.1")
        }
        fd = socket
        port = Loopback.boundPort(socket)
    }

    func close() {
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
    }
}
