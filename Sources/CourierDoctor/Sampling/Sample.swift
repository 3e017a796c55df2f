/// Everything read in one sample: each process of the target, at one instant.
public struct Sample: Sendable, Equatable {
    /// When it was taken, in milliseconds since the first sample of the watch.
    public var elapsedMilliseconds: Int
    /// The processes read (one for `--pid`; the process tree for a command).
    public var processes: [ProcessSample]
    /// Lines of the processes' /proc files that could not be parsed.
    public var malformed: [MalformedLine]

    /// A sample as given.
    public init(elapsedMilliseconds: Int, processes: [ProcessSample], malformed: [MalformedLine] = []) {
        self.elapsedMilliseconds = elapsedMilliseconds
        self.processes = processes
        self.malformed = malformed
    }
}
