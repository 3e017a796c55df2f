import Courier
import CourierCLI
import Foundation
import Testing

/// The CLI's retry table: what is sent again, and after how long.
@Suite struct SubmitRetryTests {
    static let backoff = SubmitRetry.backoffDelay(retriesMade: 0, jitter: 0)

    @Test(arguments: [
        // Failures before any response byte: retried for every method.
        (SubmitRetry.Outcome.error(.connectionRefused(host: "h", port: 1)), false, SubmitRetry.Decision.retry(after: backoff)),
        (.error(.connectTimeout(host: "h", port: 1, timeout: .seconds(1))), false, .retry(after: backoff)),
        (.error(.connectFailed(host: "h", port: 1, reason: "x")), false, .retry(after: backoff)),
        (.error(.connectionClosedBeforeResponse(reason: "reset")), false, .retry(after: backoff)),
        // After the response began, timeouts, local problems: never.
        (.error(.connectionClosedDuringBody(reason: "x")), true, .stop),
        (.error(.stalled(timeout: .seconds(60))), true, .stop),
        (.error(.malformedResponse(reason: "x")), true, .stop),
        (.error(.bodyLengthMismatch(expected: 1, actual: 2)), true, .stop),
        (.error(.bodySourceFailed(reason: "x")), true, .stop),
        (.error(.outOfDescriptors(limit: 64, held: 3)), true, .stop),
        (.error(.cancelled), true, .stop),
        (.timedOut, true, .stop),
        // Statuses.
        (.status(503, retryAfter: nil), false, .retry(after: backoff)),
        (.status(429, retryAfter: "2"), false, .retry(after: .seconds(2))),
        (.status(503, retryAfter: "3600"), false, .retry(after: .seconds(60))),
        (.status(503, retryAfter: "soon"), false, .retry(after: backoff)),
        (.status(502, retryAfter: nil), true, .retry(after: backoff)),
        (.status(504, retryAfter: nil), true, .retry(after: backoff)),
        (.status(502, retryAfter: nil), false, .stop),
        (.status(504, retryAfter: nil), false, .stop),
        (.status(500, retryAfter: nil), true, .stop),
        (.status(404, retryAfter: nil), true, .stop),
        (.status(413, retryAfter: nil), true, .stop),
    ] as [(SubmitRetry.Outcome, Bool, SubmitRetry.Decision)])
    func theTable(outcome: SubmitRetry.Outcome, idempotent: Bool, expected: SubmitRetry.Decision) {
        let decision = SubmitRetry.decide(
            outcome, idempotent: idempotent, replayable: true, retriesMade: 0, maxRetries: 2, maxRetryWait: .seconds(60),
            jitter: 0)
        #expect(decision == expected)
    }

    @Test func theLimitAndStandardInputStopEverything() {
        let refused = SubmitRetry.Outcome.error(.connectionRefused(host: "h", port: 1))
        #expect(SubmitRetry.decide(refused, idempotent: true, replayable: true, retriesMade: 2, maxRetries: 2, maxRetryWait: .seconds(60), jitter: 0) == .stop)
        #expect(SubmitRetry.decide(refused, idempotent: true, replayable: true, retriesMade: 0, maxRetries: 0, maxRetryWait: .seconds(60), jitter: 0) == .stop)
        #expect(SubmitRetry.decide(refused, idempotent: true, replayable: false, retriesMade: 0, maxRetries: 2, maxRetryWait: .seconds(60), jitter: 0) == .stop)
        #expect(SubmitRetry.decide(.status(503, retryAfter: "1"), idempotent: true, replayable: false, retriesMade: 0, maxRetries: 2, maxRetryWait: .seconds(60), jitter: 0) == .stop)
    }

    @Test func backoffGrowsExponentiallyWithJitterAndACap() {
        #expect(SubmitRetry.backoffDelay(retriesMade: 0, jitter: 0) == .milliseconds(125))
        #expect(SubmitRetry.backoffDelay(retriesMade: 0, jitter: 1) == .milliseconds(250))
        #expect(SubmitRetry.backoffDelay(retriesMade: 2, jitter: 1) == .milliseconds(1_000))
        #expect(SubmitRetry.backoffDelay(retriesMade: 30, jitter: 1) == .milliseconds(8_000))
        #expect(SubmitRetry.backoffDelay(retriesMade: 30, jitter: 0) == .milliseconds(4_000))
    }

    @Test func retryAfterAcceptsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryAfter.delay("120", now: now) == .seconds(120))
        #expect(RetryAfter.delay(" 0 ", now: now) == .zero)
        #expect(RetryAfter.delay("Sun, 06 Nov 1994 08:49:47 GMT", now: now) == .seconds(10))
        #expect(RetryAfter.delay("Sunday, 06-Nov-94 08:49:57 GMT", now: now) == .seconds(20))
        #expect(RetryAfter.delay("Sun Nov  6 08:50:37 1994", now: now) == .seconds(60))
        #expect(RetryAfter.delay("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero)
        #expect(RetryAfter.delay("-5", now: now) == nil)
        #expect(RetryAfter.delay("1.5", now: now) == nil)
        #expect(RetryAfter.delay("", now: now) == nil)
        #expect(RetryAfter.delay("tomorrow", now: now) == nil)
    }
}
