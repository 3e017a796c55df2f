/// Every error Courier throws.
///
/// Switch on the cases to react to a particular failure; `description` gives a message a person can act on.
/// No case ever contains a URL's user information or a credential.
public enum CourierError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL could not be used; `url` is redacted (no user information).
    case invalidURL(url: String, reason: String)
    /// The proxy this request would go through cannot be used; `reason` names where it was configured (an
    /// environment variable such as `HTTP_PROXY`, or `ProxySetting.url`) and what is wrong, never credentials.
    case invalidProxy(reason: String)
    /// The request was rejected before any byte was sent; `field` names the offending part
    /// (a header name, `method`, or `body`).
    case invalidRequest(field: String, reason: String)
    /// The server at `host`:`port` refused the TCP connection (nothing listens there).
    case connectionRefused(host: String, port: Int)
    /// The name `host` could not be resolved to any address.
    case hostNotFound(host: String)
    /// Connecting to `host`:`port` failed for another reason, described in `reason`.
    case connectFailed(host: String, port: Int, reason: String)
    /// Connecting to `host`:`port` took longer than the connect timeout (`timeout`).
    case connectTimeout(host: String, port: Int, timeout: Duration)
    /// The TLS settings (``Configuration/tls``) could not be used: a file is missing or holds no PEM certificate,
    /// or a key does not load. `reason` names the setting and the file.
    case invalidTLSConfiguration(reason: String)
    /// The certificate chain `host` presented does not lead to a trusted root: `subject` is the certificate that
    /// could not be verified and `issuer` the authority that signed it (equal for a self-signed certificate).
    case tlsUntrustedCertificate(host: String, subject: String, issuer: String)
    /// A certificate `host` presented (`subject`) expired at `notValidAfter` (ISO 8601, UTC).
    case tlsCertificateExpired(host: String, subject: String, notValidAfter: String)
    /// A certificate `host` presented (`subject`) is valid only from `notValidBefore` (ISO 8601, UTC).
    case tlsCertificateNotYetValid(host: String, subject: String, notValidBefore: String)
    /// The server's certificate is trusted but is not for `host`; `certificateNames` lists the DNS names and IP
    /// addresses it is for (its subject alternative names, or its common name when it has none).
    case tlsHostnameMismatch(host: String, certificateNames: [String])
    /// The TLS handshake with `host`:`port` did not complete within `timeout` (``Configuration/Timeouts/tlsHandshake``).
    case tlsHandshakeTimeout(host: String, port: Int, timeout: Duration)
    /// The TLS handshake with `host`:`port` failed for the reason given (no common TLS version, a server that does
    /// not speak TLS, an alert from the server, …).
    case tlsHandshakeFailed(host: String, port: Int, reason: String)
    /// The proxy (`proxy`, credentials redacted) answered `CONNECT` with `status` instead of opening a tunnel.
    case proxyTunnelRefused(proxy: String, status: Int, reason: String)
    /// Opening a tunnel through the proxy (`proxy`, credentials redacted) failed: its answer was malformed, or it
    /// closed the connection.
    case proxyTunnelFailed(proxy: String, reason: String)
    /// The connection closed (or was reset) before a complete response head arrived.
    case connectionClosedBeforeResponse(reason: String)
    /// The connection closed (or was reset) while the response body was being received.
    case connectionClosedDuringBody(reason: String)
    /// The server's response broke HTTP/1.1; `reason` says what was malformed. The connection was closed.
    case malformedResponse(reason: String)
    /// The response's header section was larger than the limit (`limit`, in bytes).
    case responseHeadTooLarge(limit: Int)
    /// The response body exceeded `maxBodyBytes` (`limit`, in bytes) given to `Client.send`.
    case bodyTooLarge(limit: Int)
    /// A ``Response``'s body was read after the ``Client/execute(_:_:)`` scope it was handed to had ended and
    /// its connection had been released; read the body inside the closure.
    case bodyReadAfterScope
    /// The request body yielded a different number of bytes (`actual`) than its declared length (`expected`);
    /// for a file this means it changed while being sent. `actual` is a lower bound when the body was too long.
    case bodyLengthMismatch(expected: Int64, actual: Int64)
    /// Reading the request body's source failed (for example the file could not be opened).
    case bodySourceFailed(reason: String)
    /// No response head arrived within `timeout` after the request was sent (``Configuration/Timeouts/responseHead``).
    /// The server may have acted on the request; the connection was closed.
    case responseHeadTimeout(timeout: Duration)
    /// The request's overall deadline (``Request/timeout``) passed before its response ended; the connection, if
    /// one was in use, was closed.
    case deadlineExceeded(timeout: Duration)
    /// No byte moved for `timeout` while a request body was being sent or a response body received.
    case stalled(timeout: Duration)
    /// The request waited `waited` for a connection to `origin` without getting one: the per-origin limit
    /// (`maxConnectionsPerHost`) and the connection budget (`maxConnections`) were in use.
    case connectionAcquireTimeout(origin: String, waited: Duration, maxConnectionsPerHost: Int, maxConnections: Int)
    /// The process (or system) was out of file descriptors and none became free within the configured wait
    /// (``Configuration/Pool/descriptorExhaustionTimeout``). `limit` is the RLIMIT_NOFILE soft limit (`nil` when
    /// unlimited), `held` the connections Courier held then.
    case outOfDescriptors(limit: Int?, held: Int)
    /// The task was cancelled; the connection it used was closed.
    case cancelled
    /// The client was shut down; no new requests are accepted.
    case shutdown
    /// A write or read on the connection failed; `reason` comes from the operating system.
    case ioFailed(reason: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "invalid URL '\(url)': \(reason)"
        case .invalidProxy(let reason):
            return "invalid proxy configuration: \(reason)"
        case .invalidRequest(let field, let reason):
            return "invalid request: \(field): \(reason)"
        case .connectionRefused(let host, let port):
            return "connection refused by \(hostPort(host, port)) (is a server listening there?)"
        case .hostNotFound(let host):
            return "host not found: '\(host)' could not be resolved"
        case .connectFailed(let host, let port, let reason):
            return "could not connect to \(hostPort(host, port)): \(reason)"
        case .connectTimeout(let host, let port, let timeout):
            return "connecting to \(hostPort(host, port)) timed out after \(timeout)"
        case .invalidTLSConfiguration(let reason):
            return "invalid TLS configuration: \(reason)"
        case .tlsUntrustedCertificate(let host, let subject, let issuer):
            if subject == issuer {
                return "the certificate of \(host) is not trusted: '\(subject)' is self-signed and not among the "
                    + "trusted roots (add its CA with additionalTrustRoots or --cacert)"
            }
            return "the certificate of \(host) is not trusted: '\(subject)' is issued by '\(issuer)', which does "
                + "not lead to a trusted root (add the CA with additionalTrustRoots or --cacert)"
        case .tlsCertificateExpired(let host, let subject, let notValidAfter):
            return "the certificate of \(host) has expired: '\(subject)' was valid until \(notValidAfter)"
        case .tlsCertificateNotYetValid(let host, let subject, let notValidBefore):
            return "the certificate of \(host) is not valid yet: '\(subject)' is valid from \(notValidBefore)"
        case .tlsHostnameMismatch(let host, let names):
            let listed = names.isEmpty ? "no names" : names.map { "'\($0)'" }.joined(separator: ", ")
            return "the certificate presented for \(host) is not for that name; it is for \(listed)"
        case .tlsHandshakeTimeout(let host, let port, let timeout):
            return "the TLS handshake with \(hostPort(host, port)) did not complete within \(timeout)"
        case .tlsHandshakeFailed(let host, let port, let reason):
            return "the TLS handshake with \(hostPort(host, port)) failed: \(reason)"
        case .proxyTunnelRefused(let proxy, let status, let reason):
            return "the proxy \(proxy) refused to open a tunnel (CONNECT): \(status)\(reason.isEmpty ? "" : " \(reason)")"
        case .proxyTunnelFailed(let proxy, let reason):
            return "opening a tunnel through the proxy \(proxy) failed: \(reason)"
        case .connectionClosedBeforeResponse(let reason):
            return "the connection closed before a response arrived: \(reason)"
        case .connectionClosedDuringBody(let reason):
            return "the connection closed before the response body was complete: \(reason)"
        case .malformedResponse(let reason):
            return "malformed response: \(reason)"
        case .responseHeadTooLarge(let limit):
            return "malformed response: the response header section exceeds the limit of \(limit) bytes"
        case .bodyTooLarge(let limit):
            return "response body too large: more than \(limit) bytes"
        case .bodyReadAfterScope:
            return "the response body was read after its execute scope had ended; read it inside the closure"
        case .bodyLengthMismatch(let expected, let actual):
            if actual > expected {
                return "request body length mismatch: declared \(expected) bytes but the source has more "
                    + "(at least \(actual)); if it is a file, did it change while it was being sent?"
            }
            return "request body length mismatch: declared \(expected) bytes but the source ended after "
                + "\(actual); if it is a file, did it change while it was being sent?"
        case .responseHeadTimeout(let timeout):
            return "no response head arrived within \(timeout) after the request was sent; the connection was closed"
        case .deadlineExceeded(let timeout):
            return "the request's deadline of \(timeout) passed before its response ended"
        case .bodySourceFailed(let reason):
            return "could not read the request body: \(reason)"
        case .stalled(let timeout):
            return "the transfer stalled: no byte was sent or received for \(timeout)"
        case .connectionAcquireTimeout(let origin, let waited, let perHost, let budget):
            return "no connection to \(origin) became free within \(waited): the limits of \(perHost) connections "
                + "per host and \(budget) in all were in use"
        case .outOfDescriptors(let limit, let held):
            let shown = limit.map(String.init) ?? "unlimited"
            return "the process is out of file descriptors (limit \(shown), Courier holds \(held)); "
                + "none became free in time"
        case .cancelled:
            return "the request was cancelled"
        case .shutdown:
            return "the client was shut down"
        case .ioFailed(let reason):
            return "connection I/O failed: \(reason)"
        }
    }
}

private func hostPort(_ host: String, _ port: Int) -> String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
}
