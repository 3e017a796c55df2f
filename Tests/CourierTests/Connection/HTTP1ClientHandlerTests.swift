import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOSSL
import Testing

@testable import Courier

/// The connection's request/response state machine, driven byte by byte on an `EmbeddedChannel`.
@Suite struct HTTP1ClientHandlerTests {
    final class Ends: @unchecked Sendable {
        var values: [Bool] = []
    }

    struct Harness {
        let channel = EmbeddedChannel()
        let connection: HTTP1Connection
        let ends = Ends()

        init() throws {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80)).wait()
            connection = try HTTP1Connection(
                id: 1, channel: channel, origin: Origin(scheme: "http", host: "example.com", port: 80),
                configuration: Configuration())
            let ends = self.ends
            connection.setExchangeEndedCallback { reusable, _, _ in ends.values.append(reusable) }
        }

        /// Starts a request and returns its exchange and the bytes written for it.
        func start(_ method: HTTPMethod = .POST, headers: HTTPHeaders = [:], body: String? = "hi") throws -> (Exchange, String) {
            var fields = headers
            fields.add(name: "Host", value: "example.com")
            if let body { fields.add(name: "Content-Length", value: String(body.utf8.count)) }
            let exchange = Exchange(
                eventLoop: channel.eventLoop,
                requestHead: HTTPRequestHead(version: .http1_1, method: method, uri: "/x", headers: fields),
                inlineBody: body.map { ByteBuffer(string: $0) },
                streamsBody: false,
                settings: .init(maxDrainBytes: 1024, drainTimeout: .seconds(1), expectContinueTimeout: .seconds(1))
            )
            connection.start(exchange)
            var written = ""
            while let part = try channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let buffer) = part { written += String(buffer: buffer) }
            }
            return (exchange, written)
        }

        func receive(_ text: String) {
            _ = try? channel.writeInbound(ByteBuffer(string: text))
        }
    }

    @Test func aTLSFailureOnAnIdleConnectionIsWhatTheNextRequestOnItFailsWith() throws {
        // A TLS 1.3 server rejects a client certificate just after the handshake, possibly before the first
        // request is written: that request must fail with the TLS error, not "closed by the server".
        let harness = try Harness()
        harness.channel.pipeline.fireErrorCaught(NIOSSLError.handshakeFailed(.sslError([])))
        #expect(!harness.channel.isActive)
        let (exchange, written) = try harness.start()
        #expect(written.isEmpty)
        #expect(throws: CourierError.self) { _ = try exchange.responseFuture.wait() }
        do {
            _ = try exchange.responseFuture.wait()
        } catch let error as CourierError {
            guard case .tlsHandshakeFailed(let host, let port, _) = error else {
                Issue.record("expected the TLS failure, got \(error)")
                return
            }
            #expect(host == "example.com" && port == 80)
        }
    }

    @Test func aKeepAliveExchangeWritesOneRequestAndReleasesTheConnectionForReuse() throws {
        let harness = try Harness()
        let (exchange, written) = try harness.start()
        #expect(written == "POST /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nhi")
        harness.receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        let response = try exchange.responseFuture.wait()
        #expect(response.status == .ok)
        #expect(harness.ends.values == [true])
        #expect(harness.channel.isActive)
        // A second exchange on the same connection.
        let (second, _) = try harness.start(.GET, body: nil)
        harness.receive("HTTP/1.1 204 No Content\r\n\r\n")
        #expect(try second.responseFuture.wait().status == .noContent)
        #expect(harness.ends.values == [true, true])
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false),
        ("HTTP/1.1 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", true),
        ("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", true),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", true),
        ("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=0\r\nContent-Length: 0\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=1\r\nContent-Length: 0\r\n\r\n", true),
        ("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true),
    ])
    func theServersWordDecidesReuse(response: String, reusable: Bool) throws {
        let harness = try Harness()
        let (exchange, _) = try harness.start()
        harness.receive(response)
        #expect(try exchange.responseFuture.wait().status == .ok)
        #expect(harness.ends.values == [reusable])
        #expect(harness.channel.isActive == reusable)
    }

    @Test func aRequestSayingCloseIsNotReused() throws {
        let harness = try Harness()
        let (exchange, written) = try harness.start(headers: ["Connection": "close"])
        #expect(written.contains("Connection: close\r\n"))
        harness.receive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        _ = try exchange.responseFuture.wait()
        #expect(harness.ends.values == [false])
        #expect(!harness.channel.isActive)
    }

    @Test func aBodyDelimitedByCloseIsNeverReused() throws {
        let harness = try Harness()
        let (exchange, _) = try harness.start()
        harness.receive("HTTP/1.1 200 OK\r\n\r\nuntil the end")
        _ = try exchange.responseFuture.wait()
        #expect(harness.ends.values.isEmpty)
        try harness.channel.close().wait()
        #expect(exchange.bodyEndedNormally)
        #expect(harness.ends.values == [false])
    }

    @Test func bytesOnAnIdleConnectionCloseIt() throws {
        let harness = try Harness()
        let (exchange, _) = try harness.start()
        harness.receive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        _ = try exchange.responseFuture.wait()
        #expect(harness.channel.isActive)
        harness.receive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(!harness.channel.isActive)
    }

    @Test func aMalformedResponseFailsTheExchangeAndClosesTheConnection() throws {
        let harness = try Harness()
        let (exchange, _) = try harness.start()
        harness.receive("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok")
        #expect(throws: CourierError.self) { try exchange.responseFuture.wait() }
        if case .malformedResponse = exchange.failure {} else { Issue.record("\(String(describing: exchange.failure))") }
        #expect(harness.ends.values == [false])
        #expect(!harness.channel.isActive)
    }

    @Test func aResponseArrivingByteByByteCompletesAndTheConnectionIsReused() throws {
        let harness = try Harness()
        let (exchange, _) = try harness.start()
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n2\r\nok\r\n1;e=1\r\n!\r\n0\r\nT: t\r\n\r\n"
        for byte in response.utf8 { harness.receive(String(decoding: [byte], as: UTF8.self)) }
        let head = try exchange.responseFuture.wait()
        #expect(head.status == .ok)
        #expect(head.headerFields[HTTPField.Name("X-A")!] == "b")
        #expect(exchange.bodyEndedNormally)
        #expect(harness.ends.values == [true])
        #expect(harness.channel.isActive)
    }

    @Test func bytesAfterTheResponseInTheSameReadCloseTheConnection() throws {
        let harness = try Harness()
        let (exchange, _) = try harness.start()
        harness.receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Le")
        #expect(try exchange.responseFuture.wait().status == .ok)
        #expect(exchange.bodyEndedNormally)
        // The response itself was complete; the connection is not trusted again.
        #expect(!harness.channel.isActive)
    }

    @Test func aResponseToHEADHasNoBodyWhateverItsHeadSays() throws {
        let harness = try Harness()
        let (head, _) = try harness.start(.HEAD, body: nil)
        harness.receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        #expect(try head.responseFuture.wait().status == .ok)
        #expect(harness.ends.values == [true])
        let (get, _) = try harness.start(.GET, body: nil)
        harness.receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        #expect(try get.responseFuture.wait().status == .ok)
        #expect(get.bodyEndedNormally)
        #expect(harness.ends.values == [true, true])
    }

    @Test func theConnectionClosingInsideAResponseSaysWhere() throws {
        let inHead = try Harness()
        let (first, _) = try inHead.start()
        inHead.receive("HTTP/1.1 200 OK\r\nContent-Le")
        try inHead.channel.close().wait()
        #expect(throws: CourierError.malformedResponse(reason: "the connection closed in the middle of the response head")) {
            try first.responseFuture.wait()
        }
        let inBody = try Harness()
        let (second, _) = try inBody.start()
        inBody.receive("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        #expect(try second.responseFuture.wait().status == .ok)
        try inBody.channel.close().wait()
        if case .connectionClosedDuringBody = second.failure {} else { Issue.record("\(String(describing: second.failure))") }
        #expect(!second.bodyEndedNormally)
        #expect(inBody.ends.values == [false])
    }

    /// On flush, answers at once and closes, as NIO does when a flush finds the connection reset (it reads what
    /// is left, then closes, before the flush returns).
    final class AnswerAndCloseOnFlush: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = ByteBuffer
        let answer: String
        var fired = false
        init(answer: String) { self.answer = answer }
        func flush(context: ChannelHandlerContext) {
            context.flush()
            guard !fired else { return }
            fired = true
            context.fireChannelRead(NIOAny(ByteBuffer(string: answer)))
            context.close(promise: nil)
        }
    }

    @Test func readsAndTheCloseDuringAParseWaitForIt() throws {
        let harness = try Harness()
        let (exchange, written) = try harness.start(headers: ["Expect": "100-continue"])
        #expect(!written.contains("\r\n\r\nhi"))
        // The 100 makes the exchange write and flush its body from inside the parse; the flush delivers the
        // final response and the close re-entrantly.
        try harness.channel.pipeline.syncOperations.addHandler(
            AnswerAndCloseOnFlush(answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), position: .first)
        harness.receive("HTTP/1.1 100 Continue\r\n\r\n")
        #expect(try exchange.responseFuture.wait().status == .ok)
        #expect(exchange.bodyEndedNormally)
        #expect(!harness.channel.isActive)
        #expect(harness.ends.values.count == 1)
    }

    @Test func emptyLinesOnAnIdleConnectionAreTolerated() throws {
        let harness = try Harness()
        let (exchange, _) = try harness.start()
        harness.receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r\n")
        _ = try exchange.responseFuture.wait()
        harness.receive("\r\n")
        #expect(harness.channel.isActive)
        #expect(harness.ends.values == [true])
        let (second, _) = try harness.start(.GET, body: nil)
        harness.receive("HTTP/1.1 204 No Content\r\n\r\n")
        #expect(try second.responseFuture.wait().status == .noContent)
    }

    @Test func chunkedFramingInAnHTTP10ResponseIsReadButTheConnectionNotReused() throws {
        let harness = try Harness()
        let (exchange, _) = try harness.start()
        harness.receive("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
        #expect(try exchange.responseFuture.wait().status == .ok)
        #expect(exchange.bodyEndedNormally)
        #expect(harness.ends.values == [false])
        #expect(!harness.channel.isActive)
    }

    @Test func theConnectionClosingBeforeAResponseFailsTheExchange() throws {
        let harness = try Harness()
        let (exchange, _) = try harness.start()
        try harness.channel.close().wait()
        #expect(throws: CourierError.connectionClosedBeforeResponse(reason: "the server closed the connection")) {
            try exchange.responseFuture.wait()
        }
        #expect(harness.ends.values == [false])
    }
}
