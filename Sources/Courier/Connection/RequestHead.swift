import HTTPTypes
import NIOCore
import NIOHTTP1

/// A request head encoded for the wire in one buffer (optionally followed by a small body), and what the exchange
/// needs to know about it.
///
/// The bytes are exactly those NIO's `HTTPRequestEncoder` writes for the same head, including its framing rules:
/// `TRACE` loses `Content-Length`/`Transfer-Encoding`; a `POST`/`PUT`/`PATCH` without `Content-Length` gets
/// `transfer-encoding: chunked` as its last field; any other method is chunked only when it says so (the tests
/// compare with NIO's encoder). NIO's encoder is not in the pipeline: the bytes go out through ``RequestBytesSink``.
struct RequestHead: Sendable {
    /// The request line and header section (and the body when ``includesBody``).
    private(set) var bytes: ByteBuffer
    /// The method is `HEAD` (its response has no body).
    let isHEAD: Bool
    /// The body is sent with chunked transfer coding (framed by the exchange).
    private(set) var chunked = false
    /// `Expect: 100-continue` was sent.
    private(set) var expectsContinue = false
    /// The values of every `Connection` field sent.
    private(set) var connectionValues: [String] = []
    /// The in-memory body was appended to ``bytes``.
    private(set) var includesBody = false

    private enum MethodBody { case no, yes, unlikely }
    private let methodBody: MethodBody

    private init(method: String, uri: String, capacity: Int) {
        // Allocated at its size (an empty buffer that then reserves capacity is copied and rebased).
        bytes = ByteBufferAllocator().buffer(capacity: capacity)
        Self.write(method, " ", uri, " HTTP/1.1\r\n", to: &bytes)
        // Comparing two different strings takes the standard library's slow path; the length and first byte
        // rule out every other method first, so each comparison below is made only where it is likely equal.
        let utf8 = method.utf8
        switch (utf8.count, utf8.first) {
        case (4, UInt8(ascii: "H")?) where method == "HEAD":
            isHEAD = true
            methodBody = .unlikely
        case (5, UInt8(ascii: "T")?) where method == "TRACE":
            isHEAD = false
            methodBody = .no
        case (4, UInt8(ascii: "P")?) where method == "POST", (3, UInt8(ascii: "P")?) where method == "PUT",
            (5, UInt8(ascii: "P")?) where method == "PATCH":
            isHEAD = false
            methodBody = .yes
        default:
            isHEAD = false
            methodBody = .unlikely
        }
    }

    private mutating func add(_ name: String, _ value: String) {
        Self.write(name, ": ", value, "\r\n", to: &bytes)
        switch name.utf8.count {
        case 6 where (name.utf8.first ?? 0) | 0x20 == UInt8(ascii: "e") && name.equalsIgnoringASCIICase("expect"):
            if value.trimmingHTTPWhitespace().equalsIgnoringASCIICase("100-continue") { expectsContinue = true }
        case 10 where (name.utf8.first ?? 0) | 0x20 == UInt8(ascii: "c") && name.equalsIgnoringASCIICase("connection"):
            connectionValues.append(value)
        default:
            break
        }
    }

    /// Appends `first`, `separator`, `second` and `end` with one capacity check and plain copies (four
    /// `writeString` calls cost about four times as much).
    private static func write(
        _ first: String, _ separator: StaticString, _ second: String, _ end: StaticString, to buffer: inout ByteBuffer
    ) {
        var first = first
        var second = second
        first.withUTF8 { a in
            second.withUTF8 { b in
                let total = a.count + separator.utf8CodeUnitCount + b.count + end.utf8CodeUnitCount
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
                    var next = out.baseAddress!
                    if let start = a.baseAddress { next.copyMemory(from: start, byteCount: a.count) }
                    next += a.count
                    next.copyMemory(from: separator.utf8Start, byteCount: separator.utf8CodeUnitCount)
                    next += separator.utf8CodeUnitCount
                    if let start = b.baseAddress { next.copyMemory(from: start, byteCount: b.count) }
                    next += b.count
                    next.copyMemory(from: end.utf8Start, byteCount: end.utf8CodeUnitCount)
                    return total
                }
            }
        }
    }

    /// Appends `body` after the head, so head and body go out in one write.
    mutating func append(body: ByteBuffer) {
        bytes.writeImmutableBuffer(body)
        includesBody = true
    }

    /// The wire head of `request`: `Host`, the caller's fields, credentials from the URL, `User-Agent`, framing and
    /// `Connection`, in origin-form, or absolute-form with `Proxy-Authorization` (when the proxy URL had
    /// credentials) for a request through `proxy`. `bodyCapacity` bytes are reserved for a body to be appended.
    init(
        _ request: Request, target: RequestTarget, framing: RequestValidator.BodyFraming, proxy: ProxyServer? = nil,
        bodyCapacity: Int = 0
    ) {
        let uri = proxy == nil ? target.pathAndQuery : "\(target.origin.scheme)://\(target.hostHeader)\(target.pathAndQuery)"
        self.init(method: request.method.rawValue, uri: uri, capacity: 256 + bodyCapacity)
        var contentLength: String? = nil
        switch framing {
        case .none:
            switch request.method {
            case .post, .put, .patch: contentLength = "0"
            default: break
            }
        case .length(let length):
            contentLength = String(length)
        case .chunked:
            break
        }
        // One pass over the caller's fields notes which of the fields Courier would add are already there (the
        // name lookups of HTTPFields build a hash index per request).
        var present = CallerFields()
        for field in request.headerFields { present.note(field.name.canonicalName) }
        if !present.host {
            add("Host", target.hostHeader)
        }
        for field in request.headerFields where !CallerFields.isFraming(field.name.canonicalName) {
            add(field.name.rawName, field.value)
        }
        if let authorization = target.basicAuthorization, !present.authorization {
            add("Authorization", authorization)
        }
        if let credentials = proxy?.credentials, !present.proxyAuthorization {
            add("Proxy-Authorization", credentials.basicAuthorization)
        }
        if !present.userAgent {
            add("User-Agent", "courier/0.1")
        }
        let close = request.closeConnection && !ConnectionTokens(headerValues: connectionValues).close
        finishFraming(contentLength: contentLength, chunked: framing == .chunked, close: close)
    }

    /// After the caller's fields: the framing field and `Connection: close`, in the order NIO's encoder leaves
    /// them (Courier adds the framing field before `Connection: close`; the encoder moves a chunked
    /// `transfer-encoding` of a POST/PUT/PATCH to the very end, in lower case, and drops framing from TRACE).
    private mutating func finishFraming(contentLength: String?, chunked chunkedField: Bool, close: Bool) {
        switch methodBody {
        case .no:
            break
        case .yes:
            if let contentLength { add("Content-Length", contentLength) }
        case .unlikely:
            if let contentLength {
                add("Content-Length", contentLength)
            } else if chunkedField {
                add("Transfer-Encoding", "chunked")
                chunked = true
            }
        }
        if close { add("Connection", "close") }
        if methodBody == .yes, contentLength == nil {
            add("transfer-encoding", "chunked")
            chunked = true
        }
        bytes.writeStaticString("\r\n")
    }

    /// Encodes a NIO head the way `HTTPRequestEncoder` does (for tests that build heads by hand).
    init(nioHead head: HTTPRequestHead) {
        self.init(method: head.method.rawValue, uri: head.uri, capacity: 256)
        var headers = head.headers
        switch methodBody {
        case .no:
            headers.remove(name: "content-length")
            headers.remove(name: "transfer-encoding")
        case .yes:
            if headers.contains(name: "content-length") {
                headers.remove(name: "transfer-encoding")
            } else {
                headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
                chunked = true
            }
        case .unlikely:
            if headers.contains(name: "content-length") {
                headers.remove(name: "transfer-encoding")
            } else {
                chunked = headers["transfer-encoding"].first == "chunked"
            }
        }
        for (name, value) in headers { add(name, value) }
        bytes.writeStaticString("\r\n")
    }
}

/// Which of the fields Courier adds to a request head the caller set itself.
private struct CallerFields {
    var host = false
    var authorization = false
    var proxyAuthorization = false
    var userAgent = false

    /// Notes a canonical (lower-case) field name. Names are told apart by length first, so a string comparison
    /// is made only where it can match.
    mutating func note(_ name: String) {
        switch name.utf8.count {
        case 4 where name == "host": host = true
        case 10 where name == "user-agent": userAgent = true
        case 13 where name == "authorization": authorization = true
        case 19 where name == "proxy-authorization": proxyAuthorization = true
        default: break
        }
    }

    /// `content-length` or `transfer-encoding` (a canonical name): Courier writes the framing field itself.
    static func isFraming(_ name: String) -> Bool {
        switch name.utf8.count {
        case 14: return name == "content-length"
        case 17: return name == "transfer-encoding"
        default: return false
        }
    }
}
