/// A count followed over the watch: at the start, at the end, at its peak, and its rate of change.
public struct SeriesFigures: Sendable, Equatable, Codable {
    /// The count in the first sample.
    public var start: Int
    /// The count in the last sample.
    public var end: Int
    /// The largest count in any sample.
    public var peak: Int
    /// (end − start) per minute of watch, or `nil` for a single sample.
    public var perMinute: Double?

    /// Figures as given.
    public init(start: Int, end: Int, peak: Int, perMinute: Double?) {
        self.start = start
        self.end = end
        self.peak = peak
        self.perMinute = perMinute
    }

    /// Figures of a series of counts over a watch of `durationMilliseconds`; an empty series gives zeros.
    public init(counts: [Int], durationMilliseconds: Int) {
        let start = counts.first ?? 0
        let end = counts.last ?? 0
        let perMinute = durationMilliseconds > 0 ? Double(end - start) * 60_000 / Double(durationMilliseconds) : nil
        self.init(start: start, end: end, peak: counts.max() ?? 0, perMinute: perMinute)
    }
}
