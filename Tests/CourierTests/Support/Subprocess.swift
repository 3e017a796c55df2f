import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the package's own executables (built next to the test bundle) as child processes, with their
/// output captured in temporary files (no pipe can fill up and block them) and a bounded wait.
struct Subprocess {
    /// How a child ended and what it printed.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Whether it was ended by a signal (then `status` is the signal number).
        var signaled: Bool
    }

    let process: Process
    private let outputPath: String
    private let errorPath: String

    /// The executable `name` built next to the running test bundle.
    static func executable(_ name: String) throws -> URL {
        URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Starts `name` with `arguments`; `stdin` is written to its standard input (then closed), or it gets
    /// /dev/null. `SWIFT_BACKTRACE` is off so that a child short of descriptors still reports cleanly.
    static func start(
        _ name: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:],
        shell: Bool = false
    ) throws -> Subprocess {
        let process = Process()
        if shell {
            // `arguments[0]` is a shell script, the rest its "$@"; $COURIER_BIN is the executable's path.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", arguments[0], "sh"] + arguments.dropFirst()
        } else {
            process.executableURL = try executable(name)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        env["COURIER_BIN"] = try executable(name).path
        process.environment = env.merging(environment) { $1 }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("courier-child-\(UUID().uuidString)").path
        let outputPath = base + ".out"
        let errorPath = base + ".err"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let input = Pipe()
        if stdin != nil {
            process.standardInput = input
        } else {
            process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        }
        try process.run()
        if let stdin {
            let writer = input.fileHandleForWriting
            // Write on another thread: a large input must not block the test while the child reads it.
            Thread.detachNewThread {
                writer.write(stdin)
                try? writer.close()
            }
        }
        return Subprocess(process: process, outputPath: outputPath, errorPath: errorPath)
    }

    /// Runs to the end (killed after `timeout`) and returns the result.
    static func run(
        _ name: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:], shell: Bool = false,
        timeout: Duration = .seconds(120)
    ) async throws -> Result {
        try await start(name, arguments, stdin: stdin, environment: environment, shell: shell).finish(timeout: timeout)
    }

    /// What it printed on standard output so far.
    var outputSoFar: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// Sends `signal` to it.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits (at most `timeout`, then kills it) and returns the result.
    func finish(timeout: Duration = .seconds(120)) async throws -> Result {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            process.terminate()
            try await Task.sleep(for: .milliseconds(500))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            Issue.record("child \(process.executableURL?.lastPathComponent ?? "?") did not finish within \(timeout); killed")
        }
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "",
            signaled: process.terminationReason == .uncaughtSignal)
    }
}
