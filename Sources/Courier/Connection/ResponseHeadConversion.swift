import HTTPTypes

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension HTTPResponse.Status {
    /// A received status: the common ones with their usual reason phrase are the library's constants (the
    /// general initialiser checks every byte of the phrase again), any other as received.
    init(received code: Int, reasonPhrase: String) {
        switch code {
        case 200 where reasonPhrase == "OK": self = .ok
        case 204 where reasonPhrase == "No Content": self = .noContent
        default: self.init(code: code, reasonPhrase: reasonPhrase)
        }
    }
}

extension HTTPField.Name {
    /// The library's constant for a name servers commonly send, when `bytes` spell it exactly as the constant does
    /// (case included: a received name keeps its spelling); nil for any other name. Spares the common names a
    /// string and the general initialiser's checks and lower-casing.
    static func common(_ bytes: UnsafeRawBufferPointer) -> HTTPField.Name? {
        switch bytes.count {
        case 4:
            if bytes.spells("Date") { return .date }
            if bytes.spells("ETag") { return .eTag }
            if bytes.spells("Vary") { return .vary }
        case 6: if bytes.spells("Server") { return .server }
        case 8: if bytes.spells("Location") { return .location }
        case 10:
            if bytes.spells("Connection") { return .connection }
            if bytes.spells("Set-Cookie") { return .setCookie }
        case 12: if bytes.spells("Content-Type") { return .contentType }
        case 13:
            if bytes.spells("Cache-Control") { return .cacheControl }
            if bytes.spells("Last-Modified") { return .lastModified }
            if bytes.spells("Accept-Ranges") { return .acceptRanges }
        case 14: if bytes.spells("Content-Length") { return .contentLength }
        case 16: if bytes.spells("Content-Encoding") { return .contentEncoding }
        case 17: if bytes.spells("Transfer-Encoding") { return .transferEncoding }
        default: break
        }
        return nil
    }
}

extension UnsafeRawBufferPointer {
    /// Whether these bytes are exactly the UTF-8 of `text` (case-sensitive).
    func spells(_ text: StaticString) -> Bool {
        guard count == text.utf8CodeUnitCount else { return false }
        guard let base = baseAddress else { return count == 0 }
        return memcmp(base, text.utf8Start, count) == 0
    }

    /// `from..<to` without the optional whitespace (SP and HTAB, RFC 9110 §5.6.3) at either end, as the bounds of
    /// what is left (equal when nothing is).
    func trimmingWhitespace(from: Int, to: Int) -> (start: Int, end: Int) {
        var start = from
        var end = to
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        while end > start, self[end - 1] == 0x20 || self[end - 1] == 0x09 { end -= 1 }
        return (start, end)
    }
}
