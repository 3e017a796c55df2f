import HTTPTypes

/// Which requests Courier sends again, on another connection, after the connection they were sent on failed.
///
/// Whatever the policy, a request is never re-sent once any byte of a response arrived, after a timeout, or when
/// its body cannot be replayed (a stream that was already read). The full table is ``RetryDecision``.
public enum RetryPolicy: Sendable, Equatable {
    /// Re-send only requests none of whose bytes were written (the server saw nothing; always safe).
    case never
    /// Default. Also re-send a request whose reused keep-alive connection turned out to be closed by the server
    /// (closed or reset before any response byte) when its method is idempotent (GET, HEAD, OPTIONS, TRACE, PUT,
    /// DELETE) or it carries an `Idempotency-Key` header, and its body is replayable.
    case safe
    /// Like ``safe``, and also for non-idempotent methods such as POST: at-least-once delivery, since a server
    /// may have processed a request and dropped the connection before answering.
    case replayable
}

/// The one table that decides whether a failed attempt is sent again (DESIGN.md invariant 5).
enum RetryDecision {
    /// How an attempt failed.
    enum Failure: Equatable {
        /// The connection closed or was reset before any byte of a response arrived.
        case connectionLost
        /// A timeout, a malformed response, a body source failure, or anything else.
        case other
    }

    /// The facts about one failed attempt.
    struct Attempt: Equatable {
        var failure: Failure
        /// The connection had carried an earlier request (it was taken from the pool).
        var connectionReused: Bool
        /// Some byte of this request was handed to the connection.
        var requestBytesWritten: Bool
        /// Some byte of a response arrived.
        var responseBytesReceived: Bool
        /// GET, HEAD, OPTIONS, TRACE, PUT or DELETE (RFC 9110 §9.2.2).
        var idempotentMethod: Bool
        /// The request carries an `Idempotency-Key` header.
        var hasIdempotencyKey: Bool
        /// The body can be sent again (none, bytes, a file, or a stream not yet read).
        var bodyReplayable: Bool
        var policy: RetryPolicy
    }

    /// Re-sends at most this many times per request, not counting attempts on pooled connections that turned out
    /// dead before any byte was written (each removes one dead connection, so they are bounded by the pool).
    static let maxRetries = 3

    static func shouldRetry(_ attempt: Attempt) -> Bool {
        guard attempt.failure == .connectionLost, !attempt.responseBytesReceived else { return false }
        // The server saw nothing of it: always safe, under every policy.
        if !attempt.requestBytesWritten { return true }
        // Written to a fresh connection that then failed: the server may have acted; the caller decides.
        guard attempt.connectionReused, attempt.bodyReplayable else { return false }
        switch attempt.policy {
        case .never: return false
        case .safe: return attempt.idempotentMethod || attempt.hasIdempotencyKey
        case .replayable: return true
        }
    }

    /// Whether `method` is idempotent (RFC 9110 §9.2.2).
    static func isIdempotent(_ method: HTTPRequest.Method) -> Bool {
        // Length and first byte first: comparing two different strings takes the standard library's slow path.
        let name = method.rawValue
        let utf8 = name.utf8
        switch (utf8.count, utf8.first) {
        case (3, UInt8(ascii: "G")?): return name == "GET"
        case (4, UInt8(ascii: "H")?): return name == "HEAD"
        case (7, UInt8(ascii: "O")?): return name == "OPTIONS"
        case (5, UInt8(ascii: "T")?): return name == "TRACE"
        case (3, UInt8(ascii: "P")?): return name == "PUT"
        case (6, UInt8(ascii: "D")?): return name == "DELETE"
        default: return false
        }
    }
}
