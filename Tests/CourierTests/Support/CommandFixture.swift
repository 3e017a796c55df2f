import CourierTestServer
import Foundation
import Testing

/// Helpers for running `courier` subcommands in tests.
enum CommandFixture {
    /// The keys `submit --json` must print, exactly.
    static let submitKeys: Set<String> = [
        "requests", "succeeded", "failed", "retried", "bytes_sent", "connections_opened", "peak_connections", "peak_fds",
        "seconds", "failures",
    ]

    /// Creates files (relative path → contents) under a fresh temporary directory; returns the directory.
    static func tree(_ files: [(path: [UInt8], contents: [UInt8])]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("courier-tree-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for file in files {
            let full = Array(root.utf8) + [UInt8(ascii: "/")] + file.path
            if let slash = full.lastIndex(of: UInt8(ascii: "/")) {
                let parent = String(decoding: full[..<slash], as: UTF8.self)
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            }
            let fd = (full + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
            }
            #expect(fd >= 0)
            _ = file.contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        return root
    }

    /// `count` files named `f00000.bin`… of 1 to `maxSize` bytes in one directory; returns it and their SHA-256s.
    static func flatTree(count: Int, maxSize: Int = 300) throws -> (root: String, hashes: [String], bytes: Int) {
        var files: [(path: [UInt8], contents: [UInt8])] = []
        var total = 0
        for index in 0..<count {
            let size = 1 + (index * 7919) % maxSize
            let contents = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ index) }
            total += size
            files.append((Array(String(format: "f%05d.bin", index).utf8), contents))
        }
        return (try tree(files), files.map { Fixture.sha256Hex($0.contents) }, total)
    }

    /// Decodes `submit --json` output, checking it has exactly the documented keys.
    static func summary(_ result: Subprocess.Result) throws -> [String: Any] {
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            Issue.record("not a JSON object: \(result.stdout)")
            return [:]
        }
        #expect(Set(object.keys) == submitKeys)
        return object
    }

    /// Starts `courier serve` with `arguments` and returns it with the URL it printed first.
    static func startServe(_ arguments: [String]) async throws -> (Subprocess, String) {
        let serve = try Subprocess.start("courier", ["serve", "--port", "0"] + arguments)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let line = serve.outputSoFar.split(separator: "\n").first, serve.outputSoFar.contains("\n") {
                return (serve, String(line))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        serve.send(SIGKILL)
        throw CommandFixtureError(description: "courier serve printed no URL")
    }

    struct CommandFixtureError: Error, CustomStringConvertible {
        var description: String
    }
}
