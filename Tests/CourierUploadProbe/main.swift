// Test helper: uploads one file with Courier and reports the process's peak resident set size, so tests can
// measure memory in a process that holds nothing but the client.
//
// Usage: CourierUploadProbe URL FILE
// Prints one JSON line: {"status": 200, "peakRSSKiB": 12345, "seconds": 1.5}
import Courier
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: CourierUploadProbe URL FILE\n".utf8))
    exit(2)
}

func peakRSSKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }
    return -1
}

let client = Client()
let started = ContinuousClock.now
do {
    let request = try Request(method: "PUT", url: arguments[1], body: .file(arguments[2]))
    let status = try await client.execute(request) { $0.status.code }
    let seconds = ContinuousClock.now - started
    let elapsed = Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18
    print("{\"status\": \(status), \"peakRSSKiB\": \(peakRSSKiB()), \"seconds\": \(elapsed)}")
    await client.shutdown()
} catch {
    print("{\"error\": \"\(error)\"}")
    await client.shutdown()
    exit(1)
}
