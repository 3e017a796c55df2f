import NIOCore

/// Body buffers held for the caller, in order, without an array for the usual case of none or one (a response
/// whose body came with its head in one read); an array only from the second buffer on.
struct BodyChunks: RandomAccessCollection, Sendable {
    private enum Storage: Sendable {
        case none
        case one(ByteBuffer)
        case many([ByteBuffer])
    }

    private var storage = Storage.none

    /// No buffers.
    init() {}

    var startIndex: Int { 0 }

    var endIndex: Int {
        switch storage {
        case .none: return 0
        case .one: return 1
        case .many(let buffers): return buffers.count
        }
    }

    subscript(position: Int) -> ByteBuffer {
        switch storage {
        case .none: preconditionFailure("BodyChunks index \(position) out of range (empty)")
        case .one(let buffer):
            precondition(position == 0, "BodyChunks index \(position) out of range (one buffer)")
            return buffer
        case .many(let buffers): return buffers[position]
        }
    }

    /// Adds `buffer` after the others.
    mutating func append(_ buffer: ByteBuffer) {
        switch storage {
        case .none: storage = .one(buffer)
        case .one(let first): storage = .many([first, buffer])
        case .many(var buffers):
            storage = .none  // the array stays uniquely referenced: appended in place
            buffers.append(buffer)
            storage = .many(buffers)
        }
    }
}
