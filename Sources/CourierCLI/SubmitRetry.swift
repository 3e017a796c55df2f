import Courier

/// Which failed uploads `courier submit` sends again, and after how long.
///
/// A file's body can be replayed and a user of `submit` wants every file delivered, so a request that failed
/// before any byte of a response arrived is sent again on a fresh connection (at-least-once delivery, as curl's
/// `--retry` does): connection refused, reset or closed, and connect timeouts. So are 429 and 503 answers
/// (after their `Retry-After`, capped) and, for idempotent methods only, 502 and 504. Not retried: a failure
/// after the response began, any other status, timeouts while waiting for a response (the server may have
/// acted), and standard input (it cannot be replayed).
public enum SubmitRetry {
    /// How one attempt ended.
    public enum Outcome: Sendable, Equatable {
        /// A response arrived with this status and `Retry-After` value.
        case status(Int, retryAfter: String?)
        /// Courier failed the attempt.
        case error(CourierError)
        /// The per-attempt `--timeout` expired.
        case timedOut
    }

    /// What to do next.
    public enum Decision: Sendable, Equatable {
        /// Send it again after this delay.
        case retry(after: Duration)
        /// Report the outcome.
        case stop
    }

    /// The decision for an attempt.
    ///
    /// - Parameters:
    ///   - retriesMade: Retries already made for this file (0 after the first attempt).
    ///   - maxRetries: `--retries` (default 2); 0 turns every retry of the CLI off.
    ///   - maxRetryWait: `--max-retry-wait` (default 60 s), the longest `Retry-After` honoured.
    ///   - jitter: A number in 0...1 choosing the delay inside the backoff window.
    public static func decide(
        _ outcome: Outcome, idempotent: Bool, replayable: Bool, retriesMade: Int, maxRetries: Int,
        maxRetryWait: Duration, jitter: Double
    ) -> Decision {
        guard replayable, retriesMade < maxRetries else { return .stop }
        let backoff = backoffDelay(retriesMade: retriesMade, jitter: jitter)
        switch outcome {
        case .timedOut:
            return .stop
        case .error(let error):
            return isBeforeResponse(error) ? .retry(after: backoff) : .stop
        case .status(let code, let retryAfter):
            switch code {
            case 429, 503:
                if let retryAfter, let asked = RetryAfter.delay(retryAfter) { return .retry(after: min(asked, maxRetryWait)) }
                return .retry(after: backoff)
            case 502, 504:
                return idempotent ? .retry(after: backoff) : .stop
            default:
                return .stop
            }
        }
    }

    /// Exponential backoff with jitter: 250 ms × 2^retriesMade, at most 8 s, and a delay between half and all
    /// of that chosen by `jitter`.
    public static func backoffDelay(retriesMade: Int, jitter: Double) -> Duration {
        let window = min(8_000, 250 << min(retriesMade, 10))
        let fraction = 0.5 + 0.5 * min(max(jitter, 0), 1)
        return .milliseconds(Int64(Double(window) * fraction))
    }

    /// Failures that happen before any byte of a response arrived.
    static func isBeforeResponse(_ error: CourierError) -> Bool {
        switch error {
        case .connectionRefused, .connectTimeout, .connectFailed, .connectionClosedBeforeResponse:
            return true
        default:
            return false
        }
    }
}
