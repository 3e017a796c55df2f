import Foundation
import Testing

/// Runs this package's built executables (`courier`, `CourierLeakProbe`) as child processes. They are found next
/// to the test bundle, in the build products directory; `swift build --build-tests` builds them.
enum ChildProcess {
    /// The build products directory: the one holding the running test bundle.
    static var productsDirectory: URL {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
    }

    /// A built executable, or a failure that says how to build it.
    static func product(_ name: String) throws -> URL {
        let url = productsDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw MissingProduct(description: "\(url.path) is missing: build every product first (swift build --build-tests)")
        }
        return url
    }

    struct MissingProduct: Error, CustomStringConvertible {
        var description: String
    }

    /// What a finished process left.
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    /// A started process whose output goes to temporary files (so that nothing blocks on a full pipe).
    final class Running {
        let process = Process()
        let outputFile: URL
        let errorFile: URL

        init(_ executable: URL, _ arguments: [String]) throws {
            let directory = FileManager.default.temporaryDirectory
            outputFile = directory.appendingPathComponent("doctor-test-\(UUID().uuidString).out")
            errorFile = directory.appendingPathComponent("doctor-test-\(UUID().uuidString).err")
            _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
            process.executableURL = executable
            process.arguments = arguments
            let output = try FileHandle(forWritingTo: outputFile)
            let errors = try FileHandle(forWritingTo: errorFile)
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = FileHandle.nullDevice
            try process.run()
            // The child has its own copies; the test process keeps no descriptor for it.
            try output.close()
            try errors.close()
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }

        var pid: Int32 { process.processIdentifier }
        var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
        var errors: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

        /// Waits until standard output contains `text`, at most `timeout`; false if it never did. The default
        /// allows for a child starting on two cores busy with other suites' tests (5 s was once too short there).
        func waitForOutput(_ text: String, timeout: Duration = .seconds(30)) async -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if output.contains(text) { return true }
                if !process.isRunning { return output.contains(text) }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return false
        }

        /// Waits for the process to end, at most `timeout`, then kills it (recording an issue).
        func finish(timeout: Duration = .seconds(20)) async -> Result {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning {
                Issue.record("\(process.executableURL?.lastPathComponent ?? "process") still running after \(timeout); killed")
                // SIGKILL: a child started from a concurrency thread may have SIGTERM blocked.
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            return Result(status: process.terminationStatus, output: output, errors: errors)
        }

        /// Ends the process with SIGTERM and waits for it.
        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    /// Runs an executable to its end (at most `timeout`).
    static func run(_ executable: URL, _ arguments: [String], timeout: Duration = .seconds(20)) async throws -> Result {
        try await Running(executable, arguments).finish(timeout: timeout)
    }
}
