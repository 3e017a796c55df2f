import HTTPTypes
import NIOCore
import Testing

@testable import Courier

/// Received heads must give the same fields as `HTTPField.Name(_:)` and `HTTPField(name:lenientValue:)` would,
/// whatever shortcuts the parser takes.
@Suite struct ResponseHeadConversionTests {
    static let names = [
        "Date", "Server", "Content-Type", "Content-Length", "Connection", "Transfer-Encoding", "Cache-Control",
        "Last-Modified", "ETag", "Location", "Vary", "Content-Encoding", "Accept-Ranges", "Set-Cookie",
        "date", "CONTENT-LENGTH", "X-Custom", "Keep-Alive", "x-a-rather-long-field-name-here",
    ]

    @Test(arguments: names)
    func commonNamesKeepTheirSpellingAndCanonicalForm(name: String) throws {
        let expected = try #require(HTTPField.Name(name))
        let common = Array(name.utf8).withUnsafeBytes { HTTPField.Name.common($0) }
        // Only the exact spelling of a library constant takes the shortcut: any other keeps its own.
        #expect((common != nil) == (Self.names.firstIndex(of: name)! < 14), "\(name)")
        let converted = try #require(common ?? HTTPField.Name(name))
        #expect(converted.rawName == expected.rawName)
        #expect(converted.canonicalName == expected.canonicalName)
    }

    @Test func namesOfACommonLengthButAnotherSpellingAreNotCommon() {
        for name in ["Dote", "ETAG", "vary", "Servers", "Locatio", "Set-Cookie2", "Content-Typo", "Cache-Controls",
                     "last-modified", "Accept-Range", "Content-Lengths", "Content-encoding", "Transfer-Encodinh", ""] {
            #expect(Array(name.utf8).withUnsafeBytes { HTTPField.Name.common($0) } == nil, "\(name)")
        }
        #expect(UnsafeRawBufferPointer(start: nil, count: 0).spells(""))
        #expect(!UnsafeRawBufferPointer(start: nil, count: 0).spells("a"))
    }

    static let values = [
        "", "plain", "Sat, 28 Nov 2026 07:29:27 GMT", "a\tb", " leading", "trailing ", "\ttab", "caf\u{e9}",
        "bell\u{07}", "x\u{7f}y", String(repeating: "v", count: 300),
    ]

    /// Received values become the fields `HTTPField(name:lenientValue:)` makes of them, trimmed of optional
    /// whitespace; values with control characters (other than HTAB) fail the whole response.
    @Test(arguments: values)
    func valuesAreTakenAsLenientlyAsBefore(value: String) throws {
        var parser = ResponseParser()
        parser.requestSent(isHEAD: true)
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nServer: \(value)\r\n\r\n")
        var heads: [ResponseParser.Head] = []
        let hasControl = value.utf8.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
        do {
            try parser.parse(&buffer) { event in if case .head(let head) = event { heads.append(head) } }
        } catch {
            #expect(hasControl, "\(error)")
            return
        }
        #expect(!hasControl)
        let converted = try #require(heads.first?.response.headerFields.first)
        let expected = HTTPField(name: .server, lenientValue: value.trimmingHTTPWhitespace().utf8)
        #expect(converted == expected)
        #expect(converted.value == expected.value)
    }

    @Test func theWholeHeadKeepsEveryFieldInOrder() throws {
        var text = "HTTP/1.1 200 OK\r\n"
        for (index, name) in Self.names.enumerated() { text += "\(name): v\(index)\r\n" }
        var parser = ResponseParser()
        parser.requestSent(isHEAD: true)
        var buffer = ByteBuffer(string: text + "\r\n")
        var heads: [ResponseParser.Head] = []
        try parser.parse(&buffer) { event in if case .head(let head) = event { heads.append(head) } }
        let response = try #require(heads.first).response
        #expect(response.headerFields.map(\.name.rawName) == Self.names)
        #expect(response.headerFields.map(\.value) == Self.names.indices.map { "v\($0)" })
        #expect(response.status == .ok)
    }

    @Test(arguments: [
        (200, "OK"), (200, "Fine"), (200, ""), (204, "No Content"), (204, "Nothing"), (404, "Not Found"), (599, "x"),
    ])
    func statusesKeepTheirCodeAndReasonPhrase(code: Int, phrase: String) {
        let status = HTTPResponse.Status(received: code, reasonPhrase: phrase)
        #expect(status.code == code)
        #expect(status.reasonPhrase == phrase)
        #expect(status == HTTPResponse.Status(code: code, reasonPhrase: phrase))
    }

    @Test func whitespaceTrimmingAndCaseFoldingWorkOnBytes() {
        #expect(" \t a b \t ".trimmingHTTPWhitespace() == "a b")
        for (text, start, end) in [(" \t a b \t ", 3, 6), ("", 0, 0), (" \t ", 3, 3), ("x", 0, 1), ("\u{a0}x ", 0, 3)] {
            let bounds = Array(text.utf8).withUnsafeBytes { $0.trimmingWhitespace(from: 0, to: $0.count) }
            #expect(bounds.start == start && bounds.end == end, "\(text)")
        }
        #expect(Array(" a b ".utf8).withUnsafeBytes { $0.trimmingWhitespace(from: 2, to: 4) } == (3, 4))
        #expect("".trimmingHTTPWhitespace() == "")
        #expect(" \t ".trimmingHTTPWhitespace() == "")
        #expect("x".trimmingHTTPWhitespace() == "x")
        #expect("caf\u{e9} ".trimmingHTTPWhitespace() == "caf\u{e9}")
        #expect("a, b"[...].split(separator: ",")[1].trimmingHTTPWhitespace() == "b")
        #expect("Keep-ALIVE".equalsIgnoringASCIICase("keep-alive"))
        #expect(!"keep-alive ".equalsIgnoringASCIICase("keep-alive"))
        #expect(!"keep".equalsIgnoringASCIICase("keep-alive"))
        #expect(!"[".equalsIgnoringASCIICase("{"))
        #expect("".equalsIgnoringASCIICase(""))
        #expect(ConnectionTokens(headerValues: ["Keep-Alive"]).keepAlive)
        #expect(ConnectionTokens(headerValues: ["CLOSE"]).close)
        #expect(ConnectionTokens(headerValues: [" keep-alive , Upgrade"]).keepAlive)
    }
}
