import HTTPTypes
import Testing

@testable import Courier

@Suite struct RetryDecisionTests {
    typealias Attempt = RetryDecision.Attempt

    static func attempt(
        _ failure: RetryDecision.Failure = .connectionLost, reused: Bool = true, written: Bool = true,
        received: Bool = false, idempotent: Bool = false, key: Bool = false, replayable: Bool = true,
        policy: RetryPolicy = .safe
    ) -> Attempt {
        Attempt(
            failure: failure, connectionReused: reused, requestBytesWritten: written, responseBytesReceived: received,
            idempotentMethod: idempotent, hasIdempotencyKey: key, bodyReplayable: replayable, policy: policy)
    }

    /// (attempt, retried?, why) — the table the library, the CLI and the docs follow.
    static let table: [(Attempt, Bool, String)] = [
        (attempt(written: false, policy: .never), true, "nothing written: the server saw nothing"),
        (attempt(reused: false, written: false, policy: .never), true, "nothing written, fresh connection"),
        (attempt(written: false, replayable: false, policy: .never), true, "nothing written, unreplayable body untouched"),
        (attempt(idempotent: true), true, "stale keep-alive connection, idempotent, replayable"),
        (attempt(key: true), true, "stale, POST with Idempotency-Key"),
        (attempt(), false, "stale, POST without key under .safe"),
        (attempt(policy: .replayable), true, "stale, POST under .replayable (at-least-once)"),
        (attempt(idempotent: true, policy: .never), false, ".never refuses written requests"),
        (attempt(idempotent: true, replayable: false), false, "body cannot be replayed"),
        (attempt(replayable: false, policy: .replayable), false, "body cannot be replayed, even under .replayable"),
        (attempt(reused: false, idempotent: true), false, "fresh connection: not a stale-connection failure"),
        (attempt(reused: false, policy: .replayable), false, "fresh connection under .replayable"),
        (attempt(received: true, idempotent: true), false, "a response began"),
        (attempt(received: true, policy: .replayable), false, "a response began, .replayable"),
        (attempt(.other, idempotent: true), false, "timeouts and malformed responses are not retried"),
        (attempt(.other, written: false), false, "not a lost connection"),
    ]

    @Test(arguments: table.indices)
    func retryTable(row: Int) {
        let (attempt, expected, why) = Self.table[row]
        #expect(RetryDecision.shouldRetry(attempt) == expected, "\(why)")
    }

    @Test func idempotentMethods() {
        #expect(RetryDecision.isIdempotent(.get))
        #expect(RetryDecision.isIdempotent(.put))
        #expect(RetryDecision.isIdempotent(.delete))
        #expect(RetryDecision.isIdempotent(.head))
        #expect(!RetryDecision.isIdempotent(.post))
        #expect(!RetryDecision.isIdempotent(.patch))
        #expect(!RetryDecision.isIdempotent(.connect))
        #expect(RetryDecision.isIdempotent(.options))
        #expect(RetryDecision.isIdempotent(.trace))
        // Methods are case-sensitive (RFC 9110 §9.1), and same-length or same-initial methods are not confused.
        for name in ["get", "Get", "GEt", "PUSH", "PUTS", "POT", "HEAP", "DELETED", "DELETX", "OPTIONX", "TRACK", "G"] {
            #expect(!RetryDecision.isIdempotent(HTTPRequest.Method(name)!), "\(name)")
        }
    }
}
