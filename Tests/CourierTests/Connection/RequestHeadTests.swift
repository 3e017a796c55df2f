import Foundation
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import Courier

/// The request head Courier encodes itself must be byte for byte what NIO's `HTTPRequestEncoder` wrote for the
/// head Courier used to build (kept below as the reference), framing rules included.
@Suite struct RequestHeadTests {
    /// The head as Courier built it before it encoded heads itself.
    static func referenceHead(
        _ request: Request, target: RequestTarget, framing: RequestValidator.BodyFraming
    ) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        if !request.headerFields.contains(where: { $0.name.canonicalName == "host" }) {
            headers.add(name: "Host", value: target.hostHeader)
        }
        for field in request.headerFields {
            switch field.name {
            case .contentLength, .transferEncoding: continue
            default: headers.add(name: field.name.rawName, value: field.value)
            }
        }
        if let authorization = target.basicAuthorization, request.headerFields[.authorization] == nil {
            headers.add(name: "Authorization", value: authorization)
        }
        if request.headerFields[.userAgent] == nil {
            headers.add(name: "User-Agent", value: "courier/0.1")
        }
        switch framing {
        case .none:
            if [.post, .put, .patch].contains(request.method) { headers.add(name: "Content-Length", value: "0") }
        case .length(let length):
            headers.add(name: "Content-Length", value: String(length))
        case .chunked:
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        if request.closeConnection, !ConnectionTokens(headerValues: request.headerFields[values: .connection]).close {
            headers.add(name: "Connection", value: "close")
        }
        return HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: request.method.rawValue), uri: target.pathAndQuery,
            headers: headers)
    }

    /// What NIO's encoder writes for `head`, and whether it then frames the body in chunks.
    static func nioBytes(_ head: HTTPRequestHead) throws -> (String, chunked: Bool) {
        let channel = EmbeddedChannel(handler: HTTPRequestEncoder())
        try channel.writeOutbound(HTTPClientRequestPart.head(head))
        try channel.writeOutbound(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: "ab"))))
        var written = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = part { written += String(buffer: buffer) }
        }
        _ = try channel.finish()
        // The head ends at the first empty line; a chunked body shows up as a chunk size line after it.
        let end = written.range(of: "\r\n\r\n")!.upperBound
        return (String(written[..<end]), written[end...].hasPrefix("2\r\n"))
    }

    static let cases: [(String, HTTPFields, RequestValidator.BodyFraming, Bool)] = [
        ("GET", [:], .none, false),
        ("GET", [.accept: "*/*", .userAgent: "mine"], .none, true),
        ("POST", [.contentType: "application/octet-stream"], .length(1024), false),
        ("POST", [:], .none, false),
        ("POST", [.connection: "keep-alive"], .chunked, true),
        ("PUT", [.expect: "100-continue"], .length(3), false),
        ("PATCH", [:], .chunked, false),
        ("DELETE", [HTTPField.Name("Host")!: "elsewhere:81"], .length(5), false),
        ("DELETE", [:], .chunked, false),
        ("TRACE", [:], .length(5), false),
        ("TRACE", [:], .chunked, true),
        ("HEAD", [.connection: "close"], .none, true),
        ("OPTIONS", [:], .none, false),
        ("PURGE", [:], .chunked, false),
        ("PURGE", [:], .none, false),
        // Methods of the same length and initial as the ones with rules of their own follow the default rules.
        ("HEAP", [:], .none, false),
        ("PUTS", [:], .none, false),
        ("POT", [:], .chunked, false),
        ("TRACK", [:], .length(5), false),
        ("PATCX", [:], .none, false),
        // Caller fields Courier would add are kept (any case); framing fields the caller set are replaced.
        ("GET", [HTTPField.Name("AUTHORIZATION")!: "Bearer t", HTTPField.Name("user-AGENT")!: "x"], .none, false),
        ("POST", [.contentLength: "99", .transferEncoding: "chunked", .accept: "*/*"], .length(3), false),
    ]

    @Test(arguments: cases.indices)
    func bytesMatchNIOsEncoder(index: Int) throws {
        let (method, fields, framing, close) = Self.cases[index]
        var request = Request(
            method: HTTPRequest.Method(method)!, url: URL(string: "http://user:pw@example.com:8080/p?q=1")!,
            headerFields: fields, closeConnection: close)
        request.body = nil
        let target = try RequestTarget.parse(request.url)
        let (expected, expectedChunked) = try Self.nioBytes(Self.referenceHead(request, target: target, framing: framing))
        let head = RequestHead(request, target: target, framing: framing)
        #expect(String(buffer: head.bytes) == expected)
        #expect(head.chunked == expectedChunked)
        #expect(head.isHEAD == (method == "HEAD"))
        #expect(head.expectsContinue == (fields[.expect] != nil))
        #expect(ConnectionTokens(headerValues: head.connectionValues).close == (close || fields[.connection] == "close"))
    }

    @Test(arguments: cases.indices)
    func aHandBuiltHeadIsEncodedAsNIODoes(index: Int) throws {
        let (method, fields, framing, close) = Self.cases[index]
        let request = Request(
            method: HTTPRequest.Method(method)!, url: URL(string: "http://example.com/x")!, headerFields: fields,
            closeConnection: close)
        let nioHead = Self.referenceHead(request, target: try RequestTarget.parse(request.url), framing: framing)
        let (expected, expectedChunked) = try Self.nioBytes(nioHead)
        let head = RequestHead(nioHead: nioHead)
        #expect(String(buffer: head.bytes) == expected)
        #expect(head.chunked == expectedChunked)
    }

    @Test func aSmallBodyIsAppendedToTheHead() throws {
        let request = Request(method: .post, url: URL(string: "http://example.com/")!)
        var head = RequestHead(
            request, target: try RequestTarget.parse(request.url), framing: .length(2), bodyCapacity: 2)
        head.append(body: ByteBuffer(string: "hi"))
        #expect(head.includesBody)
        #expect(String(buffer: head.bytes).hasSuffix("Content-Length: 2\r\n\r\nhi"))
    }
}
