import Courier
import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore

/// `courier bench`: N requests with at most C in flight through the public ``Client`` API, exactly as an
/// application would send them; every response body is read to its end and a non-2xx answer is an error.
public enum BenchRunner {
    /// The result; its JSON form has exactly the keys of the benchmark contract.
    public struct Result: Sendable, Encodable {
        /// Always "courier".
        public var client = "courier"
        public var requests: Int
        /// Requests that failed or got a non-2xx answer.
        public var errors: Int
        /// Wall time of the whole run, in seconds.
        public var seconds: Double
        /// Requests per second over that time.
        public var rps: Double
        /// User and system CPU time of the process (getrusage), in seconds.
        public var cpuUser: Double
        public var cpuSys: Double
        /// Peak resident set size, in KiB.
        public var maxRSSKB: Int
        /// Most `/proc/self/fd` entries seen (sampled every 10 ms).
        public var peakFDs: Int
        /// Connections the client opened.
        public var connectionsOpened: Int

        enum CodingKeys: String, CodingKey {
            case client, requests, errors, seconds, rps
            case cpuUser = "cpu_user"
            case cpuSys = "cpu_sys"
            case maxRSSKB = "max_rss_kb"
            case peakFDs = "peak_fds"
            case connectionsOpened = "connections_opened"
        }
    }

    /// Where the tasks that send the requests run.
    public enum Executor: String, Sendable, CaseIterable {
        /// Swift's global executor, as most applications send: each request crosses threads twice.
        case `default`
        /// The client's ``Client/taskExecutor``: every sending task and every connection on one event loop.
        case eventLoop = "event-loop"
        /// The client's ``Client/taskExecutors``, task i on executor i (round robin): each sending task and the
        /// connections it opens share an event loop, and the loops share the pool.
        case eventLoops = "event-loops"
    }

    /// Runs the benchmark.
    ///
    /// - Parameters:
    ///   - url: The target (http:// or https://).
    ///   - requests: N, at least 1.
    ///   - concurrency: C, requests in flight and connections per host.
    ///   - bodyBytes: B; 0 sends GET, otherwise POST of B bytes (`Content-Type: application/octet-stream`).
    ///   - tls: TLS settings for an https target; default: the system trust store.
    ///   - executor: Where the sending tasks run; default ``Executor/default``.
    public static func run(
        url: URL, requests: Int, concurrency: Int, bodyBytes: Int, tls: Configuration.TLS = .init(),
        executor: Executor = .default
    ) async -> Result {
        let client = Client(configuration: .init(pool: .init(maxConnectionsPerHost: concurrency), tls: tls))
        var request = Request(method: bodyBytes == 0 ? .get : .post, url: url)
        if bodyBytes > 0 {
            request.body = .bytes(ByteBuffer(repeating: UInt8(ascii: "x"), count: bodyBytes))
            request.headerFields[.contentType] = "application/octet-stream"
        }
        let prepared = request
        let cursor = NIOLockedValueBox(0)
        let errors = NIOLockedValueBox(0)
        let sampler = PeakSampler()
        sampler.start(client: client)
        let started = ContinuousClock.now
        // Task i runs on executor i of `executors` (round robin), or on the global executor.
        let executors: [any TaskExecutor]?
        switch executor {
        case .default: executors = nil
        case .eventLoop: executors = [client.taskExecutor]
        case .eventLoops: executors = client.taskExecutors
        }
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<min(concurrency, requests) {
                group.addTask(executorPreference: executors.map { $0[index % $0.count] }) {
                    while cursor.withLockedValue({ value in
                        defer { value += 1 }
                        return value < requests
                    }) {
                        let ok: Bool
                        do {
                            ok = try await client.execute(prepared) { response in
                                for try await _ in response.body {}
                                return (200..<300).contains(response.status.code)
                            }
                        } catch {
                            ok = false
                        }
                        if !ok { errors.withLockedValue { $0 += 1 } }
                    }
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        let peaks = await sampler.stop(client: client)
        let opened = client.statistics.connectionsOpened
        await client.shutdown()
        let seconds = elapsed.inSeconds
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let maxRSSKiB = Int(usage.ru_maxrss)
        #elseif canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        let maxRSSKiB = Int(usage.ru_maxrss) / 1024  // bytes on Apple platforms
        #else
        getrusage(RUSAGE_SELF, &usage)
        let maxRSSKiB = Int(usage.ru_maxrss)
        #endif
        return Result(
            requests: requests, errors: errors.withLockedValue { $0 }, seconds: seconds,
            rps: Double(requests) / max(seconds, 1e-9),
            cpuUser: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            cpuSys: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
            maxRSSKB: maxRSSKiB, peakFDs: peaks.descriptors, connectionsOpened: opened)
    }
}
