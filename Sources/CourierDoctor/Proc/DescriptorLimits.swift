/// A process's RLIMIT_NOFILE: how many descriptors it may have open, from the `Max open files` row of
/// /proc/PID/limits.
public struct DescriptorLimits: Sendable, Hashable, Codable {
    /// The soft limit: opening a descriptor beyond it fails with EMFILE ("too many open files").
    public var soft: ResourceLimit
    /// The hard limit: the most the process may raise its soft limit to.
    public var hard: ResourceLimit

    /// Limits as given.
    public init(soft: ResourceLimit, hard: ResourceLimit) {
        self.soft = soft
        self.hard = hard
    }

    /// Parses the text of /proc/PID/limits.
    ///
    /// - Returns: The limits, or a ``MalformedLine`` (line 0 when the row is missing) naming what was wrong.
    public static func parse(procLimits text: String, source: String) -> Result<DescriptorLimits, MalformedLineError> {
        let rowName = "Max open files"
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.hasPrefix(rowName) else { continue }
            let fields = line.dropFirst(rowName.count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let soft = limit(fields[0]), let hard = limit(fields[1]) else {
                let malformed = MalformedLine(source: source, lineNumber: offset + 1, text: line, reason: "expected soft and hard limits (numbers or unlimited)")
                return .failure(MalformedLineError(line: malformed))
            }
            return .success(DescriptorLimits(soft: soft, hard: hard))
        }
        let missing = MalformedLine(source: source, lineNumber: 0, text: "", reason: "no \"\(rowName)\" row")
        return .failure(MalformedLineError(line: missing))
    }

    private static func limit(_ field: Substring) -> ResourceLimit? {
        if field == "unlimited" { return .unlimited }
        return Int(field).map(ResourceLimit.finite)
    }
}

/// A parse failure of a whole file, carrying the offending line.
public struct MalformedLineError: Error, Sendable, Equatable {
    /// The line that was wrong (line number 0 when something required was missing).
    public var line: MalformedLine
}
