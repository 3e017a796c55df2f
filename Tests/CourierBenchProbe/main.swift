// Profiling helper: runs `courier bench` (``BenchRunner``, the public Client API) from a plain synchronous main.
//
// Usage: CourierBenchProbe URL REQUESTS CONCURRENCY BODY_BYTES [default|event-loop]
// Prints the same JSON line as `courier bench`. It exists because valgrind cannot run the `courier` executable:
// its async main parks the main thread in dispatch_main (pthread_exit + sigsuspend), which valgrind 3.19 crashes
// on. Here the main thread waits on a semaphore instead, so callgrind can count instructions per request.
import CourierCLI
import Dispatch
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 5 || arguments.count == 6, let url = URL(string: arguments[1]), let requests = Int(arguments[2]),
    let concurrency = Int(arguments[3]), let bodyBytes = Int(arguments[4]), requests > 0, concurrency > 0,
    let executor = arguments.count == 6 ? BenchRunner.Executor(rawValue: arguments[5]) : .default
else {
    FileHandle.standardError.write(
        Data("usage: CourierBenchProbe URL REQUESTS CONCURRENCY BODY_BYTES [default|event-loop]\n".utf8))
    exit(2)
}

final class Box: @unchecked Sendable { var result: BenchRunner.Result? }
let box = Box()
let done = DispatchSemaphore(value: 0)
Task.detached {
    box.result = await BenchRunner.run(url: url, requests: requests, concurrency: concurrency, bodyBytes: bodyBytes, executor: executor)
    done.signal()
}
done.wait()
let encoder = JSONEncoder()
encoder.outputFormatting = .sortedKeys
print(String(decoding: try! encoder.encode(box.result!), as: UTF8.self))
