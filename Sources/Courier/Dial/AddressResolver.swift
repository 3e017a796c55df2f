import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host into the addresses a dial tries, in the order it tries them (``AddressOrder``).
///
/// An IP literal is used as is. Otherwise the configured resolver (a test seam) answers, or `getaddrinfo(3)` on
/// NIO's blocking thread pool, so that resolution never blocks an event loop and Courier, not NIO, decides how
/// many sockets a dial opens at once.
struct AddressResolver: Sendable {
    let resolverFactory: (@Sendable (EventLoop) -> Resolver & Sendable)?

    func resolve(host: String, port: Int, on eventLoop: EventLoop) -> EventLoopFuture<[SocketAddress]> {
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            return eventLoop.makeSucceededFuture([literal])
        }
        if let resolverFactory {
            let resolver = resolverFactory(eventLoop)
            let v6 = resolver.initiateAAAAQuery(host: host, port: port).flatMapErrorThrowing { _ in [] }
            let v4 = resolver.initiateAQuery(host: host, port: port).flatMapErrorThrowing { _ in [] }
            return v6.and(v4).flatMapThrowing { v6, v4 in
                let addresses = AddressOrder.combined(v6: v6, v4: v4)
                if addresses.isEmpty { throw CourierError.hostNotFound(host: host) }
                return addresses
            }
        }
        return NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            AddressOrder.interleaved(try Self.getaddrinfo(host: host, port: port))
        }
    }

    /// Every TCP address of `host` in the system's order (RFC 6724 sorting by the C library).
    static func getaddrinfo(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc) || canImport(Musl)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = systemGetaddrinfo(host, String(port), &hints, &list)
        let savedErrno = errno
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0 else {
            if status == EAI_SYSTEM, savedErrno == EMFILE || savedErrno == ENFILE {
                throw CourierError.outOfDescriptors(limit: ConnectionBudget.currentSoftLimit(), held: 0)
            }
            if status == EAI_NONAME || status == EAI_FAIL {
                throw CourierError.hostNotFound(host: host)
            }
            throw CourierError.connectFailed(
                host: host, port: port, reason: "resolving the name failed: \(String(cString: gai_strerror(status)))")
        }
        var addresses: [SocketAddress] = []
        var entry = list
        while let current = entry {
            defer { entry = current.pointee.ai_next }
            guard let raw = current.pointee.ai_addr else { continue }
            switch Int32(raw.pointee.sa_family) {
            case AF_INET:
                let address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                addresses.append(SocketAddress(address, host: host))
            case AF_INET6:
                let address = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                addresses.append(SocketAddress(address, host: host))
            default:
                continue
            }
        }
        if addresses.isEmpty { throw CourierError.hostNotFound(host: host) }
        return addresses
    }
}

private func systemGetaddrinfo(
    _ host: String, _ service: String, _ hints: UnsafePointer<addrinfo>, _ result: UnsafeMutablePointer<UnsafeMutablePointer<addrinfo>?>
) -> Int32 {
    getaddrinfo(host, service, hints, result)
}
