import ArgumentParser
import CourierDoctor
import Foundation

/// `courier doctor`: reads a process's descriptors, limits and TCP sockets from /proc, follows them over a watch,
/// and says in plain words whether connections are leaking (Linux only).
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find a connection leak in any process (Linux): descriptors, limits and TCP sockets over time.",
        discussion: """
            Reads /proc/PID/fd, /proc/PID/limits and /proc/PID/net/tcp and tcp6; groups TCP sockets by endpoint and \
            state and, with --watch, reports how each group grew. Verdicts: ESTABLISHED connections to one endpoint \
            growing steadily, many connections lingering in CLOSE_WAIT (leaks, exit 3); descriptors above 80 % of \
            the soft limit (a warning). A pool of up to 16 connections per endpoint gets no verdict.

            With -- COMMAND the command is run, its whole process tree is followed until it exits (or until \
            --watch seconds have passed), and the peaks are reported. Ctrl-C ends a --pid watch early, with a \
            report (exit 130 unless there is a leak verdict); with -- COMMAND it reaches the command, and doctor \
            reports once the command has exited.

            Exit status: 0 no leak verdict, 3 a leak verdict, 1 the process could not be read (not found, or not \
            permitted), 2 usage. With -- COMMAND: 3 on a leak verdict, else the command's own status (127 when it \
            could not be started, 128+N when killed by signal N).

            Examples:
              courier doctor --pid 4242
              courier doctor --pid 4242 --watch 30 --interval 200
              courier doctor --json -- python3 upload.py
            """
    )

    /// The most samples one watch takes (bounds time and memory).
    static let maximumSamples = 100_000

    @Option(help: "The process to examine.")
    var pid: Int32?

    @Option(help: ArgumentHelp("Follow the counts for this long (seconds, 0-86400). Default: one sample for --pid, until the command exits for -- COMMAND.", valueName: "seconds"))
    var watch: Double?

    @Option(help: ArgumentHelp("Milliseconds between samples (10-60000).", valueName: "ms"))
    var interval: Int = 250

    @Flag(help: "Print the report as JSON (the same figures).")
    var json = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp("A command to run and follow, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        if pid == nil && command.isEmpty { throw ValidationError("give --pid PID or -- COMMAND [ARGS...]") }
        if pid != nil && !command.isEmpty { throw ValidationError("give either --pid or -- COMMAND, not both") }
        if let pid, pid <= 0 { throw ValidationError("--pid must be a positive process id, got \(pid)") }
        guard (10...60_000).contains(interval) else { throw ValidationError("--interval must be between 10 and 60000 ms, got \(interval)") }
        if let watch {
            guard watch.isFinite, (0...86_400).contains(watch) else { throw ValidationError("--watch must be between 0 and 86400 seconds, got \(watch)") }
            guard watch * 1000 / Double(interval) < Double(Self.maximumSamples) else {
                throw ValidationError("--watch \(watch) at --interval \(interval) would take more than \(Self.maximumSamples) samples; raise --interval")
            }
        }
    }

    func run() async throws {
        #if os(Linux)
        let status = command.isEmpty ? try await examineProcess(pid!) : try await followCommand(command)
        try Self.finish(status)
        #else
        printError("courier doctor: not supported on this system: it reads /proc, which only Linux provides.")
        throw ExitCode(ExitStatus.failure)
        #endif
    }

    /// Prints the report in the chosen format.
    func output(_ report: DoctorReport) {
        print(json ? report.jsonText() : report.text(), terminator: "")
    }

    /// `--watch` in milliseconds; `nil` when not given.
    var watchMilliseconds: Int? { watch.map { Int(($0 * 1000).rounded()) } }

    /// Ends `run()` with `status`: returns for 0, throws ``ExitCode`` otherwise. A command's own status 64 is
    /// passed with `exit` directly, since the top level takes ExitCode(64) for a usage error and would make it 2.
    private static func finish(_ status: Int32) throws {
        if status == 0 { return }
        if status == ExitCode.validationFailure.rawValue {
            fflush(nil)
            Foundation.exit(status)
        }
        throw ExitCode(status)
    }
}
