/// The outcome of `courier submit`; its JSON form (``SubmitSummary/json()``) has exactly the documented keys.
public struct SubmitSummary: Sendable, Encodable, Equatable {
    /// One file that was not delivered.
    public struct Failure: Sendable, Encodable, Equatable {
        /// The file's path (`-` for standard input).
        public var path: String
        /// Why: a status with a body excerpt, or the error.
        public var error: String
    }

    /// Files attempted (one per file, whatever the retries).
    public var requests = 0
    /// Files answered with a 2xx status.
    public var succeeded = 0
    /// Files that failed (including paths that could not be sent at all).
    public var failed = 0
    /// Extra attempts: retries by the CLI and re-sends by the library.
    public var retried = 0
    /// Body bytes written, retries included.
    public var bytesSent: Int64 = 0
    /// Connections the client opened.
    public var connectionsOpened = 0
    /// Most connections open at once (sampled).
    public var peakConnections = 0
    /// Most entries of `/proc/self/fd` seen at once (sampled every 10 ms).
    public var peakFDs = 0
    /// Wall time from the first request to the last answer, in seconds.
    public var seconds = 0.0
    /// Every failure, in the order they happened.
    public var failures: [Failure] = []
    /// Files never started because of an interrupt (not in the JSON: it is the total minus `requests`).
    public var notSent = 0
    /// Whether an interrupt stopped the run.
    public var interrupted = false

    enum CodingKeys: String, CodingKey {
        case requests, succeeded, failed, retried
        case bytesSent = "bytes_sent"
        case connectionsOpened = "connections_opened"
        case peakConnections = "peak_connections"
        case peakFDs = "peak_fds"
        case seconds, failures
    }

    public init() {}

    /// The exit status: 0 when every file got a 2xx answer, 130 after an interrupt, 1 otherwise.
    public var exitStatus: Int32 {
        if interrupted { return 130 }
        return failed == 0 && notSent == 0 ? 0 : 1
    }
}
