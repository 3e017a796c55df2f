import NIOCore

/// One attempt's body: in memory, or a source to stream (a file opened anew for every attempt).
struct PreparedBody {
    var inline: ByteBuffer?
    var source: BodyChunkSource?
    /// The body's own length when known (a file's is taken when it is opened).
    var declaredLength: Int64?

    /// `request`'s body when preparing it needs no I/O (none, bytes or a stream; `stream` is the request's one
    /// stream source); `nil` for a file, which ``make(_:stream:)`` opens. Synchronous, so that a request with its
    /// body in memory makes no async call for it.
    static func withoutIO(_ request: Request, stream: BodyChunkSource?) -> PreparedBody? {
        switch request.body?.storage {
        case .none:
            return PreparedBody()
        case .bytes(let buffer):
            return PreparedBody(inline: buffer, declaredLength: Int64(buffer.readableBytes))
        case .stream(let length, _):
            return PreparedBody(source: stream, declaredLength: length)
        case .file:
            return nil
        }
    }

    /// Prepares `request`'s body, opening a file body; `stream` is the request's one stream source, if any.
    static func make(_ request: Request, stream: BodyChunkSource?) async throws -> PreparedBody {
        if let body = withoutIO(request, stream: stream) { return body }
        switch request.body?.storage {
        case .none, .bytes, .stream:
            preconditionFailure("prepared without I/O above")
        case .file(let path, let range):
            let file = FileChunkSource(path: path, range: range)
            do {
                try await file.open()
            } catch {
                file.close()
                throw error
            }
            return PreparedBody(source: file, declaredLength: file.length)
        }
    }
}
