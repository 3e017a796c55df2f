import Courier
import CourierTestServer
import Foundation
import HTTPTypes
import NIOCore
import Testing

extension Network {
    /// `courier serve` storing safely, `courier bench`'s JSON contract and `courier demo`, as child processes.
    @Suite struct ServeBenchDemo {
        @Test func serveRefusesPathsOutsideItsDirectoryAndKeepsNoPartialFiles() async throws {
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("courier-serve-\(UUID().uuidString)").path
            let storage = base + "/store"
            let outside = base + "/outside"
            try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: storage + "/out", withDestinationPath: outside)
            try FileManager.default.createSymbolicLink(atPath: storage + "/in", withDestinationPath: storage + "/inner")
            try FileManager.default.createDirectory(atPath: storage + "/inner", withIntermediateDirectories: true)
            let (serve, url) = try await CommandFixture.startServe(["--dir", storage])
            let client = Fixture.client()
            for path in ["../escape", "%2e%2e/escape", "%2E%2E/%2e%2e/escape", "a/%2F../x", "out/escape", "out/sub/escape", "in/../../escape"] {
                let response = try await client.send(try Request(method: "PUT", url: url + path, body: .string("data")), maxBodyBytes: 1024)
                #expect(response.status.code == 400, "PUT /\(path) answered \(response.status)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: base + "/escape"))
            // A link that stays inside is followed; POST stores under the SHA-256.
            let inside = try await client.send(try Request(method: "PUT", url: url + "in/kept.txt", body: .string("kept")), maxBodyBytes: 1024)
            #expect(inside.status.code == 201)
            #expect(FileManager.default.contents(atPath: storage + "/inner/kept.txt") == Data("kept".utf8))
            let posted = try await client.send(try Request(method: "POST", url: url + "anything", body: .string("by hash")), maxBodyBytes: 1024)
            let digest = Fixture.sha256Hex(Array("by hash".utf8))
            #expect(posted.status.code == 201)
            #expect(String(buffer: posted.body) == digest + "\n")
            #expect(FileManager.default.contents(atPath: storage + "/" + digest) == Data("by hash".utf8))
            // An upload that breaks off leaves neither the file nor a temporary file.
            let chunks = [ByteBuffer(string: "first half")]
            await #expect(throws: CourierError.self) {
                _ = try await client.send(
                    try Request(method: "PUT", url: url + "broken.txt", body: .stream(chunks.async, length: 1_000)), maxBodyBytes: 1024)
            }
            #expect(
                await Fixture.eventually {
                    ((try? FileManager.default.contentsOfDirectory(atPath: storage)) ?? ["?"]).allSatisfy { !$0.hasPrefix(".courier-partial") }
                })
            #expect(!FileManager.default.fileExists(atPath: storage + "/broken.txt"))
            await client.shutdown()
            serve.send(SIGTERM)
            let ended = try await serve.finish(timeout: .seconds(10))
            #expect(ended.status == 0)
        }

        @Test func serveMisbehavesOnRequestAndLogsConnections() async throws {
            let (serve, url) = try await CommandFixture.startServe(["--close-after", "2", "--keep-alive-timeout", "7", "--verbose"])
            let client = Fixture.client(perHost: 1)
            var connections: [String] = []
            for _ in 0..<4 {
                let response = try await client.send(try Fixture.get(url), maxBodyBytes: 64)
                connections.append(response.headerFields[HTTPField.Name("X-Connection-Number")!] ?? "?")
                if response.headerFields[.connection] == nil { #expect(response.headerFields[HTTPField.Name("Keep-Alive")!] == "timeout=7") }
            }
            #expect(connections == ["1", "1", "2", "2"])
            await client.shutdown()
            serve.send(SIGINT)
            let ended = try await serve.finish(timeout: .seconds(10))
            #expect(ended.stderr.contains("connection 1 opened from"))
            #expect(ended.stderr.contains("connection 1 closed after 2 request(s)"))
        }

        @Test func benchPrintsOneJSONLineWithExactlyTheContractKeys() async throws {
            let server = try await TestServer.start()
            let runs = [("/bytes/13", 0, "default"), ("/post", 1024, "default"), ("/post", 1024, "event-loop"), ("/post", 1024, "event-loops")]
            for (path, bodyBytes, executor) in runs {
                let before = server.requests.count
                let result = try await Subprocess.run(
                    "courier",
                    ["bench", "--url", server.url(path), "--requests", "500", "--concurrency", "4", "--body-bytes", "\(bodyBytes)",
                     "--executor", executor])
                #expect(result.status == 0, "stderr: \(result.stderr)")
                let lines = result.stdout.split(separator: "\n")
                #expect(lines.count == 1)
                let object = try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any] ?? [:]
                #expect(
                    Set(object.keys)
                        == ["client", "requests", "errors", "seconds", "rps", "cpu_user", "cpu_sys", "max_rss_kb", "peak_fds", "connections_opened"])
                #expect(object["client"] as? String == "courier")
                #expect(object["requests"] as? Int == 500)
                #expect(object["errors"] as? Int == 0)
                #expect(object["connections_opened"] as? Int == 4)
                #expect((object["rps"] as? Double ?? 0) > 0)
                let received = server.requests.dropFirst(before)
                #expect(received.count == 500)
                #expect(received.allSatisfy { $0.method == (bodyBytes == 0 ? "GET" : "POST") && $0.bodyLength == bodyBytes })
                print("bench \(path) (\(executor)): \(lines.first ?? "")")
            }
            let failing = try await Subprocess.run("courier", ["bench", "--url", server.url("/status/500"), "--requests", "10", "--concurrency", "2"])
            #expect(failing.status == 1)
            #expect(failing.stdout.contains("\"errors\":10"))
            try await server.shutdown()
        }

        @Test func demoRunsBothModesAndCleansUp() async throws {
            let before = Set((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? [])
            let result = try await Subprocess.run("courier", ["demo", "--files", "300"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            print(result.stdout)
            let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("keep-alive") || $0.hasPrefix("Connection: close") }
            #expect(rows.count == 2)
            let keepAlive = rows.first?.split(separator: " ", omittingEmptySubsequences: true) ?? []
            let close = rows.last?.split(separator: " ", omittingEmptySubsequences: true) ?? []
            // Columns: files, failed, bytes, seconds, connections, peak open, peak fds (after the mode's words).
            #expect(keepAlive.count == 9 && keepAlive[2] == "300" && keepAlive[3] == "0" && Int(keepAlive[6]) ?? 99 <= 8)
            #expect(close.count == 9 && close[2] == "300" && close[6] == "300")
            #expect(result.stdout.contains("server received 600 requests"))
            let after = Set((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? [])
            #expect(after.subtracting(before).filter { $0.hasPrefix("courier-demo-") }.isEmpty)
        }
    }
}
