import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard input as an async sequence of buffers of up to 64 KiB, read on NIO's blocking thread pool.
///
/// Iterated once: standard input cannot be replayed.
public struct StandardInputChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    /// Reads from descriptor `descriptor` (default 0).
    public init(descriptor: CInt = 0) {
        self.descriptor = descriptor
    }

    private let descriptor: CInt

    public struct AsyncIterator: AsyncIteratorProtocol {
        let descriptor: CInt
        var ended = false

        public mutating func next() async throws -> ByteBuffer? {
            guard !ended else { return nil }
            let fd = descriptor
            let buffer = try await NIOThreadPool.singleton.runIfActive { () throws -> ByteBuffer in
                var buffer = ByteBufferAllocator().buffer(capacity: 64 * 1024)
                while true {
                    var result = 0
                    var failure: CInt = 0
                    buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 64 * 1024) { pointer in
                        result = read(fd, pointer.baseAddress!, pointer.count)
                        failure = errno
                        return Swift.max(0, result)
                    }
                    if result >= 0 { return buffer }
                    if failure != EINTR {
                        throw StandardInputError(description: "reading standard input failed: \(String(cString: strerror(failure)))")
                    }
                }
            }
            if buffer.readableBytes == 0 {
                ended = true
                return nil
            }
            return buffer
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(descriptor: descriptor)
    }
}

/// Reading standard input failed.
public struct StandardInputError: Error, CustomStringConvertible {
    /// What failed and the system's reason.
    public let description: String
}
