import ArgumentParser
import CourierCLI
import Foundation

/// `courier bench`: a fixed-contract load generator for side-by-side comparisons with other clients.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send N requests with at most C in flight and print one JSON line of results.",
        discussion: """
            B=0 sends GET; otherwise POST of B bytes (Content-Type: application/octet-stream). The per-host \
            limit is C connections. Every response body is read to its end; a non-2xx answer counts as an \
            error; all N requests are counted (no warm-up is excluded). Output keys: client, requests, errors, \
            seconds, rps, cpu_user, cpu_sys, max_rss_kb, peak_fds, connections_opened. Exit status 1 when any \
            request failed.

            Example:
              courier bench --url http://127.0.0.1:8080/ --requests 20000 --concurrency 16 --body-bytes 1024
            """
    )

    @Option(help: "Target URL (http:// or https://).")
    var url: String

    @Option(help: "Number of requests (N).")
    var requests = 10_000

    @Option(help: "Requests in flight and connections per host (C).")
    var concurrency = 1

    @Option(name: .customLong("body-bytes"), help: "POST body size in bytes (B); 0 sends GET.")
    var bodyBytes = 0

    @Option(
        help: """
            Where the sending tasks run: 'default' (Swift's global executor), 'event-loop' (the client's \
            taskExecutor: every task on one event loop, no thread hand-off per request, one core) or \
            'event-loops' (the client's taskExecutors, tasks spread over its event loops).
            """)
    var executor: BenchRunner.Executor = .default

    @OptionGroup(title: "TLS")
    var tls: TLSOptions

    func validate() throws {
        guard (1...100_000_000).contains(requests) else { throw ValidationError("--requests must be 1-100000000, got \(requests)") }
        guard (1...10_000).contains(concurrency) else { throw ValidationError("--concurrency must be 1-10000, got \(concurrency)") }
        guard (0...(1 << 30)).contains(bodyBytes) else { throw ValidationError("--body-bytes must be 0-1073741824, got \(bodyBytes)") }
    }

    func run() async throws {
        let parsed: URL
        do {
            parsed = try parseHTTPURL(url)
        } catch let error as UsageError {
            throw UsageError("--url: \(error)")
        }
        let tlsSettings = try tls.settings()
        if tlsSettings.verification == .insecureNoVerification { printError(TLSOptions.insecureWarning) }
        let result = await BenchRunner.run(
            url: parsed, requests: requests, concurrency: concurrency, bodyBytes: bodyBytes, tls: tlsSettings,
            executor: executor)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
        if result.errors > 0 { throw ExitCode(ExitStatus.failure) }
    }
}

extension BenchRunner.Executor: ExpressibleByArgument {}
