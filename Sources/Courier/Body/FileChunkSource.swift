import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a regular file (or a byte range of it) in fixed-size reads on NIO's blocking thread pool.
///
/// The file is opened non-blocking so that a FIFO cannot hang `open(2)`, and anything but a regular file is
/// rejected. The length is fixed when the file is opened; a file that shrinks or grows afterwards is detected.
final class FileChunkSource: BodyChunkSource, @unchecked Sendable {
    /// Bytes read per `pread(2)`: 64 KiB.
    static let chunkSize = 64 * 1024

    private let path: [UInt8]
    private let range: Range<Int64>?
    private let allocator = ByteBufferAllocator()
    private var descriptor: CInt = -1
    private var start: Int64 = 0
    private var end: Int64 = 0
    private var offset: Int64 = 0

    /// - Parameter path: The file system's bytes of the path, without a terminating NUL.
    init(path: [UInt8], range: Range<Int64>?) {
        self.path = path
        self.range = range
    }

    override var length: Int64? { end - start }

    override func open() async throws {
        precondition(descriptor < 0, "a file source is opened once")
        let bytes = self.path
        let path = String(decoding: bytes, as: UTF8.self)
        let range = self.range
        let (fd, size) = try await NIOThreadPool.singleton.runIfActive { () throws -> (CInt, Int64) in
            guard !bytes.contains(0) else {
                throw CourierError.bodySourceFailed(reason: "cannot open '\(path)': the path contains a NUL byte")
            }
            let fd = (bytes + [0]).withUnsafeBufferPointer { pointer in
                pointer.withMemoryRebound(to: CChar.self) { systemOpen($0.baseAddress!, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
            }
            guard fd >= 0 else {
                throw CourierError.bodySourceFailed(reason: "cannot open '\(path)': \(errnoText())")
            }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                let text = errnoText()
                _ = systemClose(fd)
                throw CourierError.bodySourceFailed(reason: "cannot stat '\(path)': \(text)")
            }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                _ = systemClose(fd)
                throw CourierError.bodySourceFailed(reason: "'\(path)' is not a regular file")
            }
            return (fd, Int64(info.st_size))
        }
        self.descriptor = fd
        if let range {
            guard range.lowerBound >= 0, range.upperBound <= size else {
                throw CourierError.bodySourceFailed(
                    reason: "range \(range.lowerBound)..<\(range.upperBound) lies outside '\(path)' (\(size) bytes)")
            }
            self.start = range.lowerBound
            self.end = range.upperBound
        } else {
            self.start = 0
            self.end = size
        }
        self.offset = self.start
    }

    override func next() async throws -> ByteBuffer? {
        let fd = self.descriptor
        let offset = self.offset
        let expected = end - start
        if offset >= end {
            // Only an empty whole-file body gets here before its last read: it must still be empty.
            if range == nil, expected == 0 {
                let extra = try await NIOThreadPool.singleton.runIfActive { () throws -> Int in
                    var byte: UInt8 = 0
                    return try Self.pread(fd, &byte, 1, offset)
                }
                if extra > 0 { throw CourierError.bodyLengthMismatch(expected: expected, actual: expected + 1) }
            }
            return nil
        }
        let count = Int(min(Int64(Self.chunkSize), end - offset))
        // The last read of a whole-file body asks for one byte more than declared: a file that grew is caught
        // before its last chunk leaves, so the server never sees a body it could take for complete.
        let probesGrowth = range == nil && offset + Int64(count) == end
        let wanted = probesGrowth ? count + 1 : count
        let empty = allocator.buffer(capacity: wanted)
        let read = try await NIOThreadPool.singleton.runIfActive { () throws -> (ByteBuffer, Int) in
            var buffer = empty
            let n = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer in
                try Self.pread(fd, pointer.baseAddress!, wanted, offset)
            }
            return (buffer, n)
        }
        if read.1 == 0 {
            throw CourierError.bodyLengthMismatch(expected: expected, actual: offset - start)
        }
        if read.1 > count {
            throw CourierError.bodyLengthMismatch(expected: expected, actual: expected + 1)
        }
        self.offset += Int64(read.1)
        return read.0
    }

    override func close() {
        if descriptor >= 0 {
            _ = systemClose(descriptor)
            descriptor = -1
        }
    }

    deinit {
        close()
    }

    private static func pread(_ fd: CInt, _ pointer: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64) throws -> Int {
        while true {
            #if canImport(Darwin)
            let n = Darwin.pread(fd, pointer, count, off_t(offset))
            #elseif canImport(Musl)
            let n = Musl.pread(fd, pointer, count, off_t(offset))
            #else
            let n = Glibc.pread(fd, pointer, count, off_t(offset))
            #endif
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw CourierError.bodySourceFailed(reason: "reading the file failed: \(errnoText())")
        }
    }
}

private func errnoText() -> String {
    String(cString: strerror(errno))
}

private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: CInt) -> CInt {
    #if canImport(Darwin)
    return Darwin.open(path, flags)
    #elseif canImport(Musl)
    return Musl.open(path, flags)
    #else
    return Glibc.open(path, flags)
    #endif
}

private func systemClose(_ fd: CInt) -> CInt {
    #if canImport(Darwin)
    return Darwin.close(fd)
    #elseif canImport(Musl)
    return Musl.close(fd)
    #else
    return Glibc.close(fd)
    #endif
}
