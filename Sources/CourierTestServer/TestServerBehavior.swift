/// How a ``TestServer`` behaves; every field defaults to a well-behaved HTTP/1.1 keep-alive server that never
/// sends a `Connection` header (the server of the "too many open files" story).
///
/// Response bodies: `/bytes/N` answers N bytes with `Content-Length`, `/chunked/N` N bytes chunked, `/status/C`
/// an empty response with status C; any other path answers `ok`. Every response carries
/// `X-Connection-Number` (1-based accept order) and `X-Request-Number` (1-based on that connection).
public struct TestServerBehavior: Sendable {
    /// Keep connections open after a response. `false` answers `Connection: close` and closes. Default `true`.
    public var keepAlive: Bool = true
    /// Send `Connection: keep-alive` on kept-alive responses. Default `false` (no Connection header at all).
    public var sendKeepAliveHeader: Bool = false
    /// Answer `Connection: close` (and close) on the Nth request of each connection. Default `nil` (never).
    public var closeAfterRequests: Int? = nil
    /// Close the connection without notice right after the Nth response. Default `nil` (never).
    public var abruptCloseAfterResponses: Int? = nil
    /// Close a connection silently once it has been idle this long (milliseconds). Default `nil` (never).
    public var idleCloseAfterMilliseconds: Int? = nil
    /// Answer with an `HTTP/1.0` status line; the connection closes after each response unless
    /// `sendKeepAliveHeader` is set (HTTP/1.0 keep-alive). Default `false`.
    public var http10: Bool = false
    /// Wait this long (milliseconds) before answering. Default 0.
    public var responseDelayMilliseconds: Int = 0
    /// Send half of the response body, then reset the connection (RST). Default `false`.
    public var resetMidBody: Bool = false
    /// Send the first half of each response body, pause this long (milliseconds), then send the rest.
    /// Default `nil` (no pause).
    public var pauseMidBodyMilliseconds: Int? = nil
    /// Answer with this status as soon as the request head arrives, then stop reading. Default `nil`.
    public var answerEarlyStatus: Int? = nil
    /// Stop reading each request for this long (milliseconds) once its head arrived, then read on: an upload
    /// cannot finish within that window. Default `nil`.
    public var pauseReadingBodyMilliseconds: Int? = nil
    /// Never read request bodies (the client's upload stalls). Default `false`.
    public var stopReadingBodies: Bool = false
    /// Instead of a response, write these bytes (and close if the request said `Connection: close`). Default `nil`.
    public var rawResponse: [UInt8]? = nil
    /// Instead of a response, send a status line and then header lines without end (bounded to 16 MiB while
    /// the connection stays open). Default `false`.
    public var endlessHeaders: Bool = false

    /// Send a `103 Early Hints` interim response before every final response. Default `false`.
    public var sendEarlyHints: Bool = false
    /// Answer `Expect: 100-continue` with `100 Continue`. Default `true`; `false` ignores the expectation.
    public var answerExpectContinue: Bool = true
    /// Answer `Expect: 100-continue` with this final status instead, without reading the body. Default `nil`.
    public var rejectExpectContinueStatus: Int? = nil

    /// On the Nth request of each connection, read the whole request (it is recorded: processed) and then close
    /// the connection without answering. Default `nil` (never).
    public var dropWithoutAnswerOnRequest: Int? = nil
    /// Send `Keep-Alive: timeout=N` with this N on kept-alive responses. Default `nil` (no such header).
    public var keepAliveTimeoutHint: Int? = nil
    /// Send `Keep-Alive: max=M` with M counting down from this value minus one (response k of a connection
    /// carries `max=value-k`), and close the connection after the response that carries `max=0`.
    /// Default `nil` (no max, no countdown).
    public var keepAliveMaxCountdown: Int? = nil

    /// Store each complete request body of a PUT or POST with this store: PUT at its decoded request path, POST
    /// under its SHA-256 (lower-case hex); answered `201 Created` with the SHA-256. A PUT path that would land
    /// outside the store's directory is answered `400 Bad Request` and the connection closed. Default `nil`
    /// (bodies are hashed and dropped).
    public var storage: BodyStore? = nil
    /// Keep a record of every connection and request (``TestServer/connections``). Default `true`; `false` keeps
    /// only counts, so a long-running server's memory stays flat.
    public var keepRecords: Bool = true
    /// Called with one line when a connection opens and when it closes (with its request count). Default `nil`.
    public var connectionLog: (@Sendable (String) -> Void)? = nil
    /// Answer the first N complete requests the server receives (over all connections) with
    /// `transientFailureStatus` instead of the normal answer. Default 0.
    public var transientFailures: Int = 0
    /// The status of those answers. Default 503.
    public var transientFailureStatus: Int = 503
    /// A `Retry-After` value sent with them. Default `nil` (none).
    public var transientFailureRetryAfter: String? = nil

    /// A well-behaved keep-alive server.
    public init() {}
}
