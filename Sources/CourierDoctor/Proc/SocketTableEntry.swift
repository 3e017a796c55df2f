/// One row of /proc/PID/net/tcp, tcp6, udp or udp6.
public struct SocketTableEntry: Sendable, Hashable {
    /// The local address and port.
    public var local: SocketEndpoint
    /// The remote address and port (unspecified, port 0, for listening and unconnected sockets).
    public var remote: SocketEndpoint
    /// The state. UDP tables use ``TCPState/close`` for unconnected and ``TCPState/established`` for connected sockets.
    public var state: TCPState
    /// The owning user's numeric id.
    public var uid: UInt32
    /// The socket's inode, which /proc/PID/fd links name as `socket:[INODE]`. 0 for sockets that belong to no
    /// descriptor (TIME_WAIT, pending connections, orphans closed by their process).
    public var inode: UInt64

    /// An entry.
    public init(local: SocketEndpoint, remote: SocketEndpoint, state: TCPState, uid: UInt32, inode: UInt64) {
        self.local = local
        self.remote = remote
        self.state = state
        self.uid = uid
        self.inode = inode
    }
}
