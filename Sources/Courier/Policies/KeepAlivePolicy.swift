/// The tokens of a `Connection` header that decide persistence (RFC 9112 §9.3, §9.6).
struct ConnectionTokens: Sendable, Equatable {
    /// `Connection: close` was present.
    var close: Bool
    /// `Connection: keep-alive` was present.
    var keepAlive: Bool

    static let none = ConnectionTokens(close: false, keepAlive: false)

    /// Adds the tokens of another `Connection` field.
    mutating func add(_ other: ConnectionTokens) {
        close = close || other.close
        keepAlive = keepAlive || other.keepAlive
    }

    init(close: Bool, keepAlive: Bool) {
        self.close = close
        self.keepAlive = keepAlive
    }

    /// Parses every value of the `Connection` header (comma-separated, case-insensitive, spaces ignored).
    init<Values: Sequence>(headerValues: Values) where Values.Element == String {
        var close = false
        var keepAlive = false
        for value in headerValues {
            // The usual single token needs no splitting.
            if value == "keep-alive" || value == "Keep-Alive" {
                keepAlive = true
                continue
            }
            if value.equalsIgnoringASCIICase("close") {
                close = true
                continue
            }
            if value.equalsIgnoringASCIICase("keep-alive") {
                keepAlive = true
                continue
            }
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingHTTPWhitespace()
                if trimmed.equalsIgnoringASCIICase("close") {
                    close = true
                } else if trimmed.equalsIgnoringASCIICase("keep-alive") {
                    keepAlive = true
                }
            }
        }
        self.init(close: close, keepAlive: keepAlive)
    }
}

/// How a response body is delimited (RFC 9112 §6.3).
enum ResponseFraming: Sendable, Equatable {
    /// The response has no body: a response to HEAD, 1xx, 204 or 304.
    case noBody
    /// `Content-Length` delimits the body.
    case contentLength(Int64)
    /// `Transfer-Encoding: chunked` delimits the body.
    case chunked
    /// The body ends when the server closes the connection.
    case untilClose

    /// Whether the end of the body can be known without the connection closing.
    var isDelimited: Bool {
        if case .untilClose = self { return false }
        return true
    }
}

/// The one place that decides whether a connection may carry another request (RFC 9112 §9.3).
enum KeepAlivePolicy {
    /// The facts about one finished exchange that decide whether its connection may be reused.
    struct Exchange: Sendable, Equatable {
        /// HTTP version of the request; Courier sends 1.1.
        var requestVersion: (major: Int, minor: Int) = (1, 1)
        /// `Connection` tokens the request carried.
        var requestConnection: ConnectionTokens = .none
        /// HTTP version of the response's status line.
        var responseVersion: (major: Int, minor: Int) = (1, 1)
        /// `Connection` tokens the response carried.
        var responseConnection: ConnectionTokens = .none
        /// How the response body was delimited.
        var framing: ResponseFraming = .contentLength(0)
        /// The whole request (head and body) was written.
        var requestComplete: Bool = true
        /// The whole response body was read up to its delimiter.
        var responseComplete: Bool = true
        /// A protocol error happened on the connection.
        var protocolError: Bool = false

        static func == (lhs: Exchange, rhs: Exchange) -> Bool {
            lhs.requestVersion == rhs.requestVersion && lhs.requestConnection == rhs.requestConnection
                && lhs.responseVersion == rhs.responseVersion && lhs.responseConnection == rhs.responseConnection
                && lhs.framing == rhs.framing && lhs.requestComplete == rhs.requestComplete
                && lhs.responseComplete == rhs.responseComplete && lhs.protocolError == rhs.protocolError
        }
    }

    /// Returns `true` when the connection may be returned to the pool after `exchange`.
    static func isReusable(after exchange: Exchange) -> Bool {
        guard exchange.requestComplete, exchange.responseComplete, !exchange.protocolError else { return false }
        guard exchange.framing.isDelimited else { return false }
        if exchange.requestConnection.close || exchange.responseConnection.close { return false }
        return allowsPersistence(version: exchange.requestVersion, tokens: exchange.requestConnection)
            && allowsPersistence(version: exchange.responseVersion, tokens: exchange.responseConnection)
    }

    /// HTTP/1.1 and later persist by default; HTTP/1.0 (and older) only with `Connection: keep-alive`.
    private static func allowsPersistence(version: (major: Int, minor: Int), tokens: ConnectionTokens) -> Bool {
        if version.major > 1 || (version.major == 1 && version.minor >= 1) { return true }
        return tokens.keepAlive
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and horizontal tabs (HTTP's optional whitespace).
    ///
    /// Works on UTF-8 bytes: comparing `Character`s would run grapheme breaking on every step.
    func trimmingHTTPWhitespace() -> Substring {
        let utf8 = self.utf8
        var start = utf8.startIndex
        while start < utf8.endIndex, utf8[start] == 0x20 || utf8[start] == 0x09 { start = utf8.index(after: start) }
        // One pass forward: the end is just after the last byte that is not whitespace.
        var end = start
        var index = start
        while index < utf8.endIndex {
            let byte = utf8[index]
            index = utf8.index(after: index)
            if byte != 0x20 && byte != 0x09 { end = index }
        }
        return Substring(self[start..<end])
    }

    /// Compares two ASCII strings ignoring case.
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        let lhs = self.utf8
        let rhs = other.utf8
        var left = lhs.startIndex
        var right = rhs.startIndex
        while left < lhs.endIndex, right < rhs.endIndex {
            let a = lhs[left]
            let b = rhs[right]
            if a != b {
                let la = (a >= 65 && a <= 90) ? a + 32 : a
                let lb = (b >= 65 && b <= 90) ? b + 32 : b
                if la != lb { return false }
            }
            left = lhs.index(after: left)
            right = rhs.index(after: right)
        }
        return left == lhs.endIndex && right == rhs.endIndex
    }
}
