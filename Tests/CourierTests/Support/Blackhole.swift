import Foundation

/// A loopback listener that never completes a handshake: it listens with a backlog of 0 and its accept queue is
/// filled at once by sockets that are never accepted, so the kernel drops every further SYN and a connect to it
/// neither succeeds nor fails until its timeout. Loopback only; nothing leaves the machine.
final class Blackhole {
    let port: Int
    private var descriptors: [CInt] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EMFILE) }
        descriptors.append(listener)
        var any = Loopback.address()
        guard Loopback.withSockaddr(&any, { bind(listener, $0, $1) }) == 0, listen(listener, 0) == 0 else {
            throw POSIXError(.EADDRINUSE)
        }
        port = Loopback.boundPort(listener)
        var address = Loopback.address(port: port)
        // Fill the accept queue (backlog 0 admits one) and leave a SYN pending: later SYNs are dropped.
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            descriptors.append(filler)
            _ = Loopback.withSockaddr(&address) { connect(filler, $0, $1) }
        }
        usleep(200_000)
    }

    deinit {
        for fd in descriptors { close(fd) }
    }
}
