import Courier
import CourierTestServer
import Crypto
import Foundation
import NIOCore
import Testing

extension Network {
    /// Done-when 6 (uploads) and 7: early answers, length mismatches, stalls, 100-continue, memory.
    @Suite(.timeLimit(.minutes(2))) struct Uploads {
        @Test(arguments: [413, 401, 400])
        func anEarlyAnswerStopsAHundredMebibyteUploadAtOnce(code: Int) async throws {
            var behavior = TestServerBehavior()
            behavior.answerEarlyStatus = code
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            let file = try Fixture.sparseFile(size: 100 << 20)
            let started = ContinuousClock.now
            let status = try await client.execute(try Fixture.post(server.url("/upload"), .file(file))) { $0.status }
            let elapsed = ContinuousClock.now - started
            print("early \(code): request ended after \(elapsed)")
            #expect(status.code == code)
            #expect(elapsed < .seconds(1))
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            #expect(await Fixture.eventually { server.requests.count == 1 })
            #expect(server.requests.first?.bodyComplete == false)
            #expect((server.requests.first?.bodyLength ?? 0) < 100 << 20)
            await client.shutdown()
            try await server.shutdown()
        }

        /// Starts uploading a 256 MiB file to a server that reads nothing of the body for 3 s, resizes the file
        /// to `newSize` once the upload is under way (the socket exists only after the file was opened and its
        /// length taken), and returns the upload's outcome. The pause makes sure the upload is unfinished then.
        static func uploadWhileResizing(to newSize: Int64) async throws -> (Result<BufferedResponse, any Error>, TestServer) {
            var behavior = TestServerBehavior()
            behavior.pauseReadingBodyMilliseconds = 3_000
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client()
            let file = try Fixture.sparseFile(size: 256 << 20)
            let upload = Task { try await client.send(try Fixture.post(server.url("/upload"), .file(file)), maxBodyBytes: 64) }
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 1 })
            #expect(truncate(file, off_t(newSize)) == 0)
            let result = await upload.result
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            await client.shutdown()
            try await server.shutdown()
            return (result, server)
        }

        @Test func aFileTruncatedWhileUploadingFailsWithALengthMismatch() async throws {
            let (result, _) = try await Self.uploadWhileResizing(to: 1 << 20)
            guard case .failure(let error as CourierError) = result, case .bodyLengthMismatch(let expected, let actual) = error
            else {
                Issue.record("expected a length mismatch, got \(result)")
                return
            }
            #expect(expected == 256 << 20)
            #expect(actual < expected)
            print("truncated file: \(error)")
        }

        @Test func aFileThatGrowsWhileUploadingFailsWithALengthMismatch() async throws {
            let (result, server) = try await Self.uploadWhileResizing(to: 257 << 20)
            guard case .failure(let error as CourierError) = result else {
                Issue.record("expected a length mismatch, got \(result)")
                return
            }
            #expect(error == .bodyLengthMismatch(expected: 256 << 20, actual: (256 << 20) + 1))
            // The growth is caught by the last read, before the last chunk leaves: no complete body arrives.
            #expect(server.requests.allSatisfy { !$0.bodyComplete })
        }

        @Test func streamsThatBreakTheirDeclaredLengthFail() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            let chunks = [ByteBuffer(string: "0123456789"), ByteBuffer(string: "0123456789"), ByteBuffer(string: "0123456789")]
            await #expect(throws: CourierError.bodyLengthMismatch(expected: 50, actual: 30)) {
                _ = try await client.send(try Fixture.post(server.url("/"), .stream(chunks.async, length: 50)), maxBodyBytes: 64)
            }
            await #expect(throws: CourierError.bodyLengthMismatch(expected: 15, actual: 20)) {
                _ = try await client.send(try Fixture.post(server.url("/"), .stream(chunks.async, length: 15)), maxBodyBytes: 64)
            }
            // The client keeps working, and an honest stream goes through.
            _ = try await client.send(try Fixture.post(server.url("/"), .stream(chunks.async, length: 30)), maxBodyBytes: 64)
            // The server records a broken upload when it sees that connection end, which may come after the honest
            // request on another connection: wait for all three, then look at each.
            #expect(await Fixture.eventually { server.requests.count == 3 })
            #expect(server.requests.filter(\.bodyComplete).map(\.bodyLength) == [30])
            // A stream of declared length goes out with Content-Length, not chunked.
            #expect(server.requests.filter(\.bodyComplete).map { $0.header("Content-Length") } == ["30"])
            #expect(server.requests.allSatisfy { $0.header("Transfer-Encoding") == nil })
            #expect(server.requests.filter { !$0.bodyComplete }.count == 2)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aStreamOfUnknownLengthIsSentChunkedAndArrivesIntact() async throws {
            let server = try await TestServer.start()
            let client = Fixture.client()
            var expected: [UInt8] = []
            var chunks: [ByteBuffer] = []
            for index in 0..<200 {
                let bytes = [UInt8](repeating: UInt8(index), count: 1 + index * 97)
                expected += bytes
                chunks.append(ByteBuffer(bytes: bytes))
            }
            for _ in 0..<3 {
                let response = try await client.send(try Fixture.post(server.url("/"), .stream(chunks.async)), maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            #expect(server.acceptedConnections == 1)
            for request in server.requests {
                #expect(request.header("Transfer-Encoding") == "chunked")
                #expect(request.bodyLength == expected.count)
                #expect(request.sha256 == Fixture.sha256Hex(expected))
            }
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func anUploadTheServerStopsReadingFailsWithAStallError() async throws {
            var behavior = TestServerBehavior()
            behavior.stopReadingBodies = true
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client { $0.timeouts.idle = .milliseconds(500) }
            let file = try Fixture.sparseFile(size: 256 << 20)
            let started = ContinuousClock.now
            await #expect(throws: CourierError.stalled(timeout: .milliseconds(500))) {
                _ = try await client.send(try Fixture.post(server.url("/upload"), .file(file)), maxBodyBytes: 64)
            }
            print("stalled upload failed after \(ContinuousClock.now - started)")
            #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: server.port) == 0 })
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func expectContinueWaitsForTheServer() async throws {
            let server = try await TestServer.start()
            // With a 30 s expect timeout, only the server's 100 Continue can make this quick.
            let client = Fixture.client { $0.limits.expectContinueTimeout = .seconds(30) }
            let body = [UInt8](repeating: 1, count: 1 << 20)
            let started = ContinuousClock.now
            for payload in [RequestBody.bytes(body), .stream([ByteBuffer(bytes: body)].async, length: Int64(body.count))] {
                let response = try await client.send(
                    try Fixture.post(server.url("/"), payload, headers: [("Expect", "100-continue")]), maxBodyBytes: 64)
                #expect(response.status == .ok)
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(server.requests.count == 2)
            #expect(server.requests.allSatisfy { $0.bodyLength == body.count && $0.sha256 == Fixture.sha256Hex(body) })
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func expectContinueRejectedMeansTheBodyIsNeverSent() async throws {
            var behavior = TestServerBehavior()
            behavior.rejectExpectContinueStatus = 417
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client { $0.limits.expectContinueTimeout = .seconds(30) }
            let file = try Fixture.sparseFile(size: 8 << 20)
            let response = try await client.send(
                try Fixture.post(server.url("/"), .file(file), headers: [("Expect", "100-continue")]), maxBodyBytes: 64)
            #expect(response.status == .expectationFailed)
            #expect(await Fixture.eventually { server.requests.count == 1 })
            #expect(server.requests.first?.bodyLength == 0)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func expectContinueIgnoredByTheServerSendsTheBodyAfterTheTimeout() async throws {
            var behavior = TestServerBehavior()
            behavior.answerExpectContinue = false
            let server = try await TestServer.start(behavior: behavior)
            let client = Fixture.client { $0.limits.expectContinueTimeout = .milliseconds(200) }
            let response = try await client.send(
                try Fixture.post(server.url("/"), .string("late body"), headers: [("Expect", "100-continue")]), maxBodyBytes: 64)
            #expect(response.status == .ok)
            #expect(server.requests.first?.bodyLength == 9)
            await client.shutdown()
            try await server.shutdown()
        }

        @Test func aGibibyteFileUploadsWithPeakRSSUnder64MiB() async throws {
            let server = try await TestServer.start()
            let file = try Fixture.sparseFile(size: 1 << 30)
            let result = try await Subprocess.run("CourierUploadProbe", [server.url("/big"), file])
            let data = Data(result.stdout.utf8)
            print("1 GiB upload probe: \(result.stdout)")
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let report = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let peak = report?["peakRSSKiB"] as? Int ?? .max
            #expect(report?["status"] as? Int == 200)
            #expect(peak > 0)
            #expect(peak < 64 * 1024)
            // The server got every byte: 1 GiB of zeros.
            var hasher = SHA256()
            let zeros = [UInt8](repeating: 0, count: 1 << 20)
            for _ in 0..<1024 { hasher.update(data: zeros) }
            let expected = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            #expect(server.requests.count == 1)
            #expect(server.requests.first?.bodyLength == 1 << 30)
            #expect(server.requests.first?.sha256 == expected)
            // A file's length is known: it is sent with Content-Length, not chunked.
            #expect(server.requests.first?.header("Content-Length") == "\(1 << 30)")
            #expect(server.requests.first?.header("Transfer-Encoding") == nil)
            try await server.shutdown()
        }
    }
}
