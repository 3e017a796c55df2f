import Foundation

/// A real nginx (installed by .ci/run) in the foreground as one process, with its config, logs and temporary
/// files in a directory of its own, listening on 127.0.0.1 only.
final class NginxProcess: @unchecked Sendable {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "nginx is not installed (.ci/run installs it with apt)" }
    }

    struct NotReady: Error, CustomStringConvertible {
        var log: String
        var description: String { "nginx did not start; its error log:\n\(log)" }
    }

    let directory: String
    private let process: Process

    /// Starts nginx with `servers` (server blocks; `DIR` in them is replaced by the directory) inside an
    /// `http` block that turns off access logging and closes no connection on its own, and waits until
    /// `readyPort` accepts connections.
    init(servers: String, readyPort: Int) async throws {
        guard let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: FileManager.default.isExecutableFile) else {
            throw Missing()
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-nginx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log info;
            events { worker_connections 512; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
                keepalive_requests 1000000;
                keepalive_timeout 60s;
            \(servers.replacingOccurrences(of: "DIR", with: directory))
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard await Fixture.eventually(timeout: .seconds(10), { Loopback.accepts(port: readyPort) }) else {
            stop()
            throw NotReady(log: errorLog)
        }
    }

    var errorLog: String { (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? "" }

    /// Kills it (a child started from a concurrency thread may inherit a blocked SIGTERM) and waits.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
