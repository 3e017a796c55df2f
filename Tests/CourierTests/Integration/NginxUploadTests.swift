import Courier
import Foundation
import Testing

extension Network {
    /// Uploads against a real nginx (installed by .ci/run): it answers 413 and 401 before reading a body, and
    /// takes URL user information as Basic authorization.
    @Suite(.timeLimit(.minutes(2))) struct NginxUploads {
        /// Starts nginx with `/limited/` (bodies up to 1 MiB) and `/private/` (Basic authorization as `uploader`,
        /// WebDAV PUT into the test's directory).
        static func start() async throws -> (NginxProcess, port: Int) {
            let port = Loopback.freePort()
            let nginx = try await NginxProcess(
                servers: """
                    server {
                        listen 127.0.0.1:\(port);
                        root DIR/www;
                        location /limited/ { client_max_body_size 1m; dav_methods PUT; }
                        location /private/ {
                            client_max_body_size 0;
                            auth_basic "courier";
                            auth_basic_user_file DIR/htpasswd;
                            dav_methods PUT;
                        }
                    }
                    """,
                readyPort: port)
            try FileManager.default.createDirectory(atPath: nginx.directory + "/www/limited", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: nginx.directory + "/www/private", withIntermediateDirectories: true)
            try "uploader:{PLAIN}s3cret pass\n".write(toFile: nginx.directory + "/htpasswd", atomically: true, encoding: .utf8)
            return (nginx, port)
        }

        @Test func nginxRefusingAHundredMebibyteUploadEndsItAtOnce() async throws {
            let (nginx, port) = try await Self.start()
            defer { nginx.stop() }
            let client = Fixture.client { $0.proxy = .none }
            let file = try Fixture.sparseFile(size: 100 << 20)
            for (path, code) in [("/limited/big.bin", 413), ("/private/big.bin", 401)] {
                let started = ContinuousClock.now
                let request = try Request(method: "PUT", url: "http://127.0.0.1:\(port)\(path)", body: .file(file))
                let status = try await client.execute(request) { $0.status.code }
                let elapsed = ContinuousClock.now - started
                print("nginx early \(code): request ended after \(elapsed)")
                #expect(status == code)
                #expect(elapsed < .seconds(2))
                // The body was not finished, so the connection is not reused.
                #expect(await Fixture.eventually { SocketCensus.clientSockets(toPort: port) == 0 })
                #expect(!FileManager.default.fileExists(atPath: nginx.directory + "/www" + path))
            }
            await client.shutdown()
        }

        @Test func userInformationInTheURLAuthorizesTheUpload() async throws {
            let (nginx, port) = try await Self.start()
            defer { nginx.stop() }
            let client = Fixture.client { $0.proxy = .none }
            let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
            let url = "http://uploader:s3cret%20pass@127.0.0.1:\(port)/private/one.bin"
            let response = try await client.send(try Request(method: "PUT", url: url, body: .bytes(payload)), maxBodyBytes: 4096)
            #expect(response.status.code == 201)
            let stored = try Data(contentsOf: URL(fileURLWithPath: nginx.directory + "/www/private/one.bin"))
            #expect(stored.count == payload.count)
            #expect(Fixture.sha256Hex(stored) == Fixture.sha256Hex(payload))
            // A wrong password is refused.
            let wrong = "http://uploader:wrong@127.0.0.1:\(port)/private/two.bin"
            let refused = try await client.send(try Request(method: "PUT", url: wrong, body: .bytes(payload)), maxBodyBytes: 4096)
            #expect(refused.status.code == 401)
            await client.shutdown()
        }
    }
}
