import ArgumentParser
import Courier
import CourierCLI
import CourierTestServer
import Foundation

/// `courier demo`: the "too many open files" job done right, next to the `Connection: close` workaround.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload generated files to a local server twice: with keep-alive, then with Connection: close.",
        discussion: """
            Starts the receiving server in-process on a free loopback port (it answers without a Connection \
            header, like the server of the "too many open files" story), writes sample files to a temporary \
            directory, submits them with the defaults of 'courier submit', then again with --close, and \
            reports files, bytes, time, connections and peak descriptors for both. Cleans up after itself.

            Example:
              swift run -c release courier demo --files 5000
            """
    )

    @Option(help: "Sample files to generate (1-100000).")
    var files = 3_000

    @Option(name: .customLong("file-bytes"), help: "Largest sample file, in bytes (sizes vary from 1 to this).")
    var fileBytes = 4_096

    func validate() throws {
        guard (1...100_000).contains(files) else { throw ValidationError("--files must be 1-100000, got \(files)") }
        guard (1...(16 << 20)).contains(fileBytes) else { throw ValidationError("--file-bytes must be 1-16777216, got \(fileBytes)") }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SystemRandomNumberGenerator()
        for index in 0..<files {
            let size = Int.random(in: 1...fileBytes, using: &generator)
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) }
            let name = String(format: "sample-%05d.bin", index)
            guard FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data(bytes)) else {
                printError("courier: cannot write sample files to \(directory.path)")
                throw ExitCode(ExitStatus.failure)
            }
        }
        var behavior = TestServerBehavior()
        behavior.keepRecords = false
        let server = try await TestServer.start(behavior: behavior)
        print("server: \(server.url()) (answers without a Connection header)")
        print("files:  \(files) in \(directory.path)")
        print("")
        print("mode                    files  failed       bytes   seconds  connections  peak open  peak fds")
        var failed = false
        for close in [false, true] {
            let walk = try FileWalker.walk([directory.path])
            var job = SubmitJob(template: TargetTemplate(server.url("/upload")), items: walk.items)
            job.closeConnection = close
            let acceptedBefore = server.acceptedConnections
            let summary = await SubmitRunner(job: job) { failure in
                printError("courier: \(failure.path): \(failure.error)")
            }.run()
            failed = failed || summary.failed > 0
            let mode = close ? "Connection: close" : "keep-alive (default)"
            print(
                mode.padding(toLength: 22, withPad: " ", startingAt: 0)
                    + String(format: "%7d %7d %11lld %9.2f %12d %10d %9d", summary.requests, summary.failed, summary.bytesSent,
                        summary.seconds, summary.connectionsOpened, summary.peakConnections, summary.peakFDs))
            let accepted = server.acceptedConnections - acceptedBefore
            if accepted != summary.connectionsOpened {
                print("  (the server accepted \(accepted) connections)")
            }
        }
        print("")
        print("server received \(server.requestCount) requests on \(server.acceptedConnections) connections")
        print("With keep-alive, \(SubmitJob(template: TargetTemplate(""), items: []).concurrency) connections carry every upload; "
            + "with Connection: close, every file pays for a new connection.")
        try await server.shutdown()
        if failed { throw ExitCode(ExitStatus.failure) }
    }
}
