import ArgumentParser
import CourierCLI
import CourierTestServer
import Foundation

/// `courier serve`: a local receiving server that can store bodies and reproduce connection misbehaviour.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a local HTTP/1.1 server that receives uploads (and can misbehave on request).",
        discussion: """
            Prints its URL on the first line of standard output, then serves until interrupted. Every answer \
            carries X-Connection-Number and X-Request-Number. Without --dir, bodies are hashed and dropped \
            and the answer is 'ok'. With --dir, a PUT body is stored at its decoded request path and a POST \
            body under its SHA-256; each is written to a temporary file and renamed into place only when \
            complete, answered 201 with the SHA-256. A path that would land outside the directory ('..', \
            '%2e%2e', a symbolic link pointing out) is refused with 400.

            Examples:
              courier serve --port 8080 --dir /tmp/received
              courier serve --port 0 --close-after 3 --verbose
              courier serve --keep-alive-timeout 5 --keep-alive-max 100
            """
    )

    @Option(help: "Address to listen on (a loopback address unless you mean otherwise).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "Store received bodies below this directory.")
    var dir: String?

    @Flag(help: "Log one line per connection opened and closed (with its request count) on standard error.")
    var verbose = false

    @Flag(name: .customLong("connection-close"), help: "Answer 'Connection: close' and close after every response.")
    var connectionClose = false

    @Flag(name: .customLong("keep-alive-header"), help: "Send 'Connection: keep-alive' (default: no Connection header).")
    var keepAliveHeader = false

    @Option(name: .customLong("close-after"), help: "Answer 'Connection: close' on the Nth request of each connection.")
    var closeAfter: Int?

    @Option(name: .customLong("drop-after"), help: "Close each connection without notice right after its Nth response.")
    var dropAfter: Int?

    @Option(name: .customLong("idle-close"), help: "Close connections idle this many milliseconds, without notice.")
    var idleClose: Int?

    @Option(name: .customLong("keep-alive-timeout"), help: "Send 'Keep-Alive: timeout=N'.")
    var keepAliveTimeout: Int?

    @Option(name: .customLong("keep-alive-max"), help: "Send 'Keep-Alive: max=M' counting down from N-1; close after max=0.")
    var keepAliveMax: Int?

    @Flag(help: "Answer as HTTP/1.0 (closes after every response unless --keep-alive-header).")
    var http10 = false

    @Option(help: "Wait this many milliseconds before each answer.")
    var delay = 0

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0-65535, got \(port)") }
        for (name, value) in [("--close-after", closeAfter), ("--drop-after", dropAfter), ("--keep-alive-max", keepAliveMax)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, got \(value)") }
        }
        for (name, value) in [("--idle-close", idleClose), ("--keep-alive-timeout", keepAliveTimeout), ("--delay", Optional(delay))] {
            if let value, value < 0 { throw ValidationError("\(name) must not be negative, got \(value)") }
        }
    }

    func run() async throws {
        var behavior = TestServerBehavior()
        behavior.keepRecords = false
        behavior.keepAlive = !connectionClose
        behavior.sendKeepAliveHeader = keepAliveHeader
        behavior.closeAfterRequests = closeAfter
        behavior.abruptCloseAfterResponses = dropAfter
        behavior.idleCloseAfterMilliseconds = idleClose
        behavior.keepAliveTimeoutHint = keepAliveTimeout
        behavior.keepAliveMaxCountdown = keepAliveMax
        behavior.http10 = http10
        behavior.responseDelayMilliseconds = delay
        if let dir {
            do {
                behavior.storage = try BodyStore(directory: dir)
            } catch {
                throw UsageError("--dir: \(error)")
            }
        }
        if verbose {
            behavior.connectionLog = { line in printError(line) }
        }
        let server: TestServer
        do {
            server = try await TestServer.start(behavior: behavior, host: host, port: port)
        } catch {
            printError("courier: cannot listen on \(host):\(port): \(error)")
            throw ExitCode(ExitStatus.failure)
        }
        // Unbuffered, so that a script reading the first line gets it now.
        FileHandle.standardOutput.write(Data((server.url() + "\n").utf8))
        // Serve until SIGINT or SIGTERM, then stop listening and exit 0.
        let stop = StopSignal()
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.stop() }
            source.resume()
            return source
        }
        await stop.wait()
        for source in sources { source.cancel() }
        try await server.shutdown()
        printError("courier: served \(server.requestCount) request(s) on \(server.acceptedConnections) connection(s)")
    }
}

