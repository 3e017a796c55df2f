/// One process as seen in one sample: its descriptor counts and its TCP sockets.
public struct ProcessSample: Sendable, Equatable {
    /// Descriptor counts and limits.
    public var counts: ProcessCounts
    /// The TCP sockets among the descriptors, one per distinct inode, by inode.
    public var tcpSockets: [ObservedSocket]

    /// A sample as given.
    public init(counts: ProcessCounts, tcpSockets: [ObservedSocket]) {
        self.counts = counts
        self.tcpSockets = tcpSockets
    }
}

/// A process's descriptor figures at one instant (what a series keeps of a ``ProcessSample``).
public struct ProcessCounts: Sendable, Equatable {
    /// The process id.
    public var pid: Int32
    /// Its name (`comm` from /proc/PID/stat).
    public var name: String
    /// Open descriptors (entries of /proc/PID/fd that could be read).
    public var descriptors: Int
    /// Those descriptors by kind.
    public var kinds: DescriptorKindCounts
    /// RLIMIT_NOFILE, or `nil` when /proc/PID/limits could not be read.
    public var limits: DescriptorLimits?

    /// Counts as given.
    public init(pid: Int32, name: String, descriptors: Int, kinds: DescriptorKindCounts, limits: DescriptorLimits?) {
        self.pid = pid
        self.name = name
        self.descriptors = descriptors
        self.kinds = kinds
        self.limits = limits
    }
}

/// A TCP socket held by a process: its inode and the group it counts in.
public struct ObservedSocket: Sendable, Hashable {
    /// The socket's inode (the same socket shared by two processes has one inode).
    public var inode: UInt64
    /// Its group.
    public var group: SocketGroupKey

    /// A socket.
    public init(inode: UInt64, group: SocketGroupKey) {
        self.inode = inode
        self.group = group
    }
}
