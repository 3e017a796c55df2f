import Foundation
import HTTPTypes

/// An HTTP request: method, URL, header fields and an optional body.
///
/// Courier adds `Host`, the body framing header (`Content-Length` or `Transfer-Encoding: chunked`) and, for a
/// URL with user information, `Authorization: Basic …`. The description never shows user information.
public struct Request: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The method, default `GET`.
    public var method: HTTPRequest.Method
    /// The absolute `http://` or `https://` URL. User information in it becomes Basic authorization and is never
    /// logged or shown in descriptions.
    public var url: URL
    /// Header fields sent as given. `HTTPFields` turns CR, LF and NUL in values into spaces; use
    /// ``Request/init(method:url:headers:body:closeConnection:)`` to have such values rejected instead.
    public var headerFields: HTTPFields
    /// The body, default `nil` (none).
    public var body: RequestBody?
    /// Sends `Connection: close` and closes the connection after the response (like Go's `Request.Close`).
    /// Default `false`: the connection is kept for reuse when both sides allow it.
    public var closeConnection: Bool
    /// The overall deadline, counted from the call of `execute` or `send`: waiting for a connection, every
    /// attempt, and the response up to the end of its body. Default `nil` (none). When it passes the request
    /// fails with ``CourierError/deadlineExceeded(timeout:)`` and its connection is closed.
    public var timeout: Duration? = nil
    /// Which failures send this request again on another connection; default ``RetryPolicy/safe``.
    public var retryPolicy: RetryPolicy = .safe
    /// Called each time an attempt of this request got its connection (like Go's httptrace `GotConn`).
    /// Default `nil`. It runs on the calling task; keep it short.
    public var onConnectionObtained: (@Sendable (ConnectionObtained) -> Void)? = nil
    /// Called for each attempt whose response head arrived, with the time each phase took. Default `nil`.
    public var onTimings: (@Sendable (RequestTimings) -> Void)? = nil
    /// Called when an attempt that got a connection ended: after the response scope for the attempt that
    /// succeeded, or when it failed (saying whether it is sent again). Counts every attempt, so a caller can
    /// tell how often a request was sent and how many body bytes went out. Default `nil`.
    public var onAttemptEnded: (@Sendable (RequestAttempt) -> Void)? = nil

    /// Creates a request from typed parts.
    public init(
        method: HTTPRequest.Method = .get,
        url: URL,
        headerFields: HTTPFields = [:],
        body: RequestBody? = nil,
        closeConnection: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headerFields = headerFields
        self.body = body
        self.closeConnection = closeConnection
    }

    /// Creates a request from text, validating every part.
    ///
    /// - Throws: ``CourierError/invalidURL(url:reason:)`` for a URL that cannot be parsed, and
    ///   ``CourierError/invalidRequest(field:reason:)`` naming the method or header that is not valid
    ///   (an invalid token, or CR, LF or NUL in a value).
    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: RequestBody? = nil,
        closeConnection: Bool = false
    ) throws(CourierError) {
        let method = try RequestValidator.method(method)
        guard let parsed = URL(string: url) else {
            throw .invalidURL(url: RequestTarget.redact(url), reason: "it could not be parsed")
        }
        var fields = HTTPFields()
        for header in headers {
            fields.append(try RequestValidator.field(name: header.name, value: header.value))
        }
        self.init(method: method, url: parsed, headerFields: fields, body: body, closeConnection: closeConnection)
    }

    /// Creates a request from a swift-http-types request head, whose scheme, authority and path form the URL.
    ///
    /// - Throws: ``CourierError/invalidURL(url:reason:)`` when the head has no scheme or authority.
    public init(_ head: HTTPRequest, body: RequestBody? = nil, closeConnection: Bool = false) throws(CourierError) {
        guard let scheme = head.scheme, let authority = head.authority else {
            throw .invalidURL(url: head.path ?? "", reason: "the request head needs a scheme and an authority")
        }
        let text = "\(scheme)://\(authority)\(head.path ?? "/")"
        guard let url = URL(string: text) else {
            throw .invalidURL(url: RequestTarget.redact(text), reason: "it could not be parsed")
        }
        self.init(method: head.method, url: url, headerFields: head.headerFields, body: body, closeConnection: closeConnection)
    }

    /// `url` with any user information of its authority replaced by `***` (`http://***@host/path`), safe to show
    /// in messages and logs.
    ///
    /// A URL that parses with a host loses exactly its user information. Text that does not (a password with an
    /// unencoded `/`, `?` or `#`, or a URL typed without `http://`) loses everything after `://` (or from its
    /// start) up to its last `@`: a path or query with an `@` in such text is hidden too, a password never shows.
    public static func redactedURL(_ url: String) -> String {
        if var components = URLComponents(string: url), components.host.map({ !$0.isEmpty }) == true {
            guard components.percentEncodedUser != nil || components.percentEncodedPassword != nil else { return url }
            components.percentEncodedUser = nil
            components.percentEncodedPassword = nil
            if let shown = components.string, let schemeEnd = shown.range(of: "://") {
                return String(shown[..<schemeEnd.upperBound]) + "***@" + shown[schemeEnd.upperBound...]
            }
        }
        let start = url.range(of: "://")?.upperBound ?? url.startIndex
        guard let at = url[start...].lastIndex(of: "@") else { return url }
        return String(url[..<start]) + "***@" + url[url.index(after: at)...]
    }

    /// The method and the URL without its user information, such as `GET http://***@host/path`.
    public var description: String { "\(method.rawValue) \(shownURL)" }

    /// The URL without its user information.
    private var shownURL: String {
        (try? RequestTarget.parse(url).redactedURL) ?? Request.redactedURL(url.absoluteString)
    }

    /// The same as ``description``: user information never shows.
    public var debugDescription: String { description }

    /// What `dump` and debuggers show: the URL without user information, and `***` for the values of
    /// `Authorization` and `Proxy-Authorization` fields.
    public var customMirror: Mirror {
        let fields = headerFields.map { field -> String in
            let secret = field.name == .authorization || field.name == .proxyAuthorization
            return "\(field.name): \(secret ? "***" : field.value)"
        }
        return Mirror(
            self,
            children: [
                "method": method.rawValue, "url": shownURL,
                "headerFields": fields, "body": body as Any, "closeConnection": closeConnection,
                "timeout": timeout as Any, "retryPolicy": retryPolicy,
            ],
            displayStyle: .struct)
    }
}

/// How a request got its connection, reported to ``Request/onConnectionObtained``.
public struct ConnectionObtained: Sendable {
    /// The connection's id, unique within the client, in opening order.
    public var connectionID: Int
    /// Whether the connection carried an earlier request.
    public var reused: Bool
    /// How long it sat idle in the pool before this request took it; zero when it was handed over directly
    /// or is new.
    public var idleTime: Duration
    /// How long the request waited for it, from asking the pool to getting it (includes connecting).
    public var queueWait: Duration
}

/// One attempt of a request on one connection, reported to ``Request/onAttemptEnded``.
public struct RequestAttempt: Sendable {
    /// The connection's id.
    public var connectionID: Int
    /// Whether the connection carried an earlier request.
    public var reused: Bool
    /// Body bytes handed to the connection during this attempt (written, not necessarily received), in bytes.
    public var bodyBytesSent: Int64
    /// Why the attempt failed; `nil` when it got a response (whatever its status).
    public var error: CourierError?
    /// Whether Courier sends the request again after this failed attempt.
    public var willRetry: Bool
}

/// How long each phase of one attempt took, reported to ``Request/onTimings`` when its response head arrived.
public struct RequestTimings: Sendable {
    /// The connection's id.
    public var connectionID: Int
    /// Whether the connection carried an earlier request.
    public var reused: Bool
    /// From asking the pool to getting the connection (includes `connect` for a new one).
    public var queueWait: Duration
    /// How long opening the connection took (TCP connect); `nil` for a reused connection.
    public var connect: Duration?
    /// From getting the connection to the whole request (head and body) being handed to it; `nil` when the body
    /// was not finished because the server answered first.
    public var requestSent: Duration?
    /// From getting the connection to the first part of the response being decoded (its status line and
    /// headers, which normally arrive in the first read).
    public var firstResponseByte: Duration
}
