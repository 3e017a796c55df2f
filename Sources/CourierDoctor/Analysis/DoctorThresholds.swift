/// The thresholds behind doctor's verdicts. The defaults are chosen so that a busy but pooled client (bursts of
/// up to 16 connections per endpoint, then reuse) gets no verdict, while a client that opens connections and
/// never closes them gets one within a few seconds of watching.
public struct DoctorThresholds: Sendable, Equatable, Codable {
    /// How many sockets to one endpoint a healthy connection pool may hold. A growth or CLOSE_WAIT verdict needs
    /// more than this many in one group. Default 16 (above Courier's default of 8 per host and urllib3's 10).
    public var poolAllowance: Int = 16
    /// The least net growth (count at the end minus count at the start) of an outbound ESTABLISHED group for a
    /// growth verdict, in sockets. Default 8.
    public var minimumGrowth: Int = 8
    /// In how many of the four quarters of the watch the group must have grown, the last quarter included, for
    /// the growth to count as steady rather than one burst. Default 3.
    public var risingQuarters: Int = 3
    /// The shortest watch over which growth is judged, in milliseconds. Default 2,000.
    public var minimumWindowMilliseconds: Int = 2_000
    /// The fewest samples over which growth is judged. Default 5.
    public var minimumSamples: Int = 5
    /// How long a socket must have been in CLOSE_WAIT to count as lingering, in milliseconds. Default 1,000.
    /// A healthy client closes its side within milliseconds of the peer's FIN. Watches shorter than this count
    /// every CLOSE_WAIT socket.
    public var closeWaitMinimumAgeMilliseconds: Int = 1_000
    /// The fraction of the soft RLIMIT_NOFILE above which descriptor use is a warning. Default 0.8 (80 %).
    public var descriptorWarningFraction: Double = 0.8

    /// The defaults.
    public init() {}
}
