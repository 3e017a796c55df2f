@testable import Courier
import CourierTestServer
import Foundation
import NIOCore
import NIOPosix
import Testing

extension Network {
    /// Done-when 6, first half: malformed and hostile responses fail one request and close its connection; the
    /// process and the client keep working. Invalid requests never leave the process.
    @Suite(.timeLimit(.minutes(2))) struct HostileResponses {
        static let malformed: [(name: String, raw: String, check: @Sendable (CourierError) -> Bool)] = [
            ("garbage status line", "HTTP/1.1 OK maybe\r\n\r\n", { if case .malformedResponse = $0 { true } else { false } }),
            ("not HTTP at all", "SSH-2.0-OpenSSH_9.2\r\n", { if case .malformedResponse = $0 { true } else { false } }),
            (
                "Content-Length and chunked",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                { if case .malformedResponse(let reason) = $0 { reason.contains("Transfer-Encoding together with Content-Length") } else { false } }
            ),
            (
                "two different Content-Lengths",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                { if case .malformedResponse(let reason) = $0 { reason.contains("conflicting framing") } else { false } }
            ),
            (
                "a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
                { if case .malformedResponse = $0 { true } else { false } }
            ),
            (
                "a header section over 64 KiB",
                "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "b", count: 70_000) + "\r\nContent-Length: 0\r\n\r\n",
                { $0 == .responseHeadTooLarge(limit: 65_536) }
            ),
            (
                "a body cut short by the server",
                "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nonly this",
                { if case .connectionClosedDuringBody = $0 { true } else { false } }
            ),
        ]

        @Test(arguments: malformed.indices)
        func malformedResponsesFailTheRequestAndTheClientKeepsWorking(index: Int) async throws {
            let (name, raw, check) = Self.malformed[index]
            var behavior = TestServerBehavior()
            behavior.rawResponse = Array(raw.utf8)
            let hostile = try await TestServer.start(behavior: behavior)
            let good = try await TestServer.start()
            let client = Fixture.client()
            // Cut-short bodies need the server to close: send a request that asks for it.
            do {
                var request = try Fixture.get(hostile.url("/"))
                request.closeConnection = name.contains("cut short")
                let response = try await client.send(request, maxBodyBytes: 1 << 20)
                Issue.record("\(name): accepted with status \(response.status)")
            } catch let error as CourierError {
                #expect(check(error), "\(name): \(error)")
                print("\(name): \(error)")
            }
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: hostile.port) == 0 }, "\(name)")
            let response = try await client.send(try Fixture.get(good.url("/")), maxBodyBytes: 16)
            #expect(response.status == .ok)
            await client.shutdown()
            try await hostile.shutdown()
            try await good.shutdown()
        }

        @Test func endlessHeadersAreCutOffAtTheLimit() async throws {
            var behavior = TestServerBehavior()
            behavior.endlessHeaders = true
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client { $0.limits.maxResponseHeadBytes = 16 * 1024 }
            await #expect(throws: CourierError.responseHeadTooLarge(limit: 16 * 1024)) {
                _ = try await client.send(try Fixture.get(server.url("/")), maxBodyBytes: 16)
            }
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            try await Self.expectTheClientStillWorks(client)
            await client.shutdown()
            try await server.shutdown()
        }

        /// Another request on the same client, to a well-behaved server, succeeds.
        static func expectTheClientStillWorks(_ client: Client) async throws {
            let good = try await TestServer.start()
            let response = try await client.send(try Fixture.post(good.url("/upload"), .string("still here")), maxBodyBytes: 16)
            #expect(response.status == .ok)
            #expect(good.requests.map(\.bodyLength) == [10])
            try await good.shutdown()
        }

        @Test func aResetMidBodyFailsTheRequest() async throws {
            var behavior = TestServerBehavior()
            behavior.resetMidBody = true
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            do {
                _ = try await client.send(try Fixture.get(server.url("/bytes/1000000")), maxBodyBytes: 1 << 21)
                Issue.record("a reset body was accepted")
            } catch let error as CourierError {
                switch error {
                case .connectionClosedDuringBody, .ioFailed: break
                default: Issue.record("unexpected \(error)")
                }
            }
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            try await Self.expectTheClientStillWorks(client)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func invalidRequestsAreRejectedBeforeAnyByteIsSent() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            let url = server.url("/")
            // Each case with the field its error must name ("URL" for an unusable URL).
            let invalid: [(String, () throws -> Request)] = [
                ("header 'X-Note'", { try Request(method: "POST", url: url, headers: [("X-Note", "a\r\nX-Injected: yes")], body: .string("x")) }),
                ("header 'X-Note'", { try Request(method: "POST", url: url, headers: [("X-Note", "a\u{0}b")]) }),
                ("method", { try Request(method: "GET\r\nX", url: url) }),
                ("header 'Bad Header'", { try Request(method: "GET", url: url, headers: [("Bad Header", "x")]) }),
                ("Content-Length", { try Request(method: "POST", url: url, headers: [("Content-Length", "3")], body: .string("four")) }),
                ("Transfer-Encoding", { try Request(method: "POST", url: url, headers: [("Content-Length", "3"), ("Transfer-Encoding", "chunked")], body: .string("abc")) }),
                ("Transfer-Encoding", { try Request(method: "POST", url: url, headers: [("Transfer-Encoding", "gzip")], body: .string("abc")) }),
                ("Content-Length", { try Request(method: "GET", url: url, headers: [("Content-Length", "10")]) }),
                ("body", { try Request(method: "TRACE", url: url, body: .string("GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")) }),
                ("URL", { try Request(method: "GET", url: "ftp://127.0.0.1:\(server.port)/") }),
                ("URL", { try Request(method: "GET", url: "http://:\(server.port)/") }),
            ]
            for (index, (expected, make)) in invalid.enumerated() {
                do {
                    let request = try make()
                    _ = try await client.send(request, maxBodyBytes: 16)
                    Issue.record("invalid request \(index) was sent")
                } catch let error as CourierError {
                    switch error {
                    case .invalidRequest(let field, _): #expect(field == expected, "request \(index): \(error)")
                    case .invalidURL: #expect(expected == "URL", "request \(index): \(error)")
                    default: Issue.record("request \(index): unexpected \(error)")
                    }
                }
            }
            #expect(server.acceptedConnections == 0)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func connectionRefusedAndUnknownHostsAreNamed() async throws {
            // A port that was just free: bind, note the port, close.
            let probe = try await TestServer.start()
            let port = probe.port
            try await probe.shutdown()
            let client = Fixture.client()
            await #expect(throws: CourierError.connectionRefused(host: "127.0.0.1", port: port)) {
                _ = try await client.send(try Fixture.get("http://127.0.0.1:\(port)/"), maxBodyBytes: 16)
            }
            do {
                _ = try await client.send(try Fixture.get("http://alice:hunter2@127.0.0.1:\(port)/"), maxBodyBytes: 16)
            } catch {
                #expect(!"\(error)".contains("hunter2"))
            }
            await client.shutdown()

            var configuration = Configuration()
            configuration.resolverFactory = { eventLoop in FailingResolver(eventLoop: eventLoop) }
            let resolving = Client(configuration: configuration)
            await #expect(throws: CourierError.hostNotFound(host: "no-such-host.invalid")) {
                _ = try await resolving.send(try Fixture.get("http://no-such-host.invalid/"), maxBodyBytes: 16)
            }
            await resolving.shutdown()
        }

        @Test func userInformationBecomesBasicAuthorization() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            _ = try await client.send(
                try Fixture.get("http://alice:s%40cret@127.0.0.1:\(server.port)/private"), maxBodyBytes: 16)
            let expected = "Basic " + Data("alice:s@cret".utf8).base64EncodedString()
            #expect(server.requests.first?.header("Authorization") == expected)
            #expect(server.requests.first?.uri == "/private")
            await client.shutdown()
            try await server.shutdown()
        }
    }
}

/// A resolver that fails every query, so tests never ask DNS about names that do not exist.
final class FailingResolver: Resolver, Sendable {
    struct NoSuchHost: Error {}
    let eventLoop: EventLoop

    init(eventLoop: EventLoop) { self.eventLoop = eventLoop }

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeFailedFuture(NoSuchHost())
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeFailedFuture(NoSuchHost())
    }

    func cancelQueries() {}
}
