import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// The NIOSSL context of one client's ``Configuration/TLS``, built on first use and kept (loading the trust
/// store and certificates happens once per client, not per connection).
///
/// NIOSSL (BoringSSL) verifies the chain; the host name is checked by ``TLSHandshakeHandler`` with
/// ``HostnameMatcher``, because NIOSSL's own check also accepts a certificate for the IP address the socket is
/// connected to whatever name was asked for (and would compare with the proxy's address inside a tunnel).
final class TLSContextCache: Sendable {
    let settings: Configuration.TLS
    private let made = NIOLockedValueBox<Result<NIOSSLContext, CourierError>?>(nil)

    init(settings: Configuration.TLS) {
        self.settings = settings
    }

    /// The context for a connection made on `eventLoop`: at once when it was built before; otherwise it is built
    /// on NIO's thread pool (reading the trust store and certificate files blocks), never on the loop or the
    /// caller's thread, which may be an event loop (``Client/taskExecutor``) or the main actor.
    func context(on eventLoop: any EventLoop) -> EventLoopFuture<NIOSSLContext> {
        if let made = made.withLockedValue({ $0 }) {
            return eventLoop.makeCompletedFuture(made.mapError { $0 as Error })
        }
        return NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) { try self.context() }
    }

    /// The context for a connection.
    ///
    /// - Throws: ``CourierError/invalidTLSConfiguration(reason:)`` naming the setting that could not be used.
    func context() throws(CourierError) -> NIOSSLContext {
        let result = made.withLockedValue { made in
            if let made { return made }
            let result = Result { () throws(CourierError) in try Self.makeContext(settings) }
            made = result
            return result
        }
        return try result.get()
    }

    static func makeContext(_ settings: Configuration.TLS) throws(CourierError) -> NIOSSLContext {
        let configuration = try makeConfiguration(settings)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            let part = settings.clientCertificate == nil ? "the trust roots" : "the trust roots or the client certificate"
            throw .invalidTLSConfiguration(reason: "\(part) could not be used: \(error)")
        }
    }

    /// NIOSSL's configuration for `settings`: TLS 1.2 or 1.3 as configured, ALPN `http/1.1`, the chain verified
    /// (the name is checked after the handshake).
    static func makeConfiguration(_ settings: Configuration.TLS) throws(CourierError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = settings.minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        // Closing sends close_notify; waiting for the server's (NIOSSL's default: up to 5 s) only holds the
        // connection's budget slot against a peer that vanished. 100 ms lets a live server answer.
        configuration.shutdownTimeout = .milliseconds(100)
        switch settings.verification {
        case .full:
            configuration.certificateVerification = .noHostnameVerification
        case .insecureNoVerification:
            configuration.certificateVerification = .none
        }
        var extra: [NIOSSLCertificate] = []
        for source in settings.additionalTrustRoots {
            extra += try certificates(source, setting: "additionalTrustRoots")
        }
        if settings.trustSystemRoots {
            configuration.trustRoots = .default
            configuration.additionalTrustRoots = extra.isEmpty ? [] : [.certificates(extra)]
        } else {
            guard !extra.isEmpty || settings.verification == .insecureNoVerification else {
                throw .invalidTLSConfiguration(
                    reason: "trustSystemRoots is false and additionalTrustRoots is empty: no certificate could be trusted")
            }
            configuration.trustRoots = .certificates(extra)
        }
        if let client = settings.clientCertificate {
            let chain = try certificates(client.certificateChain, setting: "clientCertificate.certificateChain")
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(try privateKey(client.privateKey))
        }
        return configuration
    }

    /// Every certificate in `source`, which must hold at least one.
    static func certificates(_ source: Configuration.TLS.PEM, setting: String) throws(CourierError) -> [NIOSSLCertificate] {
        let bytes = try read(source, setting: setting)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw .invalidTLSConfiguration(reason: "\(setting): \(source) does not hold a valid PEM certificate")
        }
        guard !certificates.isEmpty else {
            throw .invalidTLSConfiguration(reason: "\(setting): \(source) holds no PEM certificate")
        }
        return certificates
    }

    static func privateKey(_ source: Configuration.TLS.PEM) throws(CourierError) -> NIOSSLPrivateKey {
        let bytes = try read(source, setting: "clientCertificate.privateKey")
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw .invalidTLSConfiguration(
                reason: "clientCertificate.privateKey: \(source) does not hold an unencrypted PEM private key")
        }
    }

    private static func read(_ source: Configuration.TLS.PEM, setting: String) throws(CourierError) -> [UInt8] {
        switch source {
        case .bytes(let bytes):
            return bytes
        case .file(let path):
            do {
                return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                let reason = FileManager.default.fileExists(atPath: path) ? "it could not be read" : "no such file"
                throw .invalidTLSConfiguration(reason: "\(setting): \(source): \(reason)")
            }
        }
    }
}
