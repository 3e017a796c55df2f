import Testing

@testable import Courier

/// How handshake failures are told apart and described (pure; the integration tests cause the real ones).
@Suite struct TLSFailureTests {
    static let leaf = CertificateFacts(
        subject: "courier.test", issuer: "Some CA", notValidBefore: 1_000, notValidAfter: 2_000,
        dnsNames: ["courier.test", "*.courier.test"], ipAddresses: [IPLiteral("127.0.0.1")!, IPLiteral("::1")!])

    @Test(arguments: [
        ("error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED", TLSFailure.Kind.verificationFailed),
        ("error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL", .protocolVersion),
        ("error:1000042e:SSL routines:OPENSSL_internal:TLSV1_ALERT_PROTOCOL_VERSION", .protocolVersion),
        ("error:1000009c:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER", .notTLS),
        ("error:100000c6:SSL routines:OPENSSL_internal:HTTP_REQUEST", .notTLS),
        ("error:1000045c:SSL routines:OPENSSL_internal:TLSV1_CERTIFICATE_REQUIRED", .clientCertificateRequired),
        ("error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA", .clientCertificateRejected(alert: "TLSV1_ALERT_UNKNOWN_CA")),
        ("error:10000460:SSL routines:OPENSSL_internal:TLSV1_ALERT_NO_APPLICATION_PROTOCOL", .noCommonApplicationProtocol),
        ("EOF during handshake", .closedDuringHandshake),
        ("something new", .other("something new")),
    ])
    func reasonCodesMapToKinds(text: String, kind: TLSFailure.Kind) {
        #expect(TLSFailure.kind(errorText: text) == kind)
    }

    @Test func aFailedVerificationIsToldApartByTheCertificatesDates() {
        func error(now: Int64, leaf: CertificateFacts? = Self.leaf) -> CourierError {
            TLSFailure.error(.verificationFailed, host: "courier.test", port: 443, leaf: leaf, settings: .init(), now: now)
        }
        #expect(error(now: 1_500) == .tlsUntrustedCertificate(host: "courier.test", subject: "courier.test", issuer: "Some CA"))
        #expect(error(now: 2_001) == .tlsCertificateExpired(host: "courier.test", subject: "courier.test", notValidAfter: "1970-01-01T00:33:20Z"))
        #expect(error(now: 999) == .tlsCertificateNotYetValid(host: "courier.test", subject: "courier.test", notValidBefore: "1970-01-01T00:16:40Z"))
        #expect(error(now: 1_500, leaf: nil) == .tlsHandshakeFailed(host: "courier.test", port: 443, reason: "the server's certificate could not be verified"))
        var selfSigned = Self.leaf
        selfSigned.issuer = selfSigned.subject
        #expect("\(error(now: 1_500, leaf: selfSigned))".contains("is self-signed"))
    }

    @Test func aNameMismatchListsEveryNameOfTheCertificate() {
        let error = TLSFailure.error(.hostnameMismatch, host: "other.test", port: 443, leaf: Self.leaf, settings: .init(), now: 0)
        #expect(error == .tlsHostnameMismatch(host: "other.test", certificateNames: ["courier.test", "*.courier.test", "127.0.0.1", "0:0:0:0:0:0:0:1"]))
        #expect("\(error)" == "the certificate presented for other.test is not for that name; it is for 'courier.test', '*.courier.test', '127.0.0.1', '0:0:0:0:0:0:0:1'")
        var bare = Self.leaf
        bare.dnsNames = []
        bare.ipAddresses = []
        #expect(bare.names == ["courier.test"])
    }

    @Test func versionAndClientCertificateFailuresSayWhatToChange() {
        var strict = Configuration.TLS()
        strict.minimumVersion = .tls13
        let version = TLSFailure.error(.protocolVersion, host: "h", port: 1, leaf: nil, settings: strict, now: 0)
        #expect("\(version)".contains("the minimum version is TLS 1.3 and the server does not offer it"))
        let old = TLSFailure.error(.protocolVersion, host: "h", port: 1, leaf: nil, settings: .init(), now: 0)
        #expect("\(old)".contains("older than TLS 1.2"))
        let missing = TLSFailure.error(.clientCertificateRequired, host: "h", port: 1, leaf: nil, settings: .init(), now: 0)
        #expect("\(missing)".contains("none is configured"))
    }

    @Test func datesAreShownInUTC() {
        #expect(CertificateFacts.iso8601(0) == "1970-01-01T00:00:00Z")
        #expect(CertificateFacts.iso8601(1_795_000_000) == "2026-11-18T11:06:40Z")
    }

    @Test func addressBytesFromCertificatesAreComparedByValue() {
        #expect(IPLiteral(bytes: [127, 0, 0, 1]) == IPLiteral("127.0.0.1"))
        #expect(IPLiteral(bytes: [UInt8](repeating: 0, count: 15) + [1]) == IPLiteral("::1"))
        #expect(IPLiteral(bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, 1]) == IPLiteral("10.0.0.1"))
        #expect(IPLiteral(bytes: [1, 2, 3]) == nil)
    }
}
