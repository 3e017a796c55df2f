import CourierTestServer
import Foundation
import Testing

extension Network {
    /// `courier submit` run as a child process against in-process servers and `courier serve`.
    @Suite struct SubmitCommand {
        @Test func aTreePutWithPlaceholdersArrivesByteIdenticalInServeDir() async throws {
            let names: [[UInt8]] = [
                Array("plain.txt".utf8), Array("with space.txt".utf8), Array("ünïcødé/ß ∑.bin".utf8),
                Array("a/b/c/deep.dat".utf8), Array("odd-".utf8) + [0xFF, 0xFE], Array("a/empty".utf8),
            ]
            let files = names.enumerated().map { index, name in
                (path: name, contents: (0..<(index * 40_000)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })
            }
            let root = try CommandFixture.tree(files)
            let storage = FileManager.default.temporaryDirectory.appendingPathComponent("courier-store-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
            let (serve, url) = try await CommandFixture.startServe(["--dir", storage])
            let result = try await Subprocess.run("courier", ["submit", "-X", "PUT", url + "bucket/{}", root + "/", "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let summary = try CommandFixture.summary(result)
            #expect(summary["requests"] as? Int == files.count)
            #expect(summary["succeeded"] as? Int == files.count)
            #expect(summary["failed"] as? Int == 0)
            #expect(summary["retried"] as? Int == 0)
            #expect(summary["bytes_sent"] as? Int == files.reduce(0) { $0 + $1.contents.count })
            #expect((summary["connections_opened"] as? Int ?? 99) <= 8)
            #expect((summary["failures"] as? [Any])?.isEmpty == true)
            for file in files {
                let stored = Array(storage.utf8) + Array("/bucket/".utf8) + file.path
                let fd = (stored + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_RDONLY) } }
                #expect(fd >= 0, "missing \(String(decoding: file.path, as: UTF8.self))")
                guard fd >= 0 else { continue }
                var contents = [UInt8](repeating: 0, count: file.contents.count + 1)
                let count = contents.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                close(fd)
                #expect(Array(contents.prefix(max(0, count))) == file.contents)
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: storage).filter { $0.hasPrefix(".courier-partial") }
            #expect(leftovers.isEmpty)
            serve.send(SIGINT)
            let ended = try await serve.finish(timeout: .seconds(10))
            #expect(ended.status == 0)
            #expect(ended.stderr.contains("served \(files.count) request(s)"))
        }

        @Test func tenThousandSmallFilesUseAtMostMaxConnectionsAndAllArrive() async throws {
            let server = try await TestServer.start()
            let (root, hashes, bytes) = try CommandFixture.flatTree(count: 10_000)
            let result = try await Subprocess.run("courier", ["submit", "-c", "8", "--max-connections", "4", "--json", server.url("/in"), root])
            #expect(result.status == 0, "stderr: \(result.stderr.prefix(2000))")
            let summary = try CommandFixture.summary(result)
            print("10,000 files: \(result.stdout)")
            // Standard error is not a terminal here: no progress line, nothing else either.
            #expect(result.stderr.isEmpty, "stderr: \(result.stderr.prefix(500))")
            #expect(summary["requests"] as? Int == 10_000)
            #expect(summary["succeeded"] as? Int == 10_000)
            #expect(summary["bytes_sent"] as? Int == bytes)
            #expect(server.acceptedConnections <= 4)
            #expect(summary["connections_opened"] as? Int == server.acceptedConnections)
            #expect((summary["peak_connections"] as? Int ?? 99) <= 4)
            let received = server.requests
            #expect(received.count == 10_000)
            #expect(received.allSatisfy { $0.bodyComplete && $0.method == "POST" && $0.header("Content-Type") == "application/octet-stream" })
            #expect(received.map(\.sha256).sorted() == hashes.sorted())
            try await server.shutdown()
        }

        @Test func standardInputIsStreamedChunked() async throws {
            let server = try await TestServer.start()
            let input = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) })
            let result = try await Subprocess.run("courier", ["submit", "--json", server.url("/stdin"), "-"], stdin: input)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let summary = try CommandFixture.summary(result)
            #expect(summary["requests"] as? Int == 1)
            #expect(summary["bytes_sent"] as? Int == input.count)
            #expect(server.requests.count == 1)
            #expect(server.requests.first?.header("Transfer-Encoding") == "chunked")
            #expect(server.requests.first?.sha256 == Fixture.sha256Hex(input))
            try await server.shutdown()
        }

        @Test func usageErrorsExitTwoWithOneLineBeforeAnythingIsSent() async throws {
            let server = try await TestServer.start()
            let (root, _, _) = try CommandFixture.flatTree(count: 3)
            let duplicate = try CommandFixture.tree([(Array("sub/f00000.bin".utf8), [1])])
            let url = server.url("/x")
            let notPEM = try TestPKI.write("not a certificate", name: "garbage.pem")
            let cases: [(arguments: [String], mentions: String)] = [
                (["submit", "not a url", root], "invalid URL"),
                (["submit", "ftp://127.0.0.1/x", root], "unsupported URL scheme 'ftp'"),
                (["submit", "--cacert", "/nonexistent/ca.pem", "https://127.0.0.1/x", root], "'/nonexistent/ca.pem': no such file"),
                (["submit", "--cert", "/nonexistent/client.pem", url, root], "--cert needs --key"),
                (["bench", "--url", url, "--cacert", notPEM], "does not hold a valid PEM certificate"),
                (["submit", "http:///nohost", root], "no host"),
                (["submit", url], "missing path"),
                (["submit", url, "/nonexistent/courier-missing"], "/nonexistent/courier-missing"),
                (["submit", "-H", "NoColon", url, root], "bad header 'NoColon'"),
                (["submit", "-H", "Bad Name: x", url, root], "bad header"),
                (["submit", "-X", "GE T", url, root], "invalid method"),
                (["submit", "-c", "0", url, root], "--concurrency"),
                (["submit", "--timeout", "-1", url, root], "--timeout"),
                (["submit", "--bogus", url, root], "--bogus"),
                (["submit", "-u", "nopassword", url, root], "--user"),
                (["submit", server.url("/{}"), root + "/f00000.bin", duplicate + "/sub"], "would both be sent to"),
                (["submit", server.url("/{}"), "-"], "standard input"),
                (["bench", "--url", "ftp://x", "--requests", "1"], "--url"),
                (["bench", "--url", "gopher://x", "--requests", "1"], "use http:// or https://"),
                (["bench", "--url", url, "--executor", "threads"], "--executor"),
                (["serve", "--port", "70000"], "--port"),
            ]
            for (arguments, mentions) in cases {
                let result = try await Subprocess.run("courier", arguments)
                #expect(result.status == 2, "\(arguments): status \(result.status), stderr \(result.stderr)")
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains(mentions), "\(arguments): \(result.stderr)")
                #expect(result.stdout.isEmpty, "\(arguments): printed \(result.stdout)")
            }
            #expect(server.acceptedConnections == 0)
            try await server.shutdown()
        }

        @Test func failuresAreNamedWithTheirReasonAndExitOne() async throws {
            let server = try await TestServer.start()
            let root = try CommandFixture.tree([(Array("good.txt".utf8), [1, 2, 3]), (Array("also-good.txt".utf8), [4])])
            #expect(mkfifo(root + "/pipe", 0o644) == 0)
            let result = try await Subprocess.run("courier", ["submit", "--json", server.url("/ok"), root])
            #expect(result.status == 1)
            let summary = try CommandFixture.summary(result)
            #expect(summary["requests"] as? Int == 3)
            #expect(summary["succeeded"] as? Int == 2)
            #expect(summary["failed"] as? Int == 1)
            let failures = summary["failures"] as? [[String: String]] ?? []
            #expect(failures == [["path": root + "/pipe", "error": "not a regular file (a FIFO)"]])
            #expect(result.stderr.contains(root + "/pipe: not a regular file (a FIFO)"))

            let rejected = try await Subprocess.run("courier", ["submit", "--json", server.url("/status/404"), root + "/good.txt"])
            #expect(rejected.status == 1)
            let rejectedSummary = try CommandFixture.summary(rejected)
            let rejectedFailures = rejectedSummary["failures"] as? [[String: String]] ?? []
            #expect(rejectedFailures.first?["error"]?.hasPrefix("HTTP 404 Not Found") == true)
            #expect(rejectedSummary["retried"] as? Int == 0)
            try await server.shutdown()
        }

        @Test func transientAnswersAreRetriedAfterRetryAfterUnlessRetriesAreOff() async throws {
            var behavior = TestServerBehavior()
            behavior.transientFailures = 2
            behavior.transientFailureRetryAfter = "0"
            let file = try CommandFixture.tree([(Array("one.bin".utf8), [UInt8](repeating: 9, count: 5_000))]) + "/one.bin"
            let server = try await TestServer.start(behavior: behavior)
            let result = try await Subprocess.run("courier", ["submit", "--json", server.url("/t"), file])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let summary = try CommandFixture.summary(result)
            #expect(summary["retried"] as? Int == 2)
            #expect(summary["bytes_sent"] as? Int == 15_000)
            #expect(server.requests.count == 3)
            try await server.shutdown()

            let strict = try await TestServer.start(behavior: behavior)
            let off = try await Subprocess.run("courier", ["submit", "--retries", "0", "--json", strict.url("/t"), file])
            #expect(off.status == 1)
            let offSummary = try CommandFixture.summary(off)
            #expect(offSummary["retried"] as? Int == 0)
            #expect((offSummary["failures"] as? [[String: String]])?.first?["error"]?.hasPrefix("HTTP 503") == true)
            #expect(strict.requests.count == 1)
            try await strict.shutdown()
        }

        @Test func aRefusedConnectionIsRetriedThenReported() async throws {
            let server = try await TestServer.start()
            let port = server.port
            try await server.shutdown()
            let file = try CommandFixture.tree([(Array("x".utf8), [1])]) + "/x"
            let started = ContinuousClock.now
            let result = try await Subprocess.run("courier", ["submit", "--json", "http://127.0.0.1:\(port)/", file])
            #expect(result.status == 1)
            #expect(ContinuousClock.now - started < .seconds(10))
            let summary = try CommandFixture.summary(result)
            #expect(summary["retried"] as? Int == 2)
            #expect((summary["failures"] as? [[String: String]])?.first?["error"]?.contains("connection refused") == true)
        }

        @Test func serversThatDropConnectionsStillGetEveryFile() async throws {
            var behavior = TestServerBehavior()
            behavior.abruptCloseAfterResponses = 3
            let server = try await TestServer.start(behavior: behavior)
            let (root, hashes, _) = try CommandFixture.flatTree(count: 600, maxSize: 20_000)
            let result = try await Subprocess.run("courier", ["submit", "--json", server.url("/drop"), root])
            #expect(result.status == 0, "stderr: \(result.stderr.prefix(2000))")
            let summary = try CommandFixture.summary(result)
            print("dropping server: \(result.stdout)")
            let complete = server.requests.filter(\.bodyComplete)
            #expect(Set(complete.map(\.sha256)) == Set(hashes))
            // Every extra attempt is counted: the server cannot have seen more complete bodies than attempts.
            #expect(complete.count <= 600 + (summary["retried"] as? Int ?? 0))
            try await server.shutdown()
        }

        @Test func thePerAttemptTimeoutFailsWithoutRetrying() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 3_000
            let server = try await TestServer.start(behavior: behavior)
            let file = try CommandFixture.tree([(Array("x".utf8), [1])]) + "/x"
            let started = ContinuousClock.now
            let result = try await Subprocess.run("courier", ["submit", "--timeout", "0.3", "--json", server.url("/slow"), file])
            #expect(result.status == 1)
            #expect(ContinuousClock.now - started < .seconds(2.5))
            let summary = try CommandFixture.summary(result)
            #expect(summary["retried"] as? Int == 0)
            #expect((summary["failures"] as? [[String: String]])?.first?["error"] == "timed out after 0.3 s (--timeout)")
            #expect(server.requests.count == 1)
            try await server.shutdown()
        }

        @Test func sigintStopsStartingFilesPrintsTheSummaryAndExits130() async throws {
            var behavior = TestServerBehavior()
            behavior.responseDelayMilliseconds = 200
            let server = try await TestServer.start(behavior: behavior)
            let (root, _, _) = try CommandFixture.flatTree(count: 100)
            let child = try Subprocess.start("courier", ["submit", "-c", "2", "--json", server.url("/slow"), root])
            #expect(await Fixture.eventually(timeout: .seconds(20)) { server.requestCount >= 4 })
            child.send(SIGINT)
            let result = try await child.finish(timeout: .seconds(20))
            #expect(result.status == 130)
            let summary = try CommandFixture.summary(result)
            let requests = summary["requests"] as? Int ?? -1
            #expect(requests >= 4 && requests < 100)
            #expect((summary["succeeded"] as? Int ?? 0) + (summary["failed"] as? Int ?? 0) == requests)
            #expect(result.stderr.contains("interrupted"))
            try await server.shutdown()
        }

        @Test func concurrency128UnderAFileLimitOf64AdaptsAndFinishes() async throws {
            let server = try await TestServer.start()
            let (root, hashes, _) = try CommandFixture.flatTree(count: 3_000, maxSize: 2_000)
            let result = try await Subprocess.run(
                "courier", ["ulimit -n 64 && exec \"$COURIER_BIN\" submit -c 128 --json \"$1\" \"$2\"", server.url("/limited"), root],
                shell: true)
            #expect(result.status == 0, "stderr: \(result.stderr.prefix(2000))")
            let summary = try CommandFixture.summary(result)
            print("ulimit -n 64, -c 128: \(result.stdout) \(result.stderr)")
            #expect(summary["succeeded"] as? Int == 3_000)
            #expect((summary["peak_fds"] as? Int ?? 99) < 64)
            #expect(Set(server.requests.filter(\.bodyComplete).map(\.sha256)) == Set(hashes))
            try await server.shutdown()
        }

        @Test func closeOpensOneConnectionPerFile() async throws {
            let server = try await TestServer.start()
            let (root, _, _) = try CommandFixture.flatTree(count: 50)
            let result = try await Subprocess.run("courier", ["submit", "--close", "-c", "4", "--json", server.url("/c"), root])
            #expect(result.status == 0)
            let summary = try CommandFixture.summary(result)
            #expect(summary["connections_opened"] as? Int == 50)
            #expect(server.acceptedConnections == 50)
            #expect(server.requests.allSatisfy { $0.header("Connection") == "close" })
            try await server.shutdown()
        }

        @Test func credentialsAreSentButNeverPrinted() async throws {
            let server = try await TestServer.start()
            let file = try CommandFixture.tree([(Array("x".utf8), [1])]) + "/x"
            let withUser = try await Subprocess.run("courier", ["submit", "-u", "alice:s3cret-pw", "--json", server.url("/status/401"), file])
            #expect(withUser.status == 1)
            #expect(server.requests.last?.header("Authorization") == "Basic " + Data("alice:s3cret-pw".utf8).base64EncodedString())
            let inURL = try await Subprocess.run(
                "courier", ["submit", "--json", "http://bob:hunter2-pw@127.0.0.1:\(server.port)/status/403", file])
            #expect(inURL.status == 1)
            #expect(server.requests.last?.header("Authorization") == "Basic " + Data("bob:hunter2-pw".utf8).base64EncodedString())
            let duplicate = try await Subprocess.run("courier", ["submit", "http://carol:pw-in-usage@127.0.0.1:1/{}", file, file])
            #expect(duplicate.status == 2)
            for result in [withUser, inURL, duplicate] {
                for secret in ["s3cret-pw", "hunter2-pw", "pw-in-usage"] {
                    #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
                }
            }
            try await server.shutdown()
        }
    }
}

extension Network.SubmitCommand {
    /// `submit` and `bench` over https: `--cacert`, `--insecure` (with its warning), `--cert`/`--key`.
    @Suite struct HTTPS {
        @Test func submitVerifiesWithTheGivenCAAndFailsWithoutIt() async throws {
            let pki = try TestPKI()
            let server = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server()))
            let (root, digests, _) = try CommandFixture.flatTree(count: 20)
            let caFile = try TestPKI.write(pki.ca.certificatePEM, name: "ca.pem")
            let result = try await Subprocess.run("courier", ["submit", "--json", "-c", "4", "--cacert", caFile, server.url("/up/{}"), root])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let summary = try CommandFixture.summary(result)
            #expect(summary["succeeded"] as? Int == 20)
            #expect(Set(server.requests.compactMap(\.sha256)) == Set(digests))
            #expect(server.tlsHandshakes == summary["connections_opened"] as? Int)

            let untrusted = try await Subprocess.run("courier", ["submit", "--json", server.url("/up/{}"), root])
            #expect(untrusted.status == 1)
            #expect(untrusted.stderr.contains("is not trusted: 'courier.test' is issued by 'Courier Test CA'"), "\(untrusted.stderr)")
            #expect(server.requests.count == 20)

            let insecure = try await Subprocess.run("courier", ["submit", "--json", "--insecure", server.url("/again/{}"), root])
            #expect(insecure.status == 0, "stderr: \(insecure.stderr)")
            #expect(insecure.stderr.contains("warning: --insecure: https certificates are not verified"))
            #expect(server.requests.count == 40)
            try await server.shutdown()
        }

        @Test func benchPresentsAClientCertificateOverHTTPS() async throws {
            let pki = try TestPKI()
            let clients = try TestPKI(name: "Courier Client CA")
            let server = try await TestServer.start(tls: try TestPKI.serverContext(try pki.server(), clientCA: clients.ca))
            let identity = try clients.client()
            let arguments = [
                "bench", "--url", server.url("/bench"), "--requests", "200", "--concurrency", "2", "--body-bytes", "512",
                "--cacert", try TestPKI.write(pki.ca.certificatePEM, name: "ca.pem"),
                "--cert", try TestPKI.write(identity.certificatePEM, name: "client.pem"),
                "--key", try TestPKI.write(identity.privateKeyPEM, name: "client.key"),
            ]
            let result = try await Subprocess.run("courier", arguments)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let line = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(line["errors"] as? Int == 0 && line["requests"] as? Int == 200)
            #expect(line["connections_opened"] as? Int == 2)
            #expect(server.requests.count == 200 && server.tlsHandshakes == 2)
            #expect(server.requests.allSatisfy { $0.bodyLength == 512 })
            try await server.shutdown()
        }
    }
}
