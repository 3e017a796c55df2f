/// The `CONNECT` exchange that opens a tunnel through an HTTP proxy (RFC 9110 §9.3.6): the request Courier
/// writes and the strict reading of the proxy's answer. Pure; the channel side is ``ProxyTunnelHandler``.
enum ConnectExchange {
    /// The answer's head is limited to this many bytes (a proxy's refusal page may follow it; it is not read).
    static let maxHeadBytes = 64 * 1024

    /// The request: `CONNECT host:port HTTP/1.1` with `Host` and, when the proxy URL had credentials,
    /// `Proxy-Authorization` (sent to the proxy only; nothing of it enters the tunnel).
    static func request(host: String, port: Int, proxy: ProxyServer) -> String {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var head = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\nUser-Agent: courier/0.1\r\n"
        if let credentials = proxy.credentials {
            head += "Proxy-Authorization: \(credentials.basicAuthorization)\r\n"
        }
        return head + "\r\n"
    }

    /// What the bytes received so far say.
    enum Reading: Equatable {
        /// The head is not complete yet.
        case needMore
        /// A 2xx answer: the tunnel is open. `leftover` counts bytes after the head (there must be none: the
        /// server has not been sent a byte yet).
        case established(leftover: Int)
        /// Any other status, with its reason phrase.
        case refused(status: Int, reason: String)
        /// Not an HTTP answer, or one too large.
        case malformed(String)
    }

    /// Reads `bytes`, everything received on the connection so far.
    static func read(_ bytes: some Collection<UInt8>) -> Reading {
        let data = Array(bytes)
        guard let end = headEnd(data) else {
            if data.count > maxHeadBytes { return .malformed("its answer's head is larger than \(maxHeadBytes) bytes") }
            if !data.isEmpty, !"HTTP/".utf8.starts(with: data.prefix(5)) {
                return .malformed("its answer does not start with an HTTP status line")
            }
            return .needMore
        }
        let lineEnd = data.firstIndex(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) ?? end
        guard let (status, reason) = statusLine(data[..<lineEnd]) else {
            let shown = String(decoding: data[..<min(lineEnd, 80)], as: UTF8.self)
            return .malformed("its answer has a malformed status line: '\(shown)'")
        }
        guard (200...299).contains(status) else { return .refused(status: status, reason: reason) }
        return .established(leftover: data.count - end)
    }

    /// The index just after the blank line ending the head (`\r\n\r\n`, or `\n\n` as RFC 9112 §2.2 tolerates).
    private static func headEnd(_ data: [UInt8]) -> Int? {
        var index = 0
        while index < data.count {
            if data[index] == UInt8(ascii: "\n") {
                if index + 1 < data.count, data[index + 1] == UInt8(ascii: "\n") { return index + 2 }
                if index + 2 < data.count, data[index + 1] == UInt8(ascii: "\r"), data[index + 2] == UInt8(ascii: "\n") {
                    return index + 3
                }
            }
            index += 1
        }
        return nil
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]` → (status, reason).
    private static func statusLine(_ line: ArraySlice<UInt8>) -> (Int, String)? {
        let text = String(decoding: line, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0" else { return nil }
        guard parts[1].count == 3, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let status = Int(parts[1]),
            status >= 100
        else { return nil }
        let reason = parts.count == 3 ? String(parts[2]) : ""
        guard reason.unicodeScalars.allSatisfy({ $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }) else { return nil }
        return (status, reason)
    }
}
