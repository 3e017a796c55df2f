import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What Courier tells a person about a server certificate: who it is for, who issued it, when it is valid.
struct CertificateFacts: Sendable, Equatable {
    /// The subject's common name, or its other name parts when it has none.
    var subject: String
    /// The issuer's common name, or its other name parts.
    var issuer: String
    /// Validity period, seconds since 1970 (UTC).
    var notValidBefore: Int64
    var notValidAfter: Int64
    /// Subject alternative names of type DNS.
    var dnsNames: [String]
    /// Subject alternative names of type IP address.
    var ipAddresses: [IPLiteral]

    /// The names the certificate is for: its DNS and IP subject alternative names, or its subject's common name
    /// when it has none (shown only; Courier, like current browsers, never accepts a common name as a host name).
    var names: [String] {
        let alternatives = dnsNames + ipAddresses.map(\.description)
        return alternatives.isEmpty ? [subject] : alternatives
    }

    init(
        subject: String, issuer: String, notValidBefore: Int64, notValidAfter: Int64, dnsNames: [String] = [],
        ipAddresses: [IPLiteral] = []
    ) {
        self.subject = subject
        self.issuer = issuer
        self.notValidBefore = notValidBefore
        self.notValidAfter = notValidAfter
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
    }

    init(_ certificate: NIOSSLCertificate) {
        subject = Self.display(certificate.subjectName)
        issuer = Self.display(certificate.issuerName)
        notValidBefore = Int64(certificate.notValidBefore)
        notValidAfter = Int64(certificate.notValidAfter)
        var dnsNames: [String] = []
        var ipAddresses: [IPLiteral] = []
        for name in certificate._subjectAlternativeNames() {
            if name.nameType == .dnsName {
                dnsNames.append(String(decoding: name.contents, as: UTF8.self))
            } else if name.nameType == .ipAddress, let address = IPLiteral(bytes: name.contents) {
                ipAddresses.append(address)
            }
        }
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
    }

    /// The common name, else every part as `value` joined with `, ` (for example an organisation).
    static func display(_ name: [SSLCertificateName]) -> String {
        if let commonName = name.last(where: { $0.type == .commonName }) { return commonName.value }
        let parts = name.map(\.value)
        return parts.isEmpty ? "(no name)" : parts.joined(separator: ", ")
    }

    /// `seconds` since 1970 as ISO 8601 UTC (`2026-11-28T07:00:00Z`).
    static func iso8601(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return "\(seconds) s after 1970" }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
