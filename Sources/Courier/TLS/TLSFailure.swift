import NIOCore
import NIOSSL

/// Turns a failed TLS handshake into a ``CourierError`` that says what failed. Pure: the error is first reduced
/// to a ``Kind`` (from NIOSSL's error and BoringSSL's reason codes), then described with what the server's
/// certificate says.
enum TLSFailure {
    /// What went wrong, as far as the handshake's error tells.
    enum Kind: Equatable, Sendable {
        /// The certificate chain did not verify (untrusted, expired, not yet valid, …).
        case verificationFailed
        /// The certificate verified but is not for the host.
        case hostnameMismatch
        /// No TLS version both sides accept.
        case protocolVersion
        /// The peer did not answer with TLS at all.
        case notTLS
        /// The server asked for a client certificate and none was given.
        case clientCertificateRequired
        /// The server rejected the client certificate (alert).
        case clientCertificateRejected(alert: String)
        /// The server does not speak http/1.1 (ALPN).
        case noCommonApplicationProtocol
        /// The connection closed during the handshake.
        case closedDuringHandshake
        /// Anything else, with the error's text.
        case other(String)
    }

    /// The kind of `error`, raised by NIOSSL during a handshake.
    static func kind(of error: Error) -> Kind {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname { return .hostnameMismatch }
        if let ssl = error as? NIOSSLError {
            switch ssl {
            case .handshakeFailed(let boring): return kind(errorText: "\(boring)")
            case .uncleanShutdown: return .closedDuringHandshake
            default: return .other("\(ssl)")
            }
        }
        if let channel = error as? ChannelError, channel == .eof || channel == .alreadyClosed { return .closedDuringHandshake }
        return kind(errorText: "\(error)")
    }

    /// The kind for an error's text, by BoringSSL's reason codes in it.
    static func kind(errorText text: String) -> Kind {
        let rules: [(codes: [String], kind: Kind)] = [
            (["CERTIFICATE_VERIFY_FAILED"], .verificationFailed),
            (["UNSUPPORTED_PROTOCOL", "PROTOCOL_VERSION", "TLSV1_ALERT_PROTOCOL_VERSION", "VERSION_TOO_LOW"], .protocolVersion),
            (["WRONG_VERSION_NUMBER", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG", "RECORD_LENGTH_MISMATCH"], .notTLS),
            (["CERTIFICATE_REQUIRED"], .clientCertificateRequired),
            (["NO_APPLICATION_PROTOCOL"], .noCommonApplicationProtocol),
        ]
        for rule in rules where rule.codes.contains(where: text.contains) { return rule.kind }
        for alert in ["TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE", "SSLV3_ALERT_CERTIFICATE_EXPIRED", "TLSV1_ALERT_ACCESS_DENIED", "TLSV1_ALERT_DECRYPT_ERROR"]
        where text.contains(alert) {
            return .clientCertificateRejected(alert: alert)
        }
        if text.contains("EOF during handshake") { return .closedDuringHandshake }
        return .other(text)
    }

    /// The error for a handshake with `host`:`port` that failed with `kind`.
    ///
    /// - Parameters:
    ///   - leaf: the server's certificate, when the handshake got that far.
    ///   - now: seconds since 1970, to tell an expired certificate from an untrusted one.
    static func error(
        _ kind: Kind, host: String, port: Int, leaf: CertificateFacts?, settings: Configuration.TLS, now: Int64
    ) -> CourierError {
        switch kind {
        case .verificationFailed:
            guard let leaf else {
                return .tlsHandshakeFailed(host: host, port: port, reason: "the server's certificate could not be verified")
            }
            if now > leaf.notValidAfter {
                return .tlsCertificateExpired(host: host, subject: leaf.subject, notValidAfter: CertificateFacts.iso8601(leaf.notValidAfter))
            }
            if now < leaf.notValidBefore {
                return .tlsCertificateNotYetValid(host: host, subject: leaf.subject, notValidBefore: CertificateFacts.iso8601(leaf.notValidBefore))
            }
            return .tlsUntrustedCertificate(host: host, subject: leaf.subject, issuer: leaf.issuer)
        case .hostnameMismatch:
            return .tlsHostnameMismatch(host: host, certificateNames: leaf?.names ?? [])
        case .protocolVersion:
            let reason =
                settings.minimumVersion == .tls13
                ? "no TLS version in common: the minimum version is TLS 1.3 and the server does not offer it"
                : "no TLS version in common: the server offers only versions older than TLS 1.2"
            return .tlsHandshakeFailed(host: host, port: port, reason: reason)
        case .notTLS:
            return .tlsHandshakeFailed(
                host: host, port: port, reason: "the server did not answer with TLS (is this a plain http port?)")
        case .clientCertificateRequired:
            let reason =
                settings.clientCertificate == nil
                ? "the server requires a client certificate and none is configured (clientCertificate)"
                : "the server requires a client certificate and did not accept the one configured"
            return .tlsHandshakeFailed(host: host, port: port, reason: reason)
        case .clientCertificateRejected(let alert):
            return .tlsHandshakeFailed(host: host, port: port, reason: "the server rejected the handshake (alert \(alert))")
        case .noCommonApplicationProtocol:
            return .tlsHandshakeFailed(host: host, port: port, reason: "the server does not offer http/1.1 (ALPN)")
        case .closedDuringHandshake:
            return .tlsHandshakeFailed(host: host, port: port, reason: "the server closed the connection during the handshake")
        case .other(let text):
            return .tlsHandshakeFailed(host: host, port: port, reason: text)
        }
    }
}
