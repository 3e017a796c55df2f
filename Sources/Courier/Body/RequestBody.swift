import NIOCore

/// The body of a request: bytes in memory, a file streamed from disk, or an async sequence of buffers.
///
/// A body with a known length is sent with `Content-Length`; a stream of unknown length is sent chunked.
public struct RequestBody: Sendable {
    enum Storage: Sendable {
        case bytes(ByteBuffer)
        case file(path: [UInt8], range: Range<Int64>?)
        case stream(length: Int64?, makeSource: @Sendable () -> BodyChunkSource)
    }

    let storage: Storage

    /// A body held in memory; sent with `Content-Length`.
    public static func bytes(_ buffer: ByteBuffer) -> RequestBody {
        RequestBody(storage: .bytes(buffer))
    }

    /// A body held in memory; sent with `Content-Length`.
    public static func bytes<Bytes: Sequence & Sendable>(_ bytes: Bytes) -> RequestBody where Bytes.Element == UInt8 {
        RequestBody(storage: .bytes(ByteBuffer(bytes: bytes)))
    }

    /// The UTF-8 bytes of `string`; sent with `Content-Length`.
    public static func string(_ string: String) -> RequestBody {
        RequestBody(storage: .bytes(ByteBuffer(string: string)))
    }

    /// A regular file streamed from disk in 64 KiB reads with backpressure; it is never loaded whole.
    ///
    /// - Parameters:
    ///   - path: The file's path. It must be a regular file (a FIFO, socket or directory is rejected).
    ///   - range: The byte range to send, in bytes from the start of the file; `nil` (default) sends it all.
    ///
    /// The length is taken when the request starts. If the file then has fewer or more bytes than that, the
    /// request fails with ``CourierError/bodyLengthMismatch(expected:actual:)`` and its connection is closed.
    public static func file(_ path: String, range: Range<Int64>? = nil) -> RequestBody {
        RequestBody(storage: .file(path: Array(path.utf8), range: range))
    }

    /// Like ``file(_:range:)``, for a path given as the raw bytes the file system uses (without a terminating
    /// NUL), so that names that are not valid UTF-8 can be sent too. Messages show such bytes as U+FFFD.
    public static func file(rawPath: [UInt8], range: Range<Int64>? = nil) -> RequestBody {
        RequestBody(storage: .file(path: rawPath, range: range))
    }

    /// A body produced by an async sequence of buffers.
    ///
    /// - Parameters:
    ///   - sequence: Iterated once per request: a retry on another connection sends it again only when no buffer
    ///     of it had been taken yet, so a sequence is never replayed. Empty buffers are skipped.
    ///   - length: The total length in bytes, sent as `Content-Length`; `nil` (default) sends chunked. If the
    ///     sequence yields a different number of bytes, the request fails with
    ///     ``CourierError/bodyLengthMismatch(expected:actual:)``.
    public static func stream<Chunks: AsyncSequence & Sendable>(_ sequence: Chunks, length: Int64? = nil) -> RequestBody
    where Chunks.Element == ByteBuffer {
        RequestBody(storage: .stream(length: length, makeSource: { AsyncSequenceChunkSource(sequence) }))
    }

    /// The length in bytes when known before sending; `nil` for streams of unknown length and for files
    /// (whose length is read when the request starts).
    var knownLength: Int64? {
        switch storage {
        case .bytes(let buffer): return Int64(buffer.readableBytes)
        case .file(_, let range): return range.map { $0.upperBound - $0.lowerBound }
        case .stream(let length, _): return length
        }
    }
}

/// Produces the chunks of a request body.
///
/// `@unchecked Sendable` because it is handed from the task that opens it to the task that writes the body;
/// it is used by one task at a time, never concurrently.
class BodyChunkSource: @unchecked Sendable {
    /// Whether `next()` was ever called (a stream that was read cannot be replayed).
    final var wasPulled = false
    /// The length in bytes when it is known, available after `open()`.
    var length: Int64? { nil }
    /// Prepares the source (opens a file); throws ``CourierError`` when that fails.
    func open() async throws {}
    /// The next chunk, or `nil` at the end.
    func next() async throws -> ByteBuffer? { nil }
    /// Releases what `open()` acquired. Called exactly once, also after a failure.
    func close() {}
}

final class AsyncSequenceChunkSource<Chunks: AsyncSequence>: BodyChunkSource, @unchecked Sendable where Chunks.Element == ByteBuffer {
    private var iterator: Chunks.AsyncIterator

    init(_ sequence: Chunks) {
        self.iterator = sequence.makeAsyncIterator()
    }

    override func next() async throws -> ByteBuffer? {
        wasPulled = true
        while true {
            do {
                guard let chunk = try await iterator.next() else { return nil }
                if chunk.readableBytes > 0 { return chunk }
            } catch let error as CourierError {
                throw error
            } catch {
                throw CourierError.bodySourceFailed(reason: "the body sequence threw: \(error)")
            }
        }
    }
}
