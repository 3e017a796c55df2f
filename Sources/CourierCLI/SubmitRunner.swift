import Courier
import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore

/// Runs a ``SubmitJob``: sends every file with at most `concurrency` in flight, retries per ``SubmitRetry``,
/// samples descriptors and connections, and returns the ``SubmitSummary``.
///
/// Workers take files in order from a shared cursor, so a file is started only when a slot is free and the
/// list of files is never expanded into requests ahead of time.
public final class SubmitRunner: Sendable {
    /// Progress figures for a progress line.
    public struct Progress: Sendable {
        /// Files finished (succeeded or failed) and the total.
        public var done: Int
        public var total: Int
        /// Body bytes written so far.
        public var bytesSent: Int64
        /// Files failed so far.
        public var errors: Int
    }

    private struct Tally {
        var next = 0
        var summary = SubmitSummary()
    }

    /// Counts one request's attempts and body bytes, fed by ``Request/onAttemptEnded``.
    private final class AttemptCounter: Sendable {
        let state = NIOLockedValueBox((attempts: 0, bytes: Int64(0)))
        func add(_ attempt: RequestAttempt) {
            state.withLockedValue {
                $0.attempts += 1
                $0.bytes += attempt.bodyBytesSent
            }
        }
    }

    private let job: SubmitJob
    /// The client every request goes through; its statistics feed the summary.
    public let client: Client
    private let tally = NIOLockedValueBox(Tally())
    /// Called with each failure as it happens (path, reason). Default `nil`.
    private let onFailure: (@Sendable (SubmitSummary.Failure) -> Void)?

    /// - Parameters:
    ///   - job: What to send.
    ///   - configuration: The client's configuration; its per-host limit and connect timeout are taken from
    ///     `job`.
    ///   - onFailure: Called as each file fails, for messages on standard error.
    public init(
        job: SubmitJob, configuration: Configuration = .init(),
        onFailure: (@Sendable (SubmitSummary.Failure) -> Void)? = nil
    ) {
        self.job = job
        var configuration = configuration
        configuration.pool.maxConnectionsPerHost = job.maxConnectionsPerHost ?? job.concurrency
        configuration.timeouts.connect = job.connectTimeout
        self.client = Client(configuration: configuration)
        self.onFailure = onFailure
    }

    /// Progress so far.
    public var progress: Progress {
        tally.withLockedValue {
            Progress(
                done: $0.summary.succeeded + $0.summary.failed, total: job.items.count + job.problems.count,
                bytesSent: $0.summary.bytesSent, errors: $0.summary.failed)
        }
    }

    /// Sends everything; returns when every file was answered or, after `stop`, when the files in flight
    /// finished or the grace period (``SubmitJob/interruptGrace``) ended. Shuts the client down.
    public func run(stop: StopSignal = StopSignal()) async -> SubmitSummary {
        let sampler = PeakSampler()
        sampler.start(client: client)
        for problem in job.problems {
            record(.init(path: problem.path, error: problem.reason), bytes: 0, extraAttempts: 0)
        }
        let started = ContinuousClock.now
        let work = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, min(job.concurrency, job.items.count)) {
                    group.addTask { await self.work(stop: stop) }
                }
            }
        }
        let watcher = Task {
            await stop.wait()
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: job.interruptGrace)
            work.cancel()
        }
        await work.value
        watcher.cancel()
        let seconds = (ContinuousClock.now - started).inSeconds
        let peaks = await sampler.stop(client: client)
        await client.shutdown(gracePeriod: .seconds(1))
        return tally.withLockedValue { tally in
            var summary = tally.summary
            summary.seconds = seconds
            summary.peakFDs = peaks.descriptors
            summary.peakConnections = peaks.connections
            summary.connectionsOpened = client.statistics.connectionsOpened
            summary.notSent = job.items.count - min(tally.next, job.items.count)
            summary.interrupted = stop.isStopped
            return summary
        }
    }

    /// One worker: takes the next file until none is left or a stop was asked for.
    private func work(stop: StopSignal) async {
        while !stop.isStopped, !Task.isCancelled {
            let index = tally.withLockedValue { tally -> Int? in
                guard tally.next < job.items.count else { return nil }
                defer { tally.next += 1 }
                return tally.next
            }
            guard let index else { return }
            await send(job.items[index], stop: stop)
        }
    }

    /// Sends one file, with retries; records its outcome.
    private func send(_ item: FileWalker.Item, stop: StopSignal) async {
        let idempotent = [.get, .head, .options, .trace, .put, .delete].contains(job.method)
        let replayable = !item.isStandardInput
        var retriesMade = 0
        var extraAttempts = 0
        var bytes: Int64 = 0
        while true {
            let counter = AttemptCounter()
            let outcome = await attempt(item, counter: counter)
            let counted = counter.state.withLockedValue { $0 }
            bytes += counted.bytes
            extraAttempts += max(1, counted.attempts) - 1
            if case .status(let code, _, _, _) = outcome, (200..<300).contains(code) {
                record(nil, bytes: bytes, extraAttempts: extraAttempts)
                return
            }
            let retryOutcome: SubmitRetry.Outcome
            switch outcome {
            case .status(let code, _, let retryAfter, _): retryOutcome = .status(code, retryAfter: retryAfter)
            case .error(let error): retryOutcome = .error(error)
            case .timedOut: retryOutcome = .timedOut
            case .otherError: retryOutcome = .error(.cancelled)
            }
            let decision = SubmitRetry.decide(
                retryOutcome, idempotent: idempotent, replayable: replayable, retriesMade: retriesMade,
                maxRetries: job.retries, maxRetryWait: job.maxRetryWait, jitter: Double.random(in: 0...1))
            if case .retry(let delay) = decision, !stop.isStopped, !Task.isCancelled {
                retriesMade += 1
                extraAttempts += 1
                try? await Task.sleep(for: delay)
                if !Task.isCancelled { continue }
            }
            let reason = Task.isCancelled && outcome.isCancellation ? "interrupted before it completed" : outcome.message(timeout: job.timeout)
            record(.init(path: item.shownPath, error: reason), bytes: bytes, extraAttempts: extraAttempts)
            return
        }
    }

    private enum AttemptOutcome {
        case status(Int, reason: String, retryAfter: String?, excerpt: String)
        case error(CourierError)
        case timedOut
        case otherError(String)

        var isCancellation: Bool {
            if case .error(.cancelled) = self { return true }
            return false
        }

        func message(timeout: Duration?) -> String {
            switch self {
            case .status(let code, let reason, _, let excerpt):
                let head = "HTTP \(code)\(reason.isEmpty ? "" : " " + reason)"
                return excerpt.isEmpty ? head : "\(head): \(excerpt)"
            case .error(let error):
                return "\(error)"
            case .timedOut:
                return "timed out after \(timeout.map { "\($0.inSeconds) s" } ?? "?") (--timeout)"
            case .otherError(let text):
                return text
            }
        }
    }

    /// One attempt (the library may re-send inside it; `counter` sees each of those).
    private func attempt(_ item: FileWalker.Item, counter: AttemptCounter) async -> AttemptOutcome {
        guard let url = URL(string: job.template.url(for: item.relativePath)) else {
            return .otherError("the URL for this file could not be formed")
        }
        let body: RequestBody =
            item.isStandardInput ? .stream(StandardInputChunks()) : .file(rawPath: item.path)
        var request = Request(
            method: job.method, url: url, headerFields: job.headerFields, body: body,
            closeConnection: job.closeConnection)
        request.retryPolicy = job.retries > 0 ? .replayable : .never
        request.onAttemptEnded = { counter.add($0) }
        // --timeout is the library's per-request deadline, applied to each attempt the CLI makes.
        request.timeout = job.timeout
        do {
            return try await client.execute(request) { response -> AttemptOutcome in
                    let code = response.status.code
                    let reason = response.status.reasonPhrase
                    guard !(200..<300).contains(code) else { return .status(code, reason: reason, retryAfter: nil, excerpt: "") }
                    return .status(
                        code, reason: reason, retryAfter: response.headerFields[.retryAfter],
                        excerpt: try await Self.excerpt(of: response.body))
            }
        } catch CourierError.deadlineExceeded {
            return .timedOut
        } catch let error as CourierError {
            return .error(error)
        } catch {
            return .otherError("\(error)")
        }
    }

    /// The first 200 bytes of an error answer's body, on one line.
    private static func excerpt(of body: ResponseBody) async throws -> String {
        var bytes: [UInt8] = []
        for try await chunk in body {
            bytes += chunk.readableBytesView.prefix(200 - bytes.count)
            if bytes.count >= 200 { break }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let oneLine = text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
        return oneLine.trimmingCharacters(in: .whitespaces)
    }

    private func record(_ failure: SubmitSummary.Failure?, bytes: Int64, extraAttempts: Int) {
        tally.withLockedValue {
            $0.summary.requests += 1
            $0.summary.bytesSent += bytes
            $0.summary.retried += extraAttempts
            if let failure {
                $0.summary.failed += 1
                $0.summary.failures.append(failure)
            } else {
                $0.summary.succeeded += 1
            }
        }
        if let failure { onFailure?(failure) }
    }
}
