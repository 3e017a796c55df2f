/// What a watch keeps of one ``Sample``: counts per group instead of every socket, so that a long watch stays
/// small. The verdicts are pure functions of a series of these.
public struct SeriesPoint: Sendable, Equatable {
    /// When the sample was taken, in milliseconds since the first sample.
    public var elapsedMilliseconds: Int
    /// Each process read, with its descriptor counts.
    public var processes: [ProcessCounts]
    /// TCP sockets per group; a socket held by several processes counts once. Groups with none are absent.
    public var groupCounts: [SocketGroupKey: Int]
    /// Inodes of the sockets in CLOSE_WAIT, per group (to tell lingering ones from passing ones).
    public var closeWaitInodes: [SocketGroupKey: Set<UInt64>]

    /// A point as given.
    public init(elapsedMilliseconds: Int, processes: [ProcessCounts], groupCounts: [SocketGroupKey: Int], closeWaitInodes: [SocketGroupKey: Set<UInt64>] = [:]) {
        self.elapsedMilliseconds = elapsedMilliseconds
        self.processes = processes
        self.groupCounts = groupCounts
        self.closeWaitInodes = closeWaitInodes
    }

    /// Reduces a sample: sockets are deduplicated by inode across its processes, then counted per group.
    public init(_ sample: Sample) {
        var seen: Set<UInt64> = []
        var counts: [SocketGroupKey: Int] = [:]
        var closeWait: [SocketGroupKey: Set<UInt64>] = [:]
        for process in sample.processes {
            for socket in process.tcpSockets where seen.insert(socket.inode).inserted {
                counts[socket.group, default: 0] += 1
                if socket.group.state == .closeWait { closeWait[socket.group, default: []].insert(socket.inode) }
            }
        }
        self.init(
            elapsedMilliseconds: sample.elapsedMilliseconds, processes: sample.processes.map(\.counts),
            groupCounts: counts, closeWaitInodes: closeWait
        )
    }
}
