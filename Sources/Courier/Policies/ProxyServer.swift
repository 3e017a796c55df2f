/// An HTTP proxy to send requests through: an `http://` proxy URL, parsed.
///
/// Its description is `http://host:port`, with `***@` in place of any credentials.
struct ProxyServer: Sendable, Hashable, CustomStringConvertible {
    /// Default port of a proxy URL without one: 80, the default of the `http` scheme (as Go and Python use;
    /// curl alone uses 1080).
    static let defaultPort = 80

    /// Host name (lower-cased) or IP address (without brackets).
    var host: String
    /// TCP port, 1-65535.
    var port: Int
    /// Credentials for `Proxy-Authorization`, if the URL had user information.
    var credentials: ProxyCredentials?

    var description: String {
        let host = host.contains(":") ? "[\(host)]" : host
        return "http://\(credentials == nil ? "" : "***@")\(host):\(port)"
    }

    /// Parses a proxy URL such as `http://user:p%40ss@proxy.example:3128/`.
    ///
    /// - A value without `://` is taken to be `http://` followed by it (`proxy:3128`, `user:pw@proxy`).
    /// - Only the `http` scheme (any case) is accepted; `https` and `socks*` are refused as unsupported.
    /// - The user information ends at the last `@`, so an unencoded `@`, `/`, `?` or `#` in a password still
    ///   parses; user name and password are percent-decoded (UTF-8). Empty user information means no credentials.
    /// - A path, query or fragment after the host and port is ignored, as curl and Go do.
    /// - The port defaults to ``defaultPort``; an empty port (`proxy:`) is the default port.
    ///
    /// - Parameters:
    ///   - value: the URL; surrounding whitespace is ignored.
    ///   - source: where it came from, for the error (`HTTPS_PROXY`, `ProxySetting.url`).
    static func parse(_ value: String, source: String) throws(ProxyConfigurationError) -> ProxyServer {
        func fail(_ problem: ProxyConfigurationError.Problem) -> ProxyConfigurationError {
            ProxyConfigurationError(source: source, problem: problem)
        }
        var rest = trimmed(value)
        if let (scheme, afterScheme) = splitScheme(rest) {
            guard isSchemeToken(scheme) else { throw fail(.malformedScheme) }
            let lower = scheme.lowercased()
            guard lower == "http" else {
                let known: Set<String> = ["https", "socks", "socks4", "socks4a", "socks5", "socks5h"]
                throw fail(.unsupportedScheme(known.contains(lower) ? lower : nil))
            }
            rest = afterScheme
        }

        // The authority ends at the first `/`, `?` or `#` after the last `@`.
        let lastAt = rest.lastIndex(of: "@")
        let searchStart = lastAt.map { rest.index(after: $0) } ?? rest.startIndex
        let end = rest[searchStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let hostAndPort = rest[searchStart..<end]

        var credentials: ProxyCredentials? = nil
        if let lastAt, lastAt > rest.startIndex {
            let userInfo = rest[rest.startIndex..<lastAt]
            let colon = userInfo.firstIndex(of: ":")
            let rawUser = userInfo[userInfo.startIndex..<(colon ?? userInfo.endIndex)]
            let rawPassword = colon.map { userInfo[userInfo.index(after: $0)...] } ?? ""
            guard let user = percentDecoded(rawUser), let password = percentDecoded(rawPassword) else {
                throw fail(.invalidPercentEncoding)
            }
            guard !user.contains(":") else { throw fail(.colonInUserName) }
            if !user.isEmpty || !password.isEmpty { credentials = ProxyCredentials(user: user, password: password) }
        }

        var host: Substring
        var portText: Substring? = nil
        if hostAndPort.hasPrefix("[") {
            guard let close = hostAndPort.firstIndex(of: "]") else { throw fail(.invalidHost) }
            host = hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close]
            let after = hostAndPort[hostAndPort.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw fail(.invalidHost) }
                portText = after.dropFirst()
            }
            guard host.contains(":"), IPLiteral(host) != nil else { throw fail(.invalidHost) }
        } else {
            let colons = hostAndPort.filter { $0 == ":" }.count
            guard colons <= 1 else { throw fail(.ipv6WithoutBrackets) }
            if let colon = hostAndPort.firstIndex(of: ":") {
                host = hostAndPort[..<colon]
                portText = hostAndPort[hostAndPort.index(after: colon)...]
            } else {
                host = hostAndPort
            }
            guard !host.isEmpty else { throw fail(.missingHost) }
            guard IPLiteral(host) != nil || isHostName(host) else { throw fail(.invalidHost) }
        }

        var port = defaultPort
        if let portText, !portText.isEmpty {
            guard portText.utf8.count <= 5, portText.utf8.allSatisfy(isDigit),
                let number = Int(portText), (1...65535).contains(number)
            else { throw fail(.invalidPort) }
            port = number
        }
        return ProxyServer(host: host.lowercased(), port: port, credentials: credentials)
    }

    /// The value with everything before the last `@` of its authority replaced by `***`, for showing a proxy URL
    /// that may be malformed: `http://u:p@proxy:3128` becomes `http://***@proxy:3128`.
    static func redacted(_ value: String) -> String {
        let text = trimmed(value)
        guard let at = text.lastIndex(of: "@") else { return String(text) }
        var prefix = ""
        if let (scheme, _) = splitScheme(text), isSchemeToken(scheme) { prefix = scheme + "://" }
        return prefix + "***@" + text[text.index(after: at)...]
    }

    /// `(scheme, rest)` when the text contains `://`, split at its first occurrence.
    private static func splitScheme(_ text: Substring) -> (Substring, Substring)? {
        var index = text.startIndex
        let utf8 = text.utf8
        while index < text.endIndex {
            if text[index] == ":", utf8[index...].starts(with: "://".utf8) {
                return (text[..<index], text[text.index(index, offsetBy: 3)...])
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func trimmed(_ value: String) -> Substring {
        var text = Substring(value)
        let space: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        while let first = text.first, space.contains(first) { text = text.dropFirst() }
        while let last = text.last, space.contains(last) { text = text.dropLast() }
        return text
    }

    /// RFC 3986 §3.1: a letter, then letters, digits, `+`, `-` or `.`.
    private static func isSchemeToken(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, isLetter(first) else { return false }
        return text.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Dot-separated labels of ASCII letters, digits, `-` and `_` (one trailing dot allowed), the last of which is
    /// not all digits (`10.0.0` is a mistyped address, not a name).
    private static func isHostName(_ text: Substring) -> Bool {
        let name = text.hasSuffix(".") ? text.dropLast() : text
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, labels.allSatisfy({ !$0.isEmpty }) else { return false }
        let allowed = name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
        return allowed && !labels.last!.utf8.allSatisfy(isDigit)
    }

    /// Decodes `%XX` escapes; `nil` for a malformed escape or bytes that are not UTF-8.
    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        func hex(_ byte: UInt8?) -> UInt8? {
            guard let byte else { return nil }
            switch byte {
            case 0x30...0x39: return byte - 0x30
            case 0x41...0x46: return byte - 0x41 + 10
            case 0x61...0x66: return byte - 0x61 + 10
            default: return nil
            }
        }
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = hex(iterator.next()), let low = hex(iterator.next()) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        let string = String(decoding: bytes, as: UTF8.self)
        return string.utf8.elementsEqual(bytes) ? string : nil
    }
}
