/// A server's `Keep-Alive: timeout=N, max=M` response header (RFC 2068 §19.7.1, still sent by Apache and
/// others), parsed leniently: parameter names are case-insensitive, spaces and quotes are tolerated, unknown
/// parameters and values that are not non-negative integers are ignored, and the first valid value of each
/// parameter wins.
public struct KeepAliveHints: Sendable, Equatable {
    /// Seconds the server keeps an idle connection open; `nil` when not announced.
    public var timeoutSeconds: Int?
    /// Further requests the server will accept on this connection; `nil` when not announced.
    public var maxRequests: Int?

    /// Hints with the given values.
    public init(timeoutSeconds: Int? = nil, maxRequests: Int? = nil) {
        self.timeoutSeconds = timeoutSeconds
        self.maxRequests = maxRequests
    }

    /// Whether any hint was announced.
    var isEmpty: Bool { timeoutSeconds == nil && maxRequests == nil }

    /// Parses every value of the `Keep-Alive` header.
    init<Values: Sequence>(headerValues: Values) where Values.Element == String {
        self.init()
        for value in headerValues {
            for parameter in value.split(separator: ",") {
                let parts = parameter.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingHTTPWhitespace()
                var text = parts[1].trimmingHTTPWhitespace()
                if text.count >= 2, text.first == "\"", text.last == "\"" { text = text.dropFirst().dropLast() }
                // Digits only, and at most 9 of them: larger values mean "no practical limit".
                guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { continue }
                let number = text.count > 9 ? 999_999_999 : Int(text)!
                if name.equalsIgnoringASCIICase("timeout") {
                    if timeoutSeconds == nil { timeoutSeconds = number }
                } else if name.equalsIgnoringASCIICase("max") {
                    if maxRequests == nil { maxRequests = number }
                }
            }
        }
    }

    /// How long Courier keeps such a connection idle: the server's timeout minus a safety margin of a quarter
    /// of it, at most 1 s (so `timeout=1` gives 750 ms, `timeout=5` gives 4 s), never longer than `poolIdleTimeout`.
    /// `timeout=0` means the server will not keep it: zero. Without a timeout hint, `poolIdleTimeout`.
    func idleTimeout(poolIdleTimeout: Duration) -> Duration {
        guard let timeoutSeconds else { return poolIdleTimeout }
        let announced = Duration.seconds(timeoutSeconds)
        let margin = min(Duration.seconds(1), announced / 4)
        return min(poolIdleTimeout, announced - margin)
    }
}
