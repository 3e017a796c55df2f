import HTTPTypes
import NIOCore
import Testing

@testable import Courier

/// The strict response parser: valid framings, every malformed case, every split point, and seeded random input.
@Suite struct ResponseParserTests {
    /// A compact view of events: "head 200 k=v;k=v", "body <text>" (adjacent bodies joined), "end".
    static func run(
        _ input: [UInt8], splits: [Int] = [], heads: [Bool] = [false, false, false, false], eof: Bool = false,
        maxHeadBytes: Int = 64 * 1024
    ) -> (events: [String], failure: ResponseParser.Failure?) {
        var parser = ResponseParser(maxHeadBytes: maxHeadBytes)
        for isHEAD in heads { parser.requestSent(isHEAD: isHEAD) }
        var events: [String] = []
        func record(_ event: ResponseParser.Event) {
            switch event {
            case .head(let head):
                let fields = head.response.headerFields.map { "\($0.name.rawName)=\($0.value)" }.joined(separator: ";")
                events.append("head \(head.code) \(head.minorVersion) \(head.response.status.reasonPhrase)|\(fields)")
            case .body(let buffer):
                let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
                if let last = events.last, last.hasPrefix("body ") {
                    events[events.count - 1] = last + text
                } else {
                    events.append("body " + text)
                }
            case .end:
                events.append("end")
            }
        }
        var cumulation = ByteBuffer()
        var start = 0
        do {
            for end in (splits.filter { $0 > 0 && $0 < input.count }.sorted() + [input.count]) where end > start {
                cumulation.writeBytes(input[start..<end])
                start = end
                try parser.parse(&cumulation, emit: record)
                cumulation.discardReadBytes()
            }
            if eof { try parser.finish(emit: record) }
        } catch {
            return (events, error)
        }
        return (events, nil)
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    struct Valid: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var events: [String]
        var heads: [Bool] = [false, false, false]
        var eof = false
        var testDescription: String { name }
    }

    static let valid: [Valid] = [
        Valid(name: "content-length", input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
              events: ["head 200 1 OK|Content-Length=5", "body hello", "end"]),
        Valid(name: "empty body", input: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
              events: ["head 200 1 OK|Content-Length=0", "end"]),
        Valid(name: "two responses back to back", input: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nb",
              events: ["head 200 1 OK|Content-Length=1", "body a", "end", "head 201 1 Created|Content-Length=1", "body b", "end"]),
        Valid(name: "chunked with extensions and trailers",
              input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA \r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\n",
              events: ["head 200 1 OK|Transfer-Encoding=chunked", "body hello, world!!!", "end"]),
        Valid(name: "chunked, upper-case hex and coding", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
              events: ["head 200 1 OK|Transfer-Encoding=gzip, CHUNKED", "body 0123456789", "end"]),
        Valid(name: "until close", input: "HTTP/1.0 200 OK\r\n\r\nall of it", events: ["head 200 0 OK|", "body all of it", "end"], eof: true),
        Valid(name: "until close, a non-chunked coding", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz",
              events: ["head 200 1 OK|Transfer-Encoding=gzip", "body zz", "end"], eof: true),
        Valid(name: "HEAD has no body", input: "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
              events: ["head 200 1 OK|Content-Length=500", "end", "head 200 1 OK|Content-Length=1", "body x", "end"], heads: [true, false]),
        Valid(name: "204 and 304 have no body", input: "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n",
              events: ["head 204 1 No Content|Content-Length=9", "end", "head 304 1 Not Modified|", "end"]),
        // A 304 carries the Content-Length of the representation it validates (RFC 9110 §8.6), never a body.
        Valid(name: "304 with the validated Content-Length has no body",
              input: "HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\nETag: \"a\"\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny",
              events: ["head 304 1 Not Modified|Content-Length=1234;ETag=\"a\"", "end", "head 200 1 OK|Content-Length=1", "body y", "end"]),
        Valid(name: "interim responses come before the final one", input: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
              events: ["head 100 1 Continue|", "head 103 1 Early Hints|Link=</a>", "head 200 1 OK|Content-Length=2", "body ok", "end"]),
        Valid(name: "bare LF line endings", input: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", events: ["head 200 1 OK|Content-Length=2", "body ok", "end"]),
        Valid(name: "no reason phrase", input: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", events: ["head 200 1 |Content-Length=0", "end"]),
        Valid(name: "OWS around values, obs-text, repeated equal lengths",
              input: "HTTP/1.1 200 OK\r\nX-A: \t spaced \t\r\nX-B: caf\u{E9}\r\nContent-Length: 2, 2\r\n\r\nok",
              events: ["head 200 1 OK|X-A=spaced;X-B=café;Content-Length=2, 2", "body ok", "end"]),
        Valid(name: "empty lines before a status line are skipped",
              input: "\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx\r\nHTTP/1.1 204 No Content\r\n\r\n",
              events: ["head 200 1 OK|Content-Length=1", "body x", "end", "head 204 1 No Content|", "end"]),
        Valid(name: "a clean close between responses", input: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
              events: ["head 200 1 OK|Content-Length=1", "body x", "end"], eof: true),
    ]

    @Test(arguments: valid)
    func validResponsesGiveTheSameEventsAtEverySplit(_ entry: Valid) {
        let input = Self.bytes(entry.input)
        let whole = Self.run(input, heads: entry.heads, eof: entry.eof)
        #expect(whole.failure == nil)
        #expect(whole.events == entry.events)
        for split in 1..<input.count {
            let parts = Self.run(input, splits: [split], heads: entry.heads, eof: entry.eof)
            #expect(parts.failure == nil && parts.events == entry.events, "split at \(split)")
        }
        let byteByByte = Self.run(input, splits: Array(1..<input.count), heads: entry.heads, eof: entry.eof)
        #expect(byteByByte.events == entry.events && byteByByte.failure == nil)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var input: String
        var failure: ResponseParser.Failure
        var eof = false
        var testDescription: String { failure.description + ": " + input.prefix(40).debugDescription }
    }

    static let invalid: [Invalid] = [
        Invalid(input: "HTTP/1.1 OK maybe\r\n\r\n", failure: .malformed("the status code is not valid")),
        Invalid(input: "SSH-2.0-OpenSSH_9.2\r\n\r\n", failure: .malformed("the status line is not valid HTTP/1.x")),
        Invalid(input: "HTTP/2.0 200 OK\r\n\r\n", failure: .malformed("the status line is not valid HTTP/1.x")),
        Invalid(input: "HTTP/1.1 2000 OK\r\n\r\n", failure: .malformed("the status code is not valid")),
        Invalid(input: "HTTP/1.1 099 Low\r\n\r\n", failure: .malformed("the status code is not valid")),
        Invalid(input: "HTTP/1.1  200 OK\r\n\r\n", failure: .malformed("the status code is not valid")),
        Invalid(input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                failure: .malformed("the response framing is invalid (Transfer-Encoding together with Content-Length): refusing it")),
        Invalid(input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                failure: .malformed("the response carries conflicting framing (two different Content-Lengths, or Content-Length together with Transfer-Encoding)")),
        Invalid(input: "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", failure: .malformed("the Content-Length header is not a valid number")),
        Invalid(input: "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello", failure: .malformed("the Content-Length header is not a valid number")),
        Invalid(input: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", failure: .malformed("the Content-Length header is not a valid number")),
        Invalid(input: "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", failure: .malformed("the Content-Length header is not a valid number")),
        Invalid(input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", failure: .malformed("Transfer-Encoding applies chunked more than once or not last")),
        Invalid(input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", failure: .malformed("Transfer-Encoding applies chunked more than once or not last")),
        Invalid(input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", failure: .malformed("a chunk size in the chunked body is not valid")),
        Invalid(input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", failure: .malformed("a chunk size in the chunked body is not valid")),
        Invalid(input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", failure: .malformed("a chunk size in the chunked body is too large")),
        Invalid(input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!\r\n", failure: .malformed("a chunk's data is not followed by CRLF (the chunk is longer than its size)")),
        Invalid(input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX", failure: .malformed("a chunk's data is not followed by CRLF")),
        Invalid(input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", failure: .malformed("a chunk size in the chunked body is not valid")),
        Invalid(input: "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\n\r\n", failure: .malformed("the response uses obsolete line folding (a field line starts with whitespace)")),
        Invalid(input: "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", failure: .malformed("a header field name contains characters that are not allowed")),
        Invalid(input: "HTTP/1.1 200 OK\r\nName : x\r\n\r\n", failure: .malformed("a header field name contains characters that are not allowed")),
        Invalid(input: "HTTP/1.1 200 OK\r\n: x\r\n\r\n", failure: .malformed("a header field name contains characters that are not allowed")),
        Invalid(input: "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", failure: .malformed("a header line has no colon")),
        Invalid(input: "HTTP/1.1 200 OK\r\nX-Nul: a\u{0}b\r\n\r\n", failure: .malformed("a header field value contains characters that are not allowed")),
        Invalid(input: "HTTP/1.1 200 OK\r\nX-CR: a\rb\r\n\r\n", failure: .malformed("a header field value contains characters that are not allowed")),
        Invalid(input: "HTTP/1.1 200 O\u{1}K\r\n\r\n", failure: .malformed("the reason phrase contains characters that are not allowed")),
        Invalid(input: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", failure: .malformed("unexpected 101 Switching Protocols (no upgrade was requested)")),
        Invalid(input: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", failure: .truncated(inHead: false), eof: true),
        Invalid(input: "HTTP/1.1 200 OK\r\nContent-Le", failure: .truncated(inHead: true), eof: true),
        Invalid(input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", failure: .truncated(inHead: false), eof: true),
    ]

    @Test(arguments: invalid)
    func malformedResponsesFailWithTheReason(_ entry: Invalid) {
        let input = Self.bytes(entry.input)
        let result = Self.run(input, eof: entry.eof)
        #expect(result.failure == entry.failure)
        // A head is handed on only when it and its framing are valid (the caller never sees a broken head);
        // faults in a chunked body come after its head, necessarily.
        if case .malformed(let reason) = entry.failure, !reason.contains("chunk") {
            #expect(result.events.isEmpty, "\(result.events)")
        }
        // The same verdict however the bytes arrive.
        #expect(Self.run(input, splits: Array(1..<input.count), eof: entry.eof).failure == entry.failure)
    }

    @Test func connectionTokensAreCollectedOverEveryConnectionField() throws {
        let cases: [(fields: String, close: Bool, keepAlive: Bool)] = [
            ("", false, false),
            ("Connection: keep-alive\r\n", false, true),
            ("Connection: Upgrade\r\nConnection: close\r\n", true, false),
            ("Connection: close\r\nX: y\r\nconnection: Keep-Alive, TE\r\n", true, true),
            ("Connection: te, CLOSE\r\n", true, false),
        ]
        for entry in cases {
            var parser = ResponseParser()
            parser.requestSent(isHEAD: false)
            var buffer = ByteBuffer(string: "HTTP/1.1 204 No Content\r\n" + entry.fields + "\r\n")
            var heads: [ResponseParser.Head] = []
            try parser.parse(&buffer) { event in if case .head(let head) = event { heads.append(head) } }
            let head = try #require(heads.first)
            #expect(head.connection == ConnectionTokens(close: entry.close, keepAlive: entry.keepAlive), "\(entry.fields)")
        }
    }

    @Test func theHeadCarriesTheValuesThePoliciesRead() throws {
        var parser = ResponseParser()
        parser.requestSent(isHEAD: false)
        var buffer = ByteBuffer(
            string: "HTTP/1.0 200 Fine\r\nconnection: keep-alive\r\nKEEP-ALIVE: timeout=5\r\nServer: s\r\n"
                + "Content-Length: 2\r\nConnection: Upgrade\r\ncontent-length: 2\r\n\r\nok")
        var heads: [ResponseParser.Head] = []
        try parser.parse(&buffer) { event in if case .head(let head) = event { heads.append(head) } }
        let head = try #require(heads.first)
        #expect(head.minorVersion == 0)
        #expect(head.code == 200)
        #expect(head.response.status.reasonPhrase == "Fine")
        #expect(head.connection == ConnectionTokens(close: false, keepAlive: true))
        #expect(head.keepAlive == ["timeout=5"])
        #expect(head.contentLength.count == 2)
        #expect(head.contentLength.length == 2)
        #expect(head.contentLength.problem == nil)
        #expect(head.transferEncoding == [])
        #expect(head.response.headerFields[.server] == "s")
        #expect(head.response.headerFields[values: .contentLength] == ["2", "2"])
        // Names keep their spelling; lookups ignore case.
        #expect(head.response.headerFields.map(\.name.rawName) == [
            "connection", "KEEP-ALIVE", "Server", "Content-Length", "Connection", "content-length",
        ])
    }

    /// The framing the parser decides, which the exchange's keep-alive decision uses too (RFC 9112 §6.3).
    @Test func framingFollowsRFC9112Section6_3() throws {
        func framing(head isHEAD: Bool = false, _ status: Int, _ fields: String = "") throws -> ResponseFraming? {
            var parser = ResponseParser()
            parser.requestSent(isHEAD: isHEAD)
            var buffer = ByteBuffer(string: "HTTP/1.1 \(status) X\r\n\(fields)\r\n")
            var found: ResponseFraming?
            try parser.parse(&buffer) { event in if case .head(let head) = event, found == nil { found = head.framing } }
            return found
        }
        #expect(try framing(head: true, 200, "Content-Length: 100\r\n") == .noBody)
        #expect(try framing(204, "Content-Length: 5\r\n") == .noBody)
        #expect(try framing(304) == .noBody)
        #expect(try framing(304, "Content-Length: 1234\r\n") == .noBody)
        #expect(try framing(103) == .noBody)
        #expect(try framing(200, "Transfer-Encoding: chunked\r\n") == .chunked)
        #expect(try framing(200, "Transfer-Encoding: gzip, Chunked\r\n") == .chunked)
        #expect(try framing(200, "Transfer-Encoding: gzip\r\n") == .untilClose)
        #expect(try framing(200, "Content-Length: 42\r\n") == .contentLength(42))
        #expect(try framing(200, "Content-Length: 0\r\n") == .contentLength(0))
        #expect(try framing(200, "Content-Length: 5, 5\r\nContent-Length: 5\r\n") == .contentLength(5))
        #expect(try framing(200) == .untilClose)
        // Only ASCII letters match without regard to case: a Kelvin sign is not a "k".
        #expect(try framing(200, "Transfer-Encoding: CHUNKED\r\n") == .chunked)
        #expect(try framing(200, "Transfer-Encoding: chun\u{212A}ed\r\n") == .untilClose)
    }

    @Test func tokenBytesAreExactlyRFC9110sTchar() {
        // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
        let symbols = Set("!#$%&'*+-.^_`|~".utf8)
        for value in 0...255 {
            let byte = UInt8(value)
            let expected =
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || symbols.contains(byte)
            #expect(ResponseParser.isTokenByte(byte) == expected, "byte \(value)")
        }
    }

    @Test func everyControlByteButHTABInAFieldValueIsRefused() {
        // CR and LF end or break the line and are covered by the malformed table.
        for value in 0...255 where value != 0x0A && value != 0x0D {
            let byte = UInt8(value)
            let bytes = Array("HTTP/1.1 200 OK\r\nX-A: a".utf8) + [byte] + Array("b\r\nContent-Length: 0\r\n\r\n".utf8)
            var parser = ResponseParser(maxHeadBytes: 1024)
            parser.requestSent(isHEAD: false)
            var buffer = ByteBuffer(bytes: bytes)
            var fieldValue: String? = nil
            var refused = false
            do {
                try parser.parse(&buffer) {
                    if case .head(let head) = $0 { fieldValue = head.response.headerFields[HTTPField.Name("X-A")!] }
                }
            } catch {
                refused = true
            }
            let allowed = byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
            #expect(refused == !allowed, "byte \(value)")
            if allowed { #expect(fieldValue != nil && fieldValue!.unicodeScalars.count == 3, "byte \(value)") }
        }
    }

    @Test func theStatusLinePrefixAndLineEndsAreFoundByteExactly() {
        let prefix = Array("HTTP/1.".utf8)
        #expect(prefix.withUnsafeBytes { ResponseParser.startsWithHTTP1($0) })
        #expect((prefix + Array("1 200".utf8)).withUnsafeBytes { ResponseParser.startsWithHTTP1($0) })
        // Every single-byte change of the prefix, and every shorter input, is refused.
        for index in prefix.indices {
            for replacement: UInt8 in [0, 0x20, prefix[index] ^ 0x20, prefix[index] &+ 1] {
                var changed = prefix
                changed[index] = replacement
                #expect(!changed.withUnsafeBytes { ResponseParser.startsWithHTTP1($0) }, "\(changed)")
            }
            #expect(!Array(prefix[..<index]).withUnsafeBytes { ResponseParser.startsWithHTTP1($0) })
        }
        let buffer = ByteBuffer(string: "ab\r\ncd\nef\r\r\n\n")
        #expect(ResponseParser.lineEnd(in: buffer, from: 0)! == (2, 4))
        #expect(ResponseParser.lineEnd(in: buffer, from: 3)! == (3, 4))
        #expect(ResponseParser.lineEnd(in: buffer, from: 4)! == (6, 7))
        #expect(ResponseParser.lineEnd(in: buffer, from: 7)! == (10, 12))
        #expect(ResponseParser.lineEnd(in: buffer, from: 12)! == (12, 13))
        #expect(ResponseParser.lineEnd(in: buffer, from: 13) == nil)
        #expect(ResponseParser.lineEnd(in: ByteBuffer(string: "no end"), from: 0) == nil)
        // A buffer whose readable bytes start after its storage's start.
        var offset = ByteBuffer(string: "xx\nyy\r\n")
        offset.moveReaderIndex(forwardBy: 3)
        #expect(ResponseParser.lineEnd(in: offset, from: 0)! == (2, 4))
    }

    @Test func aStatusLineTricklingInIsCheckedOnceAndStillRefusedWhenWrong() {
        // A long valid head arriving a few bytes at a time completes; a wrong status line is refused as soon as
        // its line ends, however it is split.
        let head = "HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "v", count: 5_000) + "\r\nContent-Length: 0\r\n\r\n"
        let input = Self.bytes(head)
        let pieces = Self.run(input, splits: Array(stride(from: 3, to: input.count, by: 3)))
        #expect(pieces.failure == nil && pieces.events.count == 2)
        let wrong = Self.bytes("HTTP/1.1 20x OK\r\nX-A: b\r\n")
        #expect(Self.run(wrong, splits: Array(1..<wrong.count)).failure == .malformed("the status code is not valid"))
    }

    @Test func aPeerThatIsNotHTTPIsRefusedBeforeItsHeadCouldEnd() {
        // Nothing more may ever come from such a peer: waiting for a blank line would hang the request.
        #expect(Self.run(Self.bytes("SSH-2.0-OpenSSH_9.2\r\n")).failure == .malformed("the status line is not valid HTTP/1.x"))
        #expect(Self.run(Self.bytes("X")).failure == .malformed("the status line is not valid HTTP/1.x"))
        #expect(Self.run(Self.bytes("HTTP/1.1 2x")).failure == nil)  // cannot tell yet
        #expect(Self.run(Self.bytes("HTTP/1.1 2xx OK\r\n")).failure == .malformed("the status code is not valid"))
        #expect(Self.run(Self.bytes("HTTP/1.1 200 OK\r\nX-Partial: 1")).failure == nil)
    }

    @Test func headsAndTrailersOverTheLimitFail() {
        let big = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "b", count: 70_000) + "\r\nContent-Length: 0\r\n\r\n"
        #expect(Self.run(Self.bytes(big)).failure == .headTooLarge)
        #expect(Self.run(Self.bytes(big), splits: Array(stride(from: 1000, to: 70_000, by: 1000))).failure == .headTooLarge)
        // Endless headers never complete: refused once over the limit, not buffered without end.
        let endless = Self.bytes("HTTP/1.1 200 OK\r\n" + String(repeating: "X-A: b\r\n", count: 9_000))
        #expect(Self.run(endless, maxHeadBytes: 65_536).failure == .headTooLarge)
        let trailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + String(repeating: "X-T: t\r\n", count: 10_000) + "\r\n"
        #expect(Self.run(Self.bytes(trailers)).failure == .headTooLarge)
        // Exactly at the limit is fine.
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        #expect(Self.run(Self.bytes(head), maxHeadBytes: head.utf8.count).failure == nil)
        #expect(Self.run(Self.bytes(head), maxHeadBytes: head.utf8.count - 1).failure == .headTooLarge)
    }

    @Test func bytesAfterACloseDelimitedBodyOrAFailureAreRefused() {
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n")
        #expect(throws: ResponseParser.Failure.self) { try parser.parse(&buffer) { _ in } }
        var more = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(throws: ResponseParser.Failure.malformed("unexpected bytes follow the response")) { try parser.parse(&more) { _ in } }
    }

    /// Seeded random input: mutated valid responses and plain noise, in random pieces. The parser must never trap,
    /// never emit body bytes outside a response, and give the same events and verdict however the bytes are split.
    @Test func seededRandomInputNeverTrapsAndIsSplitIndependent() {
        var random = SplitMix64(seed: 0xC0FFEE)
        let seeds = Self.valid.map { Self.bytes($0.input) }
        let alphabet = Self.bytes("HTTP/1.01 2345\r\n:;, \tChunkedTransfer-EncodingContent-Length0aF\u{0}\u{7F}")
        for round in 0..<3_000 {
            var input: [UInt8]
            if round % 10 == 9 {
                input = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                input = seeds[Int(random.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + Int(random.next() % 4)) where !input.isEmpty {
                    let position = Int(random.next() % UInt64(input.count))
                    switch random.next() % 4 {
                    case 0: input[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    case 1: input.remove(at: position)
                    case 2: input.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                    default: input.insert(contentsOf: input[position..<min(input.count, position + 8)], at: position)
                    }
                }
            }
            let heads = (0..<4).map { _ in random.next() % 5 == 0 }
            let eof = random.next() % 2 == 0
            let whole = Self.run(input, heads: heads, eof: eof)
            let splits = (0..<Int(random.next() % 6)).map { _ in Int(random.next() % UInt64(max(1, input.count))) }
            let pieces = Self.run(input, splits: splits, heads: heads, eof: eof)
            #expect(whole.events == pieces.events && whole.failure == pieces.failure, "round \(round): \(input)")
            // Body events only ever follow a head.
            var inResponse = false
            for event in whole.events {
                if event.hasPrefix("head ") { inResponse = !event.hasPrefix("head 1") }
                if event.hasPrefix("body ") { #expect(inResponse, "round \(round)") }
                if event == "end" { inResponse = false }
            }
        }
    }
}
