/// Collects the distinct malformed lines seen over a watch (the same bad line read in every sample is kept once).
public struct MalformedLineLog: Sendable, Equatable {
    /// The most lines kept; more are only counted. 20.
    public static let capacity = 20
    /// The first ``capacity`` distinct lines, in the order seen.
    public private(set) var lines: [MalformedLine] = []
    /// Distinct lines seen in all (past 1,000 distinct lines, further lines are counted without checking).
    public private(set) var distinctCount = 0
    private var seen: Set<MalformedLine> = []

    /// An empty log.
    public init() {}

    /// Adds lines, ignoring ones already seen (by file, line text and reason; the line number may move).
    public mutating func add(_ newLines: [MalformedLine]) {
        for line in newLines {
            var key = line
            key.lineNumber = 0
            if seen.count < 1_000 {
                guard seen.insert(key).inserted else { continue }
            }
            distinctCount += 1
            if lines.count < Self.capacity { lines.append(line) }
        }
    }
}
