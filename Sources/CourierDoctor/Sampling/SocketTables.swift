/// The socket tables of one network namespace at one instant, and how a process's descriptors map onto them.
public struct SocketTables: Sendable, Equatable {
    /// TCP rows (IPv4 and IPv6) by inode; rows with inode 0 (TIME_WAIT, pending, orphaned) are left out.
    public var tcpByInode: [UInt64: SocketTableEntry] = [:]
    /// Inodes of UDP sockets (IPv4 and IPv6).
    public var udpInodes: Set<UInt64> = []
    /// Inodes of Unix-domain sockets.
    public var unixInodes: Set<UInt64> = []
    /// Local endpoints of TCP sockets in LISTEN, of any process of the namespace.
    public var listeners: Set<SocketEndpoint> = []
    /// Rows of any table that could not be read.
    public var malformed: [MalformedLine] = []

    /// Empty tables.
    public init() {}

    /// Builds tables from the texts of net/tcp, tcp6, udp, udp6 and unix (any may be empty or missing).
    ///
    /// - Parameters:
    ///   - directory: The directory the texts came from (e.g. `/proc/4242/net`), for ``MalformedLine/source``.
    ///   - byteOrder: The byte order of the machine that wrote them; default ``ProcByteOrder/host``.
    public init(tcp: String, tcp6: String, udp: String, udp6: String, unix: String, directory: String, byteOrder: ProcByteOrder = .host) {
        for (text, name) in [(tcp, "tcp"), (tcp6, "tcp6")] {
            let parsed = SocketTableParser.parse(text, source: "\(directory)/\(name)", byteOrder: byteOrder)
            malformed += parsed.malformed
            for entry in parsed.entries {
                if entry.state == .listen { listeners.insert(entry.local) }
                if entry.inode != 0 { tcpByInode[entry.inode] = entry }
            }
        }
        for (text, name) in [(udp, "udp"), (udp6, "udp6")] {
            let parsed = SocketTableParser.parse(text, source: "\(directory)/\(name)", byteOrder: byteOrder)
            malformed += parsed.malformed
            udpInodes.formUnion(parsed.entries.map(\.inode).filter { $0 != 0 })
        }
        let parsedUnix = UnixSocketTableParser.parse(unix, source: "\(directory)/unix")
        malformed += parsedUnix.malformed
        unixInodes = parsedUnix.inodes
    }

    /// The kind of a descriptor with this link target.
    public func kind(of target: DescriptorTarget) -> DescriptorKind {
        switch target {
        case .socket(let inode):
            if tcpByInode[inode] != nil { return .tcp }
            if udpInodes.contains(inode) { return .udp }
            if unixInodes.contains(inode) { return .unix }
            return .otherSocket
        case .pipe: return .pipe
        case .file: return .file
        case .other: return .other
        }
    }

    /// The group of the TCP socket with this inode, or `nil` when it is not a TCP socket of these tables.
    ///
    /// A socket is ``SocketDirection/inbound`` when its local endpoint is one a listener listens on (the same
    /// address and port, or the port on the unspecified address of the same family).
    public func groupKey(inode: UInt64) -> SocketGroupKey? {
        guard let entry = tcpByInode[inode] else { return nil }
        if entry.state == .listen { return SocketGroupKey(direction: .listening, endpoint: entry.local, state: .listen) }
        let unspecified = SocketEndpoint(address: IPAddress(bytes: [UInt8](repeating: 0, count: entry.local.address.bytes.count))!, port: entry.local.port)
        if listeners.contains(entry.local) {
            return SocketGroupKey(direction: .inbound, endpoint: entry.local, state: entry.state)
        }
        if listeners.contains(unspecified) {
            return SocketGroupKey(direction: .inbound, endpoint: unspecified, state: entry.state)
        }
        return SocketGroupKey(direction: .outbound, endpoint: entry.remote, state: entry.state)
    }
}
