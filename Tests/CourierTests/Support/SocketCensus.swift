import Foundation

/// Counts this process's descriptors and its client sockets to one port, from /proc (Linux only).
///
/// Tests and the in-process test server share the process, so client sockets are identified as the socket
/// inodes in /proc/self/fd whose TCP entry (/proc/self/net/tcp and tcp6) has the server's port as *remote* port.
enum SocketCensus {
    /// Entries in /proc/self/fd (every open descriptor of the process).
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// Client sockets of this process connected (or connecting, or closing) to `port` on any address.
    static func clientSockets(toPort port: Int) -> Int {
        ownSockets { $0.remotePort == port }
    }

    /// Sockets of this process whose TCP entry (IPv4 or IPv6) satisfies `predicate`, counted once each by inode:
    /// /proc/net/tcp is read in several read(2) calls, and while other sockets of the namespace come and go
    /// between them the kernel can emit one entry twice (seen here while another program churned connections).
    static func ownSockets(where predicate: (Entry) -> Bool) -> Int {
        let inodes = socketInodes()
        let matching = (tcpEntries("/proc/self/net/tcp") + tcpEntries("/proc/self/net/tcp6")).filter {
            inodes.contains($0.inode) && predicate($0)
        }
        return Set(matching.map(\.inode)).count
    }

    /// Descriptors of this process open on the file at `path`.
    static func descriptors(openOn path: String) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return -1 }
        return names.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path }.count
    }

    /// Socket inodes referenced by this process's descriptors.
    static func socketInodes() -> Set<UInt64> {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return [] }
        var inodes = Set<UInt64>()
        for name in names {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"),
                target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast())
            else { continue }
            inodes.insert(inode)
        }
        return inodes
    }

    /// ``descriptorsOutsideServer(port:)`` once it has stopped changing (the same over 3 reads 50 ms apart, for at
    /// most 2 s): a descriptor a previous test is still closing would otherwise count in a "before" figure.
    static func settledDescriptorsOutsideServer(port serverPort: Int) async -> Int {
        var last = descriptorsOutsideServer(port: serverPort)
        var same = 0
        let deadline = ContinuousClock.now + .seconds(2)
        while same < 2, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
            let now = descriptorsOutsideServer(port: serverPort)
            same = now == last ? same + 1 : 0
            last = now
        }
        return last
    }

    /// Descriptors of the process minus the in-process server's own sockets (local port `serverPort`: its
    /// listener and the connections it accepted), i.e. what the client side and the rest of the process hold.
    static func descriptorsOutsideServer(port serverPort: Int) -> Int {
        openDescriptors() - ownSockets { $0.localPort == serverPort }
    }

    struct Entry {
        var localPort: Int
        var remotePort: Int
        var state: Int
        var inode: UInt64
        /// The `tr` column: 0 no timer, 1 retransmit, 2 keep-alive, 3 TIME_WAIT, 4 zero window probe.
        var timer: Int = 0
        /// The `tm->when` column: ticks (USER_HZ, 100 per second) until the timer fires.
        var timerTicks: Int = 0
    }

    /// Parses a /proc/net/tcp-format table; malformed lines are skipped.
    /// This process's TCP entries whose remote port is `port` (its client sockets to that port).
    static func clientEntries(toPort port: Int) -> [Entry] {
        let inodes = socketInodes()
        var seen: Set<UInt64> = []
        return (tcpEntries("/proc/self/net/tcp") + tcpEntries("/proc/self/net/tcp6")).filter {
            $0.remotePort == port && inodes.contains($0.inode) && seen.insert($0.inode).inserted
        }
    }

    static func tcpEntries(_ path: String) -> [Entry] {
        guard let text = readProcFile(path) else { return [] }
        return parseTCPTable(text)
    }

    /// Reads a /proc file to its end. /proc files report size 0, and Foundation's file readers stop after the
    /// first page, which silently hides entries from a long table.
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func parseTCPTable(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 10, let colon = fields[2].lastIndex(of: ":"),
                let localColon = fields[1].lastIndex(of: ":"),
                let localPort = Int(fields[1][fields[1].index(after: localColon)...], radix: 16),
                let port = Int(fields[2][fields[2].index(after: colon)...], radix: 16),
                let state = Int(fields[3], radix: 16), let inode = UInt64(fields[9])
            else { continue }
            let timerParts = fields[5].split(separator: ":")
            let timer = timerParts.count == 2 ? Int(timerParts[0], radix: 16) ?? 0 : 0
            let ticks = timerParts.count == 2 ? Int(timerParts[1], radix: 16) ?? 0 : 0
            entries.append(Entry(localPort: localPort, remotePort: port, state: state, inode: inode, timer: timer, timerTicks: ticks))
        }
        return entries
    }
}

/// Samples a value on a background thread until stopped, keeping the maximum.
final class PeakSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    private var samples = 0
    private var running = true
    private let thread: Thread

    init(intervalMicroseconds: UInt32 = 500, _ measure: @escaping @Sendable () -> Int) {
        let box = Box()
        thread = Thread { box.sampler?.loop(measure, intervalMicroseconds) }
        box.sampler = self
        thread.start()
    }

    private final class Box: @unchecked Sendable { weak var sampler: PeakSampler? }

    private func loop(_ measure: () -> Int, _ interval: UInt32) {
        while true {
            let value = measure()
            lock.lock()
            peak = max(peak, value)
            samples += 1
            let keepGoing = running
            lock.unlock()
            if !keepGoing { return }
            usleep(interval)
        }
    }

    /// Stops sampling and returns the peak and the number of samples taken.
    func stop() -> (peak: Int, samples: Int) {
        lock.lock()
        running = false
        let result = (peak, samples)
        lock.unlock()
        return result
    }
}
