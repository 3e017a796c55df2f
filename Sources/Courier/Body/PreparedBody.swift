import NIOCore

/// One attempt's body: in memory, or a source to stream (a file opened anew for every attempt).
struct PreparedBody {
    var inline: ByteBuffer?
    var source: BodyChunkSource?
    /// The body's own length when known (a file's is taken when it is opened).
    var declaredLength: Int64?

    /// Prepares `request`'s body; `stream` is the request's one stream source, if its body is a stream.
    static func make(_ request: Request, stream: BodyChunkSource?) async throws -> PreparedBody {
        switch request.body?.storage {
        case .none:
            return PreparedBody()
        case .bytes(let buffer):
            return PreparedBody(inline: buffer, declaredLength: Int64(buffer.readableBytes))
        case .file(let path, let range):
            let file = FileChunkSource(path: path, range: range)
            do {
                try await file.open()
            } catch {
                file.close()
                throw error
            }
            return PreparedBody(source: file, declaredLength: file.length)
        case .stream(let length, _):
            return PreparedBody(source: stream, declaredLength: length)
        }
    }
}
