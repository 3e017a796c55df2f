import HTTPTypes
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict, incremental HTTP/1.1 response parser (RFC 9112), written for the client's one job: read responses to
/// the requests it sent, one at a time. Pure: bytes in, events out, no I/O and no clock.
///
/// Strict where ambiguity could desynchronise a connection: a status line that is not `HTTP/1.0` or `HTTP/1.1`
/// followed by a three-digit code, field names that are not tokens, whitespace before a colon, obsolete line
/// folding, control characters in values, Content-Length together with Transfer-Encoding, differing or
/// non-numeric Content-Lengths, a Transfer-Encoding whose final coding is not `chunked` applied more than once or
/// not last, chunk sizes that are not hex or overflow, missing CRLF after chunk data, and heads or trailers over
/// the limit are all failures. A bare LF ends a line (RFC 9112 §2.2 allows recipients to accept it); a bare CR
/// does not.
///
/// Heads come out as swift-http-types values, built in the pass that checks them, with the values of the fields
/// the connection's policies read (`Connection`, `Keep-Alive`, framing) collected on the way: no second
/// representation of the head is made and no field is looked up again.
struct ResponseParser {
    /// A response head as received.
    struct Head: Equatable, Sendable {
        /// `0` for HTTP/1.0, `1` for HTTP/1.1.
        var minorVersion: Int
        /// The status code (kept apart: `HTTPResponse.status` parses it from a string at every read).
        var code: Int
        /// The status (reason phrase as received) and every field, in order.
        var response: HTTPResponse
        /// The tokens of every `Connection` field, as the keep-alive policy reads them (collected on the way: an
        /// array of the values cost an allocation per response).
        var connection = ConnectionTokens.none
        /// The values of every `Keep-Alive` and `Transfer-Encoding` field, in order.
        var keepAlive: [String] = []
        var transferEncoding: [String] = []
        /// The `Content-Length` fields, read from their bytes as the framing decision needs them.
        var contentLength = ContentLengthFields()
        /// How the body is delimited: the parser's own decision, the one place it is made (the exchange's
        /// keep-alive decision uses it too).
        var framing: ResponseFraming = .noBody
    }

    /// What the parser found.
    enum Event: Equatable {
        /// A response head; for 1xx (interim) responses no `end` follows and another head comes.
        case head(Head)
        /// Body bytes (a slice of the input: no copy).
        case body(ByteBuffer)
        /// The response ended.
        case end
    }

    /// Why the input is not a valid response.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The bytes break HTTP/1.1; the reason says how.
        case malformed(String)
        /// The head (or trailer section) is larger than the limit.
        case headTooLarge
        /// The connection ended in the middle of a response: in its head, or in its body.
        case truncated(inHead: Bool)

        var description: String {
            switch self {
            case .malformed(let reason): return reason
            case .headTooLarge: return "the response header section is too large"
            case .truncated(let inHead):
                return inHead ? "the connection closed in the middle of the response head" : "the server closed the connection mid-body"
            }
        }
    }

    private enum State: Equatable {
        /// Reading a head; `scanned` bytes of it were already searched for its end.
        case head(scanned: Int)
        /// A body of known length.
        case fixed(remaining: Int64)
        /// A chunk-size line is next.
        case chunkSize
        /// Inside a chunk.
        case chunkData(remaining: Int64)
        /// The CRLF after a chunk's data is next.
        case chunkDataEnd
        /// The trailer section after the last chunk; `scanned` as for a head.
        case trailers(scanned: Int)
        /// A body that ends when the connection closes.
        case untilClose
        /// After a close-delimited body ended or a failure: nothing more is accepted.
        case done
    }

    /// The largest head, and trailer section, accepted, in bytes.
    let maxHeadBytes: Int
    private var state = State.head(scanned: 0)
    /// Whether each request sent and not yet answered was a HEAD (its response has no body), oldest first.
    private var pendingHEAD: [Bool] = []
    private var pendingStart = 0
    /// The status line of the head being read was complete and checked (an incomplete head is checked once).
    private var statusLineChecked = false

    /// The longest chunk-size line accepted (size plus extensions), in bytes.
    static let maxChunkLine = 4096

    init(maxHeadBytes: Int = 64 * 1024) {
        self.maxHeadBytes = maxHeadBytes
    }

    /// Notes that a request was sent; `isHEAD` responses carry no body whatever their head says.
    mutating func requestSent(isHEAD: Bool) {
        if pendingStart > 16, pendingStart * 2 > pendingHEAD.count {
            pendingHEAD.removeFirst(pendingStart)
            pendingStart = 0
        }
        pendingHEAD.append(isHEAD)
    }

    /// Parses as much of `buffer` as forms whole events, calling `emit` for each; what is left (an incomplete line
    /// or head) stays in `buffer` for the next call.
    mutating func parse(_ buffer: inout ByteBuffer, emit: (Event) -> Void) throws(Failure) {
        do {
            try parseAvailable(&buffer, emit: emit)
        } catch {
            // After a failure the connection's framing is lost: nothing more is parsed.
            state = .done
            throw error
        }
    }

    private mutating func parseAvailable(_ buffer: inout ByteBuffer, emit: (Event) -> Void) throws(Failure) {
        while buffer.readableBytes > 0 {
            switch state {
            case .done:
                throw .malformed("unexpected bytes follow the response")
            case .head(let scanned):
                if scanned == 0, let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
                    first == UInt8(ascii: "\r") || first == UInt8(ascii: "\n")
                {
                    // Empty lines before a status line are ignored (RFC 9112 §2.2): some servers send a stray CRLF
                    // after a body. They are consumed one by one and never buffered.
                    buffer.moveReaderIndex(forwardBy: 1)
                    continue
                }
                guard let end = Self.blankLine(in: buffer, from: scanned) else {
                    // An incomplete head: refuse at once what can never become a response (a peer that is not
                    // HTTP may wait forever for us), and a status line that is already wrong. Checked once: a
                    // head trickling in is not searched from its start on every read.
                    if !statusLineChecked {
                        statusLineChecked = try Self.checkStart(buffer, searchingFrom: scanned)
                    }
                    if buffer.readableBytes > maxHeadBytes { throw .headTooLarge }
                    state = .head(scanned: buffer.readableBytes)
                    return
                }
                guard end <= maxHeadBytes else { throw .headTooLarge }
                let headBytes = buffer.readSlice(length: end)!
                try headReceived(headBytes, emit: emit)
            case .fixed(let remaining):
                let count = Int(min(Int64(buffer.readableBytes), remaining))
                emit(.body(buffer.readSlice(length: count)!))
                if remaining - Int64(count) == 0 {
                    responseEnded(emit: emit)
                } else {
                    state = .fixed(remaining: remaining - Int64(count))
                }
            case .untilClose:
                emit(.body(buffer.readSlice(length: buffer.readableBytes)!))
            case .chunkSize:
                guard let lineEnd = Self.lineEnd(in: buffer, from: 0) else {
                    if buffer.readableBytes > Self.maxChunkLine { throw .malformed("a chunk-size line is too long") }
                    return
                }
                guard lineEnd.next <= Self.maxChunkLine + 2 else { throw .malformed("a chunk-size line is too long") }
                let size = try Self.chunkSize(buffer, length: lineEnd.content)
                buffer.moveReaderIndex(forwardBy: lineEnd.next)
                state = size == 0 ? .trailers(scanned: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let count = Int(min(Int64(buffer.readableBytes), remaining))
                emit(.body(buffer.readSlice(length: count)!))
                state = remaining - Int64(count) == 0 ? .chunkDataEnd : .chunkData(remaining: remaining - Int64(count))
            case .chunkDataEnd:
                let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
                if first == UInt8(ascii: "\n") {
                    buffer.moveReaderIndex(forwardBy: 1)
                    state = .chunkSize
                } else if first == UInt8(ascii: "\r") {
                    guard buffer.readableBytes >= 2 else { return }
                    guard buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == UInt8(ascii: "\n") else {
                        throw .malformed("a chunk's data is not followed by CRLF")
                    }
                    buffer.moveReaderIndex(forwardBy: 2)
                    state = .chunkSize
                } else {
                    throw .malformed("a chunk's data is not followed by CRLF (the chunk is longer than its size)")
                }
            case .trailers(let scanned):
                // The trailer section ends with an empty line; with no trailers that is the very next line.
                if let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), scanned == 0 {
                    if first == UInt8(ascii: "\n") {
                        buffer.moveReaderIndex(forwardBy: 1)
                        responseEnded(emit: emit)
                        continue
                    }
                    if first == UInt8(ascii: "\r") {
                        guard buffer.readableBytes >= 2 else { return }
                        if buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == UInt8(ascii: "\n") {
                            buffer.moveReaderIndex(forwardBy: 2)
                            responseEnded(emit: emit)
                            continue
                        }
                        throw .malformed("the response breaks HTTP/1.1 syntax (a bare CR)")
                    }
                }
                guard let end = Self.blankLine(in: buffer, from: scanned) else {
                    if buffer.readableBytes > maxHeadBytes { throw .headTooLarge }
                    state = .trailers(scanned: buffer.readableBytes)
                    return
                }
                guard end <= maxHeadBytes else { throw .headTooLarge }
                let trailerBytes = buffer.readSlice(length: end)!
                // Trailers are checked like header fields and then dropped (nothing in Courier uses them).
                var trailers = Head(minorVersion: 1, code: 200, response: HTTPResponse(status: .ok))
                try Self.fields(trailerBytes, startingAt: 0, into: &trailers)
                responseEnded(emit: emit)
            }
        }
    }

    /// The connection ended (EOF): ends a body delimited by the close; fails a response cut short.
    mutating func finish(emit: (Event) -> Void) throws(Failure) {
        let ended = state
        state = .done
        switch ended {
        case .untilClose:
            emit(.end)
        case .head(let scanned):
            // Nothing of a next response arrived: a clean close between responses.
            if scanned > 0 { throw .truncated(inHead: true) }
        case .done:
            return
        case .fixed, .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            throw .truncated(inHead: false)
        }
    }

    // MARK: Head

    private mutating func headReceived(_ bytes: ByteBuffer, emit: (Event) -> Void) throws(Failure) {
        statusLineChecked = false
        let (minor, status, reason, fieldsStart) = try Self.statusLine(bytes)
        let code = Int(status)
        var head = Head(minorVersion: minor, code: code, response: HTTPResponse(status: .init(received: code, reasonPhrase: reason)))
        try Self.fields(bytes, startingAt: fieldsStart, into: &head)
        // Every check comes before the head is handed on: a head is only ever followed by its body and end.
        if (100..<200).contains(code) {
            if code == 101 { throw .malformed("unexpected 101 Switching Protocols (no upgrade was requested)") }
            emit(.head(head))
            state = .head(scanned: 0)
            return
        }
        let isHEAD = pendingStart < pendingHEAD.count ? pendingHEAD[pendingStart] : false
        if pendingStart < pendingHEAD.count { pendingStart += 1 }
        head.framing = isHEAD || code == 204 || code == 304 ? .noBody : try Self.framing(head)
        emit(.head(head))
        switch head.framing {
        case .noBody, .contentLength(0):
            responseEnded(emit: emit)
        case .contentLength(let length):
            state = .fixed(remaining: length)
        case .chunked:
            state = .chunkSize
        case .untilClose:
            state = .untilClose
        }
    }

    private mutating func responseEnded(emit: (Event) -> Void) {
        emit(.end)
        state = .head(scanned: 0)
    }

    /// How the body is delimited (RFC 9112 §6.3), for a response that has one.
    static func framing(_ head: Head) throws(Failure) -> ResponseFraming {
        let transferEncoding = head.transferEncoding
        let contentLength = head.contentLength
        if !transferEncoding.isEmpty {
            guard contentLength.count == 0 else {
                throw .malformed(
                    "the response framing is invalid (Transfer-Encoding together with Content-Length): refusing it")
            }
            // Coding names compared without regard to ASCII case only (Unicode case folding would take, for
            // example, a Kelvin sign for a "k").
            let codings = transferEncoding.flatMap { $0.split(separator: ",") }.map { $0.trimmingHTTPWhitespace() }
            guard !codings.contains(where: \.isEmpty) else { throw .malformed("Transfer-Encoding has an empty coding") }
            let chunkedCount = codings.filter { $0.equalsIgnoringASCIICase("chunked") }.count
            if chunkedCount == 0 { return .untilClose }
            guard chunkedCount == 1, codings.last?.equalsIgnoringASCIICase("chunked") == true else {
                throw .malformed("Transfer-Encoding applies chunked more than once or not last")
            }
            return .chunked
        }
        guard contentLength.count > 0 else { return .untilClose }
        switch contentLength.problem {
        case .invalid: throw .malformed("the Content-Length header is not a valid number")
        case .conflicting:
            throw .malformed(
                "the response carries conflicting framing (two different Content-Lengths, or Content-Length together with Transfer-Encoding)")
        case nil: break
        }
        guard let length = contentLength.length else {
            throw .malformed("the Content-Length header is not a valid number")
        }
        return .contentLength(length)
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason] EOL` → (minor version, code, reason, index after the line).
    static func statusLine(_ bytes: ByteBuffer) throws(Failure) -> (Int, UInt16, String, Int) {
        let invalid = Failure.malformed("the status line is not valid HTTP/1.x")
        guard let line = lineEnd(in: bytes, from: 0) else { throw invalid }
        return try Self.withBytes(bytes) { raw throws(Failure) in
            let text = raw[0..<line.content]
            guard text.count >= 12, Self.startsWithHTTP1(UnsafeRawBufferPointer(rebasing: text)) else { throw invalid }
            let minor = text[7]
            guard minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1"), text[8] == UInt8(ascii: " ") else { throw invalid }
            var code: UInt16 = 0
            for index in 9..<12 {
                let digit = text[index]
                guard digit >= 0x30, digit <= 0x39 else { throw .malformed("the status code is not valid") }
                code = code * 10 + UInt16(digit - 0x30)
            }
            guard code >= 100 else { throw .malformed("the status code is not valid") }
            var reason = ""
            if text.count > 12 {
                guard text[12] == UInt8(ascii: " ") else { throw .malformed("the status code is not valid") }
                let phrase = text[13...]
                guard phrase.allSatisfy(isFieldValueByte) else {
                    throw .malformed("the reason phrase contains characters that are not allowed")
                }
                reason = String(decoding: phrase, as: UTF8.self)
            }
            return (minor == UInt8(ascii: "1") ? 1 : 0, code, reason, line.next)
        }
    }

    /// Checks the start of an incomplete head: the bytes so far must begin like `HTTP/1.`, and a complete first
    /// line must be a valid status line. The line's end is searched from `from - 1` (the bytes before were
    /// searched in an earlier call). Returns whether the status line was complete (and valid).
    static func checkStart(_ buffer: ByteBuffer, searchingFrom from: Int = 0) throws(Failure) -> Bool {
        let prefix = Array("HTTP/1.".utf8)
        let count = min(buffer.readableBytes, prefix.count)
        let start = buffer.getBytes(at: buffer.readerIndex, length: count) ?? []
        guard start[...] == prefix[..<count] else { throw .malformed("the status line is not valid HTTP/1.x") }
        guard lineEnd(in: buffer, from: max(0, from - 1)) != nil else { return false }
        _ = try statusLine(buffer)
        return true
    }

    /// Field lines from `start` up to the blank line that ends `bytes`, appended to `head`. One pass over the
    /// bytes: each line is split, checked and classified where it lies (no per-line copies or closures).
    static func fields(_ bytes: ByteBuffer, startingAt start: Int, into head: inout Head) throws(Failure) {
        try Self.withBytes(bytes) { raw throws(Failure) in
            // Room for every line up to the end of the buffer (at most the head and what came with it): the
            // fields' storage then grows once instead of doubling from one field.
            var lines = 0
            var scan = start
            while let lf = nextLineFeed(raw, from: scan) {
                lines += 1
                scan = lf + 1
            }
            head.response.headerFields.reserveCapacity(max(0, lines - 1))  // the blank line holds no field
            var position = start
            while let lf = nextLineFeed(raw, from: position) {
                let end = lf > position && raw[lf - 1] == UInt8(ascii: "\r") ? lf - 1 : lf
                if end == position { return }  // the blank line
                try fieldLine(raw, from: position, to: end, into: &head)
                position = lf + 1
            }
            throw .malformed("the response head does not end with a blank line")
        }
    }

    /// One field line, `raw[from..<to]` (without its line ending).
    private static func fieldLine(
        _ raw: UnsafeRawBufferPointer, from: Int, to end: Int, into head: inout Head
    ) throws(Failure) {
        let first = raw[from]
        if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            throw .malformed("the response uses obsolete line folding (a field line starts with whitespace)")
        }
        var colon = from
        while colon < end, raw[colon] != UInt8(ascii: ":") {
            guard isTokenByte(raw[colon]) else {
                guard raw[colon..<end].contains(UInt8(ascii: ":")) else { throw .malformed("a header line has no colon") }
                throw .malformed("a header field name contains characters that are not allowed")
            }
            colon += 1
        }
        guard colon < end else { throw .malformed("a header line has no colon") }
        guard colon > from else { throw .malformed("a header field name contains characters that are not allowed") }
        let (valueStart, valueEnd) = raw.trimmingWhitespace(from: colon + 1, to: end)
        // One pass without an early exit (the compiler can vectorize it): a byte that is not a field-value byte
        // makes the value invalid; any byte from 0x80 makes it non-ASCII.
        var invalid = false
        var highBits: UInt8 = 0
        for index in valueStart..<valueEnd {
            let byte = raw[index]
            invalid = invalid || !isFieldValueByte(byte)
            highBits |= byte
        }
        if invalid { throw .malformed("a header field value contains characters that are not allowed") }
        let ascii = highBits < 0x80
        let name = UnsafeRawBufferPointer(rebasing: raw[from..<colon])
        let value = UnsafeRawBufferPointer(rebasing: raw[valueStart..<valueEnd])
        let kind = FieldKind(name)
        if kind == .contentLength { head.contentLength.add(value) }
        // A token is a valid field name, so the parsed form always exists; the guard keeps a mistake from trapping.
        guard let fieldName = HTTPField.Name.common(name) ?? HTTPField.Name(String(decoding: name, as: UTF8.self)) else {
            return
        }
        head.add(name: fieldName, kind: kind, value: String(decoding: value, as: UTF8.self), isASCII: ascii)
    }

    /// The fields whose values the connection's policies read.
    enum FieldKind {
        case connection, keepAlive, contentLength, transferEncoding, other

        /// Classifies a field name (a token), ignoring ASCII case. Setting bit 0x20 lower-cases letters and maps
        /// no other token byte onto a letter or `-`, so the comparison is exact for tokens.
        init(_ name: UnsafeRawBufferPointer) {
            switch name.count {
            case 10 where Self.equal(name, "connection"): self = .connection
            case 10 where Self.equal(name, "keep-alive"): self = .keepAlive
            case 14 where Self.equal(name, "content-length"): self = .contentLength
            case 17 where Self.equal(name, "transfer-encoding"): self = .transferEncoding
            default: self = .other
            }
        }

        /// `bytes` spell `lowercase` (lower-case ASCII letters and `-`), ignoring ASCII case; same length assumed.
        private static func equal(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
            let target = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
            for index in 0..<target.count where bytes[index] | 0x20 != target[index] { return false }
            return true
        }
    }

    /// The size on a chunk-size line of `length` bytes (extensions after `;` are checked and ignored).
    static func chunkSize(_ buffer: ByteBuffer, length: Int) throws(Failure) -> Int64 {
        try Self.withBytes(buffer) { raw throws(Failure) in
            let line = raw[0..<length]
            var size: Int64 = 0
            var digits = 0
            var index = line.startIndex
            while index < line.endIndex, let value = hexValue(line[index]) {
                guard digits < 15 else { throw .malformed("a chunk size in the chunked body is too large") }
                size = size << 4 | Int64(value)
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw .malformed("a chunk size in the chunked body is not valid") }
            // Optional whitespace, then extensions (`;name[=value]`), as RFC 9112 §7.1.1 allows.
            while index < line.endIndex, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
            if index < line.endIndex {
                guard line[index] == UInt8(ascii: ";") else { throw .malformed("a chunk size in the chunked body is not valid") }
                guard line[index...].allSatisfy(isFieldValueByte) else {
                    throw .malformed("a chunk extension contains characters that are not allowed")
                }
            }
            return size
        }
    }

    // MARK: Scanning

    /// The end of the line starting at `from`: `content` is where its text ends (before CR LF or LF), `next`
    /// where the following line starts. `nil` if no LF follows yet. A CR not followed by LF is left in the
    /// content, where the character checks refuse it.
    static func lineEnd(in buffer: ByteBuffer, from: Int) -> (content: Int, next: Int)? {
        buffer.withUnsafeReadableBytes { raw -> (Int, Int)? in
            guard let lf = nextLineFeed(raw, from: from) else { return nil }
            let content = lf > from && raw[lf - 1] == UInt8(ascii: "\r") ? lf - 1 : lf
            return (content, lf + 1)
        }
    }

    /// The index of the first LF in `raw` at or after `from`, if any.
    static func nextLineFeed(_ raw: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from >= 0, from < raw.count, let base = raw.baseAddress,
            let found = memchr(base + from, Int32(UInt8(ascii: "\n")), raw.count - from)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Whether `bytes` begin with `HTTP/1.` (compared as one 7-byte load; the generic prefix test costs ~10x).
    static func startsWithHTTP1(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 7, let base = bytes.baseAddress else { return false }
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { $0.baseAddress!.copyMemory(from: base, byteCount: 7) }
        return word == Self.http1Prefix
    }

    /// `HTTP/1.` as the integer `startsWithHTTP1` loads (7 bytes in memory order, the eighth zero).
    private static let http1Prefix: UInt64 = {
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { out in
            for (index, byte) in "HTTP/1.".utf8.enumerated() { out[index] = byte }
        }
        return word
    }()

    /// The length of the head at the start of `buffer` including its blank line, if complete; the search resumes
    /// near `from` (bytes before it were searched already).
    static func blankLine(in buffer: ByteBuffer, from: Int) -> Int? {
        buffer.withUnsafeReadableBytes { raw -> Int? in
            var index = max(0, from - 3)
            while let lf = nextLineFeed(raw, from: index) {
                // A line is blank when the LF ends a line with no content: the previous line ended just before it.
                if lf + 1 < raw.count {
                    let next = raw[lf + 1]
                    if next == UInt8(ascii: "\n") { return lf + 2 }
                    if next == UInt8(ascii: "\r"), lf + 2 < raw.count, raw[lf + 2] == UInt8(ascii: "\n") { return lf + 3 }
                }
                index = lf + 1
            }
            return nil
        }
    }

    /// `body` over the readable bytes, with its typed error passed on.
    private static func withBytes<T>(
        _ buffer: ByteBuffer, _ body: (UnsafeRawBufferPointer) throws(Failure) -> T
    ) throws(Failure) -> T {
        let result: Result<T, Failure> = buffer.withUnsafeReadableBytes { raw in
            Result { () throws(Failure) in try body(raw) }
        }
        return try result.get()
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// tchar (RFC 9110 §5.6.2): digits, letters and `!#$%&'*+-.^_`|~`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        // One bit per byte value below 128, set for tchar: a shift and a mask instead of a chain of comparisons.
        // The masks are literals (a static property would cost an initialization check per byte); a test
        // rebuilds them from the RFC's list.
        switch byte {
        case 0..<64: return (0x03FF_6CFA_0000_0000 as UInt64) >> UInt64(byte) & 1 == 1
        case 64..<128: return (0x57FF_FFFF_C7FF_FFFE as UInt64) >> UInt64(byte - 64) & 1 == 1
        default: return false
        }
    }

    /// field-vchar, SP and HTAB (RFC 9110 §5.5); obs-text (0x80-0xFF) is accepted as the RFC allows.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }
}

extension ResponseParser.Head {
    /// Appends a field whose name was checked to be a token and whose value to hold field-value bytes only
    /// (trimmed), and notes the values the policies read (`Content-Length` is noted by the parser from the
    /// bytes). An ASCII value is valid for swift-http-types as it is
    /// (the parser allows no control characters but HTAB inside), so it is stored without a copy; any other is
    /// taken as `HTTPField(name:lenientValue:)` takes it.
    mutating func add(name: HTTPField.Name, kind: ResponseParser.FieldKind, value: String, isASCII: Bool) {
        response.headerFields.append(
            isASCII ? HTTPField(name: name, value: value) : HTTPField(name: name, lenientValue: value.utf8))
        switch kind {
        case .connection: connection.add(ConnectionTokens(headerValues: CollectionOfOne(value)))
        case .keepAlive: keepAlive.append(value)
        case .transferEncoding: transferEncoding.append(value)
        case .contentLength, .other: break
        }
    }
}
