import ArgumentParser
import Courier
import CourierCLI
import Foundation
import HTTPTypes

/// `courier submit`: sends files (or standard input) as request bodies, concurrently, with retries.
struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload files to a URL, one request per file.",
        discussion: """
            Each regular file found at the paths (directories are walked recursively in sorted order; '-' \
            reads one body from standard input) is sent as the body of one request. A '{}' in the URL is \
            replaced by the file's path relative to the directory argument it was found under (a file given \
            directly: its name), percent-encoded.

            Retries (at-least-once delivery): a request that failed before any byte of a response arrived \
            (connection refused, reset or closed, a stale keep-alive connection, a connect timeout) is sent \
            again on a fresh connection, as are 429 and 503 answers (after Retry-After, capped by \
            --max-retry-wait) and, for idempotent methods such as PUT only, 502 and 504. Nothing else is \
            retried, and standard input never is. A server may therefore see a file twice; 'retried' counts \
            every extra attempt.

            Exit status: 0 every file got a 2xx answer, 1 some failed, 2 usage error, 130 interrupted.

            Examples:
              courier submit http://127.0.0.1:8080/upload data/
              courier submit -X PUT 'http://127.0.0.1:8080/bucket/{}' photos/ --json
              tar c dir | courier submit -H 'Content-Type: application/x-tar' http://127.0.0.1:8080/in -
            """
    )

    @Option(name: [.customShort("X"), .long], help: "Request method.")
    var method = "POST"

    @Option(name: [.customShort("H"), .long], help: ArgumentHelp("A header 'Name: value' (repeatable).", valueName: "header"))
    var header: [String] = []

    @Option(name: [.short, .long], help: "Requests in flight at once (1-10000).")
    var concurrency = 8

    @Option(name: .customLong("max-connections"), help: "Connections per host (default: --concurrency).")
    var maxConnections: Int?

    @Option(help: "Retries per file (0 turns every retry of the CLI off).")
    var retries = 2

    @Option(name: .customLong("max-retry-wait"), help: "Longest Retry-After honoured, in seconds.")
    var maxRetryWait = 60.0

    @Option(name: .customLong("connect-timeout"), help: "TCP connect timeout, in seconds.")
    var connectTimeout = 10.0

    @Option(help: "Deadline per attempt, in seconds (default: none; a transfer with no bytes moving for 60 s fails).")
    var timeout: Double?

    @Flag(help: "Send 'Connection: close' on every request (one connection per request, for comparison).")
    var close = false

    @Option(name: [.short, .long], help: ArgumentHelp("Basic authorization (redacted from every message).", valueName: "name:password"))
    var user: String?

    @Option(name: [.customShort("x"), .long], help: ArgumentHelp(
        "Send every request through this HTTP proxy, loopback targets included (default: http_proxy/no_proxy from the environment, loopback direct).",
        valueName: "url"))
    var proxy: String?

    @Option(name: .customLong("noproxy"), help: ArgumentHelp("With --proxy: comma-separated hosts, addresses or CIDR ranges to reach directly.", valueName: "list"))
    var noProxy: String?

    @OptionGroup(title: "TLS")
    var tls: TLSOptions

    @Flag(help: "Print a JSON summary on standard output.")
    var json = false

    @Flag(name: [.short, .long], help: "No progress line and no summary line (failures are still reported).")
    var quiet = false

    @Argument(help: "The target URL (http:// or https://); '{}' stands for each file's relative path.")
    var url: String

    @Argument(help: "Files and directories to send; '-' is standard input.")
    var paths: [String] = []

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("missing path: give at least one file, directory or '-'") }
        guard (1...10_000).contains(concurrency) else { throw ValidationError("--concurrency must be 1-10000, got \(concurrency)") }
        if let maxConnections, !(1...10_000).contains(maxConnections) {
            throw ValidationError("--max-connections must be 1-10000, got \(maxConnections)")
        }
        guard (0...100).contains(retries) else { throw ValidationError("--retries must be 0-100, got \(retries)") }
        for (name, value) in [("--max-retry-wait", maxRetryWait), ("--connect-timeout", connectTimeout), ("--timeout", timeout ?? 1)] {
            guard value.isFinite, value > 0, value <= 86_400 else { throw ValidationError("\(name) must be a number of seconds above 0, got \(value)") }
        }
        guard paths.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("'-' (standard input) can be given once") }
        if noProxy != nil && proxy == nil { throw ValidationError("--noproxy needs --proxy") }
    }

    func run() async throws {
        let job = try makeJob()
        let console = Console(progress: !quiet)
        let stop = StopSignal()
        let interrupts = InterruptHandler(stop: stop) {
            console.message("courier: interrupted; letting requests in flight finish (up to 5 s; Ctrl-C again to quit now)")
        }
        var configuration = Configuration()
        configuration.tls = job.tls
        if job.tls.verification == .insecureNoVerification { console.message(TLSOptions.insecureWarning) }
        if let proxy {
            configuration.proxy = .url(proxy, noProxy: noProxy.map { [$0] } ?? [], proxyLoopback: true)
        }
        let runner = SubmitRunner(job: job, configuration: configuration) { failure in
            console.message("courier: \(failure.path): \(failure.error)")
        }
        let progress = Task {
            let started = ContinuousClock.now
            while !Task.isCancelled {
                let now = runner.progress
                let elapsed = max(0.001, (ContinuousClock.now - started).inSeconds)
                let open = runner.client.snapshot().origins.reduce(0) { $0 + $1.open }
                console.progress(
                    "\(now.done)/\(now.total) files · \(byteCount(now.bytesSent)) · \(byteCount(Int64(Double(now.bytesSent) / elapsed)))/s · "
                        + "\(open) connection\(open == 1 ? "" : "s") · \(now.errors) error\(now.errors == 1 ? "" : "s")")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let summary = await runner.run(stop: stop)
        progress.cancel()
        await progress.value
        console.endProgress()
        withExtendedLifetime(interrupts) {}
        if json {
            print(try jsonText(summary))
        } else if !quiet {
            print(
                "\(summary.succeeded) of \(summary.requests) file(s) delivered, \(byteCount(summary.bytesSent)) sent in "
                    + String(format: "%.2f s", summary.seconds) + "; \(summary.failed) failed, \(summary.retried) retried"
                    + (summary.notSent > 0 ? ", \(summary.notSent) not sent" : "")
                    + "; \(summary.connectionsOpened) connection(s) opened, peak \(summary.peakConnections) open, "
                    + "peak \(summary.peakFDs) descriptors")
        }
        if summary.exitStatus != 0 { throw ExitCode(summary.exitStatus) }
    }

    /// Checks everything that can be checked before sending; every problem is a usage error (exit 2).
    func makeJob() throws -> SubmitJob {
        let template = TargetTemplate(url)
        _ = try parseHTTPURL(template.url(for: Array("x".utf8)), shownAs: url)
        if let proxy, let problem = ProxySetting.url(proxy).urlProblem {
            throw UsageError("--proxy: \(problem)")
        }
        let fields = try headerFields()
        let tlsSettings = try tls.settings()
        guard let methodValue = HTTPRequest.Method(method) else {
            throw UsageError("invalid method '\(method)'")
        }
        let walk: FileWalker.Walk
        do {
            walk = try FileWalker.walk(paths)
        } catch let problem as FileWalker.UsageProblem {
            throw UsageError(problem.description)
        }
        if template.hasPlaceholder {
            if walk.items.contains(where: \.isStandardInput) {
                throw UsageError("'-' (standard input) has no name to put in place of {} in the URL")
            }
            var seen: [String: FileWalker.Item] = [:]
            for item in walk.items {
                let target = template.url(for: item.relativePath)
                if let earlier = seen[target] {
                    throw UsageError(
                        "'\(earlier.shownPath)' (from '\(earlier.argument)') and '\(item.shownPath)' (from '\(item.argument)') "
                            + "would both be sent to \(Request.redactedURL(target))")
                }
                seen[target] = item
            }
        }
        var job = SubmitJob(template: template, items: walk.items)
        job.problems = walk.problems
        job.method = methodValue
        job.headerFields = fields
        job.retries = retries
        job.maxRetryWait = .milliseconds(Int64(maxRetryWait * 1000))
        job.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
        job.timeout = timeout.map { .milliseconds(Int64($0 * 1000)) }
        job.closeConnection = close
        job.tls = tlsSettings
        // Every file in flight holds a descriptor for itself and one for its socket: fit both in the limit.
        let affordable = DescriptorCount.affordableConcurrency(wanted: concurrency)
        if affordable < concurrency, !quiet {
            printError(
                "courier: the descriptor limit (\(DescriptorCount.softLimit() ?? 0)) allows \(affordable) file(s) in flight; "
                    + "using that instead of \(concurrency)")
        }
        job.concurrency = affordable
        job.maxConnectionsPerHost = min(maxConnections ?? concurrency, affordable)
        return job
    }

    private func headerFields() throws -> HTTPFields {
        var pairs: [(name: String, value: String)] = []
        for text in header {
            guard let colon = text.firstIndex(of: ":") else {
                throw UsageError("bad header '\(text)': expected 'Name: value'")
            }
            let name = text[..<colon].trimmingCharacters(in: .whitespaces)
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw UsageError("bad header '\(text)': the name is empty") }
            pairs.append((name, value))
        }
        if !pairs.contains(where: { $0.name.lowercased() == "content-type" }) {
            pairs.append(("Content-Type", "application/octet-stream"))
        }
        if let user {
            guard user.contains(":") else { throw UsageError("--user must be NAME:PASSWORD") }
            pairs.removeAll { $0.name.lowercased() == "authorization" }
            pairs.append(("Authorization", "Basic " + Data(user.utf8).base64EncodedString()))
        }
        do {
            // Validates every name and value (tokens; no CR, LF or NUL).
            return try Request(method: "GET", url: "http://127.0.0.1/", headers: pairs).headerFields
        } catch {
            throw UsageError("bad header: \(error)")
        }
    }

    private func jsonText(_ summary: SubmitSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }
}
