// Test helper for `courier doctor`: a client that talks HTTP/1.1 to a loopback server with plain POSIX sockets,
// correctly or with a connection leak, so that doctor can be pointed at it.
//
// Usage: CourierLeakProbe MODE PORT [SECONDS]
//   serve      the server for the others, on 127.0.0.1:PORT (0: any free port), in its own process so that the
//              test process holds no socket: HTTP/1.1 keep-alive, 16-byte answers with Content-Length, no
//              Connection header; prints "listening PORT", then "accepted" per connection (at most 512).
//   serve-close  the same, but answers `Connection: close` and closes after each response
//   leak       opens a new connection every 100 ms, sends one request on it, reads the answer, never closes it
//              (at most 200 connections)
//   reuse      one connection, a request every 50 ms on it
//   bursty     a pool of at most 16 connections: bursts of 4 to 16 concurrent requests every 200 ms, opening a
//              new connection only when every pooled one is busy
//   closewait  opens 24 connections one after the other (one request each); the server closes them, this
//              process never does, so they sit in CLOSE_WAIT
// The clients print "ready" once their first connection has answered. Every mode exits by itself after SECONDS
// (default 20). Loopback (127.0.0.1) only.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("CourierLeakProbe: \(message)\n".utf8))
    exit(1)
}

// A process started from a Swift concurrency thread inherits its blocked signals; SIGTERM must end this one.
var unblocked = sigset_t()
sigemptyset(&unblocked)
sigprocmask(SIG_SETMASK, &unblocked, nil)

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = UInt16(arguments[2]) else {
    fail("usage: CourierLeakProbe serve|serve-close|leak|reuse|bursty|closewait PORT [SECONDS]")
}
let mode = arguments[1]
let lifetime = arguments.count > 3 ? (Double(arguments[3]) ?? 20) : 20
let started = ContinuousClock.now

/// Seconds since the start.
func elapsed() -> Double {
    let duration = ContinuousClock.now - started
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Connects to 127.0.0.1:port.
func connectToServer() -> Int32 {
    #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { fail("socket: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard result == 0 else { fail("connect: errno \(errno)") }
    // No read waits longer than 5 s: a server that stops answering ends the probe instead of hanging it.
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    return descriptor
}

/// Sends a GET.
func sendRequest(_ descriptor: Int32) {
    let request = Array("GET /bytes/16 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    guard write(descriptor, request, request.count) == request.count else { fail("write: errno \(errno)") }
}

/// Reads one response with a Content-Length body; returns false when the server closed first.
func readResponse(_ descriptor: Int32) -> Bool {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        if let headEnd = received.indices.dropLast(3).first(where: { received[$0...$0 + 3] == [13, 10, 13, 10] }) {
            let head = String(decoding: received[..<headEnd], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.count >= headEnd + 4 + length { return true }
        }
        let count = read(descriptor, &buffer, buffer.count)
        if count <= 0 { return false }
        received += buffer[0..<count]
    }
}

/// One request and its response on `descriptor`.
func exchange(_ descriptor: Int32) {
    sendRequest(descriptor)
    guard readResponse(descriptor) else { fail("the server closed a connection before answering") }
}

/// Answers requests on one accepted connection until the client closes it.
@Sendable func serveConnection(_ descriptor: Int32, closeEach: Bool) {
    var pending: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        guard let headEnd = pending.indices.dropLast(3).first(where: { pending[$0...$0 + 3] == [13, 10, 13, 10] }) else {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            pending += buffer[0..<count]
            if pending.count > 65_536 { break }
            continue
        }
        pending.removeFirst(headEnd + 4)
        let response = Array("HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\(closeEach ? "Connection: close\r\n" : "")\r\n0123456789abcdef".utf8)
        guard write(descriptor, response, response.count) == response.count else { break }
        if closeEach { break }
    }
    close(descriptor)
}

/// Listens on 127.0.0.1:`port` and serves each connection on its own thread, until `lifetime` seconds have passed.
func serve(port: UInt16, closeEach: Bool, lifetime: Double) -> Never {
    #if canImport(Glibc)
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let listener = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(listener, pointer, length) == 0 && listen(listener, 1024) == 0 && getsockname(listener, pointer, &length) == 0
        }
    }
    guard bound else { fail("bind/listen: errno \(errno)") }
    print("listening \(UInt16(bigEndian: address.sin_port))")
    fflush(nil)
    var accepted = 0
    while elapsed() < lifetime {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 100) > 0 else { continue }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { continue }
        accepted += 1
        guard accepted <= 512 else {
            close(connection)
            continue
        }
        print("accepted")
        fflush(nil)
        Thread.detachNewThread { serveConnection(connection, closeEach: closeEach) }
    }
    exit(0)
}

func sleepMilliseconds(_ milliseconds: Int) { usleep(UInt32(milliseconds * 1000)) }

func ready() {
    print("ready")
    fflush(nil)
}

var held: [Int32] = []
switch mode {
case "serve", "serve-close":
    serve(port: port, closeEach: mode == "serve-close", lifetime: lifetime)
case "leak":
    while elapsed() < lifetime {
        if held.count < 200 {
            let descriptor = connectToServer()
            exchange(descriptor)
            held.append(descriptor)
            if held.count == 1 { ready() }
        }
        sleepMilliseconds(100)
    }
case "reuse":
    let descriptor = connectToServer()
    exchange(descriptor)
    ready()
    while elapsed() < lifetime {
        exchange(descriptor)
        sleepMilliseconds(50)
    }
case "bursty":
    var pool: [Int32] = []
    let bursts = [4, 16, 9, 16, 12, 6]
    var round = 0
    while elapsed() < lifetime {
        let size = bursts[round % bursts.count]
        while pool.count < size { pool.append(connectToServer()) }
        // A burst: `size` requests in flight at once, one per pooled connection, then all answers read.
        for descriptor in pool.prefix(size) { sendRequest(descriptor) }
        for descriptor in pool.prefix(size) where !readResponse(descriptor) { fail("the server closed a pooled connection") }
        if round == 0 { ready() }
        round += 1
        sleepMilliseconds(200)
    }
case "closewait":
    for _ in 0..<24 {
        let descriptor = connectToServer()
        exchange(descriptor)
        held.append(descriptor)
        sleepMilliseconds(10)
    }
    ready()
    while elapsed() < lifetime { sleepMilliseconds(100) }
default:
    fail("unknown mode \(mode)")
}
exit(0)
