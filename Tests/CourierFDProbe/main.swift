// Test helper: runs requests with Courier in a process whose descriptors are nearly (or entirely) used up by the
// "application", to show that Courier waits for descriptors instead of failing or exceeding the limit.
//
// Usage: CourierFDProbe URL REQUESTS CONCURRENCY FREE HOLD_MS EXHAUSTION_TIMEOUT_MS
//   FREE: descriptors left free after the application's files take the rest (of a soft limit of 64)
//   HOLD_MS: release the application's files after this long; -1 keeps them for good
// Prints one JSON line with what happened.
import Courier
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 7, let requests = Int(arguments[2]), let concurrency = Int(arguments[3]),
    let free = Int(arguments[4]), let holdMilliseconds = Int(arguments[5]), let exhaustionMilliseconds = Int(arguments[6])
else {
    FileHandle.standardError.write(Data("usage: CourierFDProbe URL REQUESTS CONCURRENCY FREE HOLD_MS EXHAUSTION_TIMEOUT_MS\n".utf8))
    exit(2)
}
let url = arguments[1]
let softLimit = 64

if ProcessInfo.processInfo.environment["COURIER_PROBE_CORE"] != nil {
    var core = rlimit(rlim_cur: rlim_t.max, rlim_max: rlim_t.max)
    setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &core)
}

var limits = rlimit()
getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits)
limits.rlim_cur = rlim_t(softLimit)
guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) == 0 else {
    print("{\"error\": \"setrlimit failed\"}")
    exit(1)
}

@Sendable func openDescriptors() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = -1  // the directory's own descriptor
    while readdir(directory) != nil { count += 1 }
    return count - 2  // "." and ".."
}

// Start NIO's threads and libdispatch's timer machinery (both need descriptors of their own, and libdispatch
// traps when it cannot create them) before the application takes the rest.
try await Task.sleep(for: .milliseconds(5))
let warmUp = Client()
_ = try await warmUp.send(try Request(method: "GET", url: url), maxBodyBytes: 64)
await warmUp.shutdown()

// The application's files: everything, then give back `free`.
var held: [CInt] = []
while true {
    let fd = open("/dev/null", O_RDONLY)
    if fd < 0 { break }
    held.append(fd)
}
for _ in 0..<min(free, held.count) { close(held.removeLast()) }
let heldBox = NIOLockedValueBox(held)
if holdMilliseconds >= 0 {
    Task.detached {
        try await Task.sleep(for: .milliseconds(holdMilliseconds))
        heldBox.withLockedValue { fds in
            for fd in fds { close(fd) }
            fds.removeAll()
        }
    }
}

let peak = NIOLockedValueBox(0)
let sampling = NIOLockedValueBox(true)
let sampler = Thread {
    while sampling.withLockedValue({ $0 }) {
        let count = openDescriptors()
        peak.withLockedValue { $0 = max($0, count) }
        usleep(1000)
    }
}
sampler.start()

let client = Client(configuration: .init(pool: .init(
    maxConnectionsPerHost: concurrency,
    descriptorExhaustionTimeout: .milliseconds(exhaustionMilliseconds))))
let started = ContinuousClock.now
let outcome = NIOLockedValueBox((succeeded: 0, failed: 0, firstError: ""))
await withTaskGroup(of: Void.self) { group in
    for worker in 0..<concurrency {
        group.addTask {
            for index in stride(from: worker, to: requests, by: concurrency) {
                do {
                    let request = try Request(method: "POST", url: url, body: .string("request \(index)"))
                    let response = try await client.send(request, maxBodyBytes: 64)
                    outcome.withLockedValue { $0.succeeded += response.status.code == 200 ? 1 : 0 }
                } catch {
                    outcome.withLockedValue {
                        $0.failed += 1
                        if $0.firstError.isEmpty { $0.firstError = "\(error)" }
                    }
                }
            }
        }
    }
}
let elapsed = started.duration(to: .now)
sampling.withLockedValue { $0 = false }
let snapshot = client.snapshot()
await client.shutdown()
let result = outcome.withLockedValue { $0 }
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let report: [String: Any] = [
    "succeeded": result.succeeded, "failed": result.failed, "firstError": result.firstError,
    "exhaustionEvents": snapshot.descriptorExhaustionEvents, "peakDescriptors": peak.withLockedValue { $0 },
    "limit": softLimit, "seconds": seconds, "connectionsOpened": snapshot.connectionsOpened,
]
let data = try JSONSerialization.data(withJSONObject: report)
print(String(decoding: data, as: UTF8.self))
