import Foundation
import HTTPTypes

/// Where a request goes and how its URL is written on the wire, derived from the request URL.
///
/// Immutable and shared by reference: the client keeps the last one parsed, and every request to the same URL
/// uses it (copying a struct of six strings retained and released each of them, twice per request).
final class RequestTarget: Sendable, CustomReflectable {
    /// The pool key.
    let origin: Origin
    /// The origin-form request target: percent-encoded path (at least `/`) and query.
    let pathAndQuery: String
    /// The `Host` header value: the host, bracketed if IPv6, with the port unless it is the scheme's default.
    let hostHeader: String
    /// `Basic …` built from the URL's user information, if it had any.
    let basicAuthorization: String?
    /// The URL without user information, safe to show.
    let redactedURL: String

    init(origin: Origin, pathAndQuery: String, hostHeader: String, basicAuthorization: String?, redactedURL: String) {
        self.origin = origin
        self.pathAndQuery = pathAndQuery
        self.hostHeader = hostHeader
        self.basicAuthorization = basicAuthorization
        self.redactedURL = redactedURL
    }

    /// Parses `url`, accepting `http` (default port 80) and `https` (default port 443).
    static func parse(_ url: URL) throws(CourierError) -> RequestTarget {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true) else {
            throw .invalidURL(url: redact(url.absoluteString), reason: "it could not be parsed")
        }
        // Text that does not parse as scheme and host (`user:pw@host/` typed without `http://`) is redacted up
        // to its last `@`, so a rejected URL never shows a password in its error.
        let redacted = Request.redactedURL(url.absoluteString)
        guard let scheme = components.scheme?.lowercased() else {
            throw .invalidURL(url: redacted, reason: "it has no scheme (expected http:// or https://)")
        }
        guard scheme == "http" || scheme == "https" else {
            // Without `://`, what parsed as a scheme may be a user name (`user:pw@host/` typed without `http://`).
            guard url.absoluteString.contains("://") else {
                throw .invalidURL(url: redacted, reason: "it does not start with http:// or https://")
            }
            throw .invalidURL(url: redacted, reason: "the scheme '\(scheme)' is not supported (expected http or https)")
        }
        guard var host = components.percentEncodedHost, !host.isEmpty else {
            throw .invalidURL(url: redacted, reason: "it has no host")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else {
            throw .invalidURL(url: redacted, reason: "the host contains characters that are not allowed")
        }
        let defaultPort = scheme == "https" ? 443 : 80
        let port = components.port ?? defaultPort
        guard (1...65535).contains(port) else {
            throw .invalidURL(url: redacted, reason: "the port \(port) is out of range 1-65535")
        }
        var path = components.percentEncodedPath
        if path.isEmpty { path = "/" }
        if let query = components.percentEncodedQuery { path += "?" + query }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        let hostHeader = port == defaultPort ? bracketed : "\(bracketed):\(port)"

        var authorization: String? = nil
        if components.percentEncodedUser != nil || components.percentEncodedPassword != nil {
            let credentials = "\(components.user ?? ""):\(components.password ?? "")"
            authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        }
        return RequestTarget(
            origin: Origin(scheme: scheme, host: host, port: port),
            pathAndQuery: path,
            hostHeader: hostHeader,
            basicAuthorization: authorization,
            redactedURL: redacted
        )
    }

    /// What `dump` shows: the authorization is `***`.
    var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "origin": origin, "pathAndQuery": pathAndQuery, "hostHeader": hostHeader,
                "basicAuthorization": basicAuthorization == nil ? "nil" : "***", "redactedURL": redactedURL,
            ])
    }

    /// Removes user information from URL text, as ``Request/redactedURL(_:)`` does.
    static func redact(_ string: String) -> String {
        Request.redactedURL(string)
    }
}
