import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// Certificates made at test time (P-256, swift-certificates): a CA and leaves it signs, valid or expired,
/// for servers or clients. Nothing is read from or kept on disk unless a test writes it there.
struct TestPKI {
    /// A certificate with its private key, PEM-encoded.
    struct Issued {
        var certificatePEM: String
        var privateKeyPEM: String
        var certificate: Certificate
        fileprivate var key: P256.Signing.PrivateKey

        var certificateBytes: [UInt8] { Array(certificatePEM.utf8) }
        var privateKeyBytes: [UInt8] { Array(privateKeyPEM.utf8) }
    }

    let ca: Issued
    let name: String

    /// A new CA named `name`.
    init(name: String = "Courier Test CA") throws {
        self.name = name
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { OrganizationName("Courier tests"); CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        ca = Issued(
            certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation,
            certificate: certificate, key: key)
    }

    /// A server certificate for `dnsNames` and `ipAddresses`, valid from `validFrom` to `validUntil`.
    func server(
        commonName: String = "courier.test", dnsNames: [String] = ["courier.test", "localhost"],
        ipAddresses: [[UInt8]] = [[127, 0, 0, 1]], validFrom: Date = Date() - 3600, validUntil: Date = Date() + 86_400
    ) throws -> Issued {
        try issue(
            commonName: commonName, names: dnsNames.map { .dnsName($0) } + ipAddresses.map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) },
            usage: .serverAuth, validFrom: validFrom, validUntil: validUntil)
    }

    /// A client certificate named `commonName`.
    func client(commonName: String = "courier client") throws -> Issued {
        try issue(commonName: commonName, names: [], usage: .clientAuth, validFrom: Date() - 3600, validUntil: Date() + 86_400)
    }

    private func issue(
        commonName: String, names: [GeneralName], usage: ExtendedKeyUsage.Usage, validFrom: Date, validUntil: Date
    ) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(commonName) }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: validFrom, notValidAfter: validUntil, issuer: ca.certificate.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([usage])
                if !names.isEmpty { SubjectAlternativeNames(names) }
                AuthorityKeyIdentifier(keyIdentifier: try ca.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: .init(ca.key))
        return Issued(
            certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation,
            certificate: certificate, key: key)
    }

    /// A NIOSSL server context presenting `leaf`; with `clientCA`, it requires a client certificate signed by it.
    static func serverContext(
        _ leaf: Issued, clientCA: Issued? = nil, maximumVersion: TLSVersion? = nil
    ) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: leaf.certificateBytes, format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: leaf.privateKeyBytes, format: .pem)))
        configuration.applicationProtocols = ["http/1.1"]
        configuration.maximumTLSVersion = maximumVersion
        if let clientCA {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: clientCA.certificateBytes, format: .pem)])
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Writes `text` to a new file in a temporary directory and returns its path.
    static func write(_ text: String, name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
