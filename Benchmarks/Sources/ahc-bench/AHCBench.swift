// ahc-bench: swift-server/async-http-client under the same contract as `courier bench`.
//
// N requests (B = 0: GET; otherwise POST of B bytes) with at most C in flight and a pool of C connections per
// host; every response body is read to its end; a non-2xx answer is an error; nothing is excluded as warm-up.
// Prints one JSON line with exactly: client, requests, errors, seconds, rps, cpu_user, cpu_sys, max_rss_kb,
// peak_fds, connections_opened.
//
// Modes:
//   --mode async    HTTPClientRequest + `execute(_:timeout:)`, body read with `for try await`; C child tasks.
//   --mode futures  HTTPClient.Request + `execute(request:delegate:)` with a delegate that discards body parts;
//                   C chains, each starting its next request from the previous one's completion (event loop).
//
// AHC exposes no count of the connections it opened, so `connections_opened` is the number of distinct socket
// inodes seen in /proc/self/fd by the sampler (every 10 ms, on its own thread): exact for keep-alive runs
// (a socket lives for the whole run), a lower bound if connections lived shorter than 10 ms. The harness
// also reports nginx's own count of accepted connections.

import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

enum Mode: String, ExpressibleByArgument, CaseIterable {
    case async
    case futures
}

@main
struct AHCBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ahc-bench",
        abstract: "async-http-client under the `courier bench` JSON contract."
    )

    @Option(help: "Target URL (http://).") var url: String
    @Option(help: "Number of requests (N).") var requests: Int
    @Option(help: "Requests in flight and connections per host (C).") var concurrency: Int
    @Option(name: .customLong("body-bytes"), help: "0: GET; otherwise POST of this many bytes.") var bodyBytes: Int = 0
    @Option(help: "async (async/await API) or futures (EventLoopFuture API).") var mode: Mode = .async

    func validate() throws {
        guard requests >= 1 else { throw ValidationError("--requests must be at least 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard bodyBytes >= 0 else { throw ValidationError("--body-bytes must be >= 0") }
        guard url.hasPrefix("http://") else { throw ValidationError("--url must be http://") }
    }

    func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        configuration.redirectConfiguration = .disallow
        // MultiThreadedEventLoopGroup.singleton: one event loop per core, as an application would use it.
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)

        let sampler = FDSampler()
        sampler.start()
        let started = ContinuousClock.now
        let errors: Int
        switch mode {
        case .async:
            errors = await runAsync(client)
        case .futures:
            errors = try await runFutures(client)
        }
        let elapsed = ContinuousClock.now - started
        let (peakFDs, sockets) = sampler.stop()
        try await client.shutdown()

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let cpuUser = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let cpuSys = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let line =
            "{\"client\":\"ahc-\(mode.rawValue)\",\"requests\":\(requests),\"errors\":\(errors),"
            + "\"seconds\":\(seconds),\"rps\":\(Double(requests) / max(seconds, 1e-9)),"
            + "\"cpu_user\":\(cpuUser),\"cpu_sys\":\(cpuSys),\"max_rss_kb\":\(usage.ru_maxrss),"
            + "\"peak_fds\":\(peakFDs),\"connections_opened\":\(sockets)}"
        print(line)
        fflush(nil)
        if errors > 0 { throw ExitCode(1) }
    }

    private var body: ByteBuffer {
        ByteBuffer(repeating: UInt8(ascii: "x"), count: bodyBytes)
    }

    /// async/await API: C child tasks, each taking the next request number until N are taken.
    private func runAsync(_ client: HTTPClient) async -> Int {
        var request = HTTPClientRequest(url: url)
        if bodyBytes > 0 {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.body = .bytes(body)
        } else {
            request.method = .GET
        }
        let prepared = request
        let total = requests
        let cursor = NIOLockedValueBox(0)
        let errors = NIOLockedValueBox(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<min(concurrency, total) {
                group.addTask {
                    while cursor.withLockedValue({ value in
                        defer { value += 1 }
                        return value < total
                    }) {
                        var ok = false
                        do {
                            let response = try await client.execute(prepared, timeout: .seconds(60))
                            for try await _ in response.body {}
                            ok = (200..<300).contains(response.status.code)
                        } catch {
                            ok = false
                        }
                        if !ok { errors.withLockedValue { $0 += 1 } }
                    }
                }
            }
        }
        return errors.withLockedValue { $0 }
    }

    /// EventLoopFuture API: C chains; each completion (on the connection's event loop) starts the next request.
    private func runFutures(_ client: HTTPClient) async throws -> Int {
        var headers = HTTPHeaders()
        let method: HTTPMethod
        let requestBody: HTTPClient.Body?
        if bodyBytes > 0 {
            method = .POST
            headers.add(name: "Content-Type", value: "application/octet-stream")
            requestBody = .byteBuffer(body)
        } else {
            method = .GET
            requestBody = nil
        }
        let request = try HTTPClient.Request(url: url, method: method, headers: headers, body: requestBody)
        let state = ChainState(total: requests)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let chains = (0..<min(concurrency, requests)).map { _ in
            let done = eventLoop.makePromise(of: Void.self)
            Self.next(client, request, state, done)
            return done.futureResult
        }
        for chain in chains { try await chain.get() }
        return state.errors.withLockedValue { $0 }
    }

    private static func next(
        _ client: HTTPClient, _ request: HTTPClient.Request, _ state: ChainState, _ done: EventLoopPromise<Void>
    ) {
        guard state.take() else {
            done.succeed(())
            return
        }
        client.execute(request: request, delegate: DiscardDelegate()).futureResult.whenComplete { result in
            switch result {
            case .success(let status) where (200..<300).contains(status):
                break
            default:
                state.errors.withLockedValue { $0 += 1 }
            }
            next(client, request, state, done)
        }
    }
}

/// Hands out request numbers to the chains.
final class ChainState: Sendable {
    let total: Int
    let cursor = NIOLockedValueBox(0)
    let errors = NIOLockedValueBox(0)

    init(total: Int) { self.total = total }

    func take() -> Bool {
        cursor.withLockedValue { value in
            defer { value += 1 }
            return value < total
        }
    }
}

/// Reads every body part to the end and discards it; the response is the status code.
final class DiscardDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Int
    // Touched only from the request's event loop, one callback at a time.
    private var status = 0

    func didReceiveHead(task: HTTPClient.Task<Int>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Int>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Int>) throws -> Int {
        status
    }
}

/// Samples /proc/self/fd every 10 ms on its own thread: the most entries seen, and the distinct socket inodes.
final class FDSampler: @unchecked Sendable {
    private let lock = NIOLock()
    private var running = true
    private var peak = 0
    private var sockets = Set<String>()
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    func start() {
        sample()
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                usleep(10_000)
                sample()
            }
            finished.signal()
        }
        self.thread = thread
        thread.start()
    }

    /// Stops (after one last sample); returns (peak descriptors, distinct sockets seen).
    func stop() -> (Int, Int) {
        lock.withLock { running = false }
        finished.wait()
        sample()
        return lock.withLock { (peak, sockets.count) }
    }

    private func sample() {
        guard let directory = opendir("/proc/self/fd") else { return }
        let own = dirfd(directory)
        var count = 0
        var seen: [String] = []
        var link = [CChar](repeating: 0, count: 64)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard let fd = Int32(name), fd != own else { continue }
            count += 1
            let length = readlink("/proc/self/fd/\(name)", &link, link.count - 1)
            if length > 7 {
                let target = String(decoding: link[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if target.hasPrefix("socket:") { seen.append(target) }
            }
        }
        closedir(directory)
        lock.withLock {
            peak = max(peak, count)
            sockets.formUnion(seen)
        }
    }
}
