/// A conclusion drawn from the samples, in plain words: what was seen, what it means, what usually causes it.
public struct Verdict: Sendable, Equatable, Codable {
    /// Which pattern was found.
    public enum Kind: String, Sendable, Equatable, Codable {
        /// Outbound ESTABLISHED sockets to one endpoint grew steadily (a leak).
        case connectionGrowth
        /// Many sockets lingered in CLOSE_WAIT (a leak).
        case closeWait
        /// A process's descriptors are above the warning fraction of its soft limit (a warning).
        case descriptorsNearLimit
    }

    /// How serious it is.
    public enum Severity: String, Sendable, Equatable, Codable {
        /// Descriptors are leaking; doctor exits with status 3.
        case leak
        /// Worth attention; does not change the exit status.
        case warning
    }

    /// The pattern.
    public var kind: Kind
    /// Leak or warning.
    public var severity: Severity
    /// The group the verdict is about (growth and CLOSE_WAIT), else `nil`.
    public var group: SocketGroupKey?
    /// The process the verdict is about (descriptor warnings), else `nil`.
    public var pid: Int32?
    /// What was seen, with its figures, in one sentence.
    public var finding: String
    /// What the pattern means.
    public var meaning: String
    /// What usually causes it, most common first.
    public var usualCauses: [String]

    /// A verdict as given.
    public init(kind: Kind, severity: Severity, group: SocketGroupKey? = nil, pid: Int32? = nil, finding: String, meaning: String, usualCauses: [String]) {
        self.kind = kind
        self.severity = severity
        self.group = group
        self.pid = pid
        self.finding = finding
        self.meaning = meaning
        self.usualCauses = usualCauses
    }
}
