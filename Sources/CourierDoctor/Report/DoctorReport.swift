/// What `courier doctor` found: the figures of the watch, the verdicts, and what the figures cannot show.
/// ``text()`` renders it for people and ``jsonText()`` for scripts (the same figures).
public struct DoctorReport: Sendable, Equatable, Codable {
    /// The process or command watched.
    public var target: DoctorTarget
    /// How long and how often it was sampled.
    public var watch: WatchSummary
    /// Descriptor figures for each process seen (one for `--pid`; the tree for a command).
    public var processes: [ProcessFigures]
    /// TCP sockets by group, over the watch; sorted by direction, endpoint and state.
    public var groups: [GroupFigures]
    /// Leak verdicts and warnings, each only when its evidence is present.
    public var verdicts: [Verdict]
    /// Observations that are not verdicts (growth too small or too short to judge, …).
    public var notes: [String]
    /// Distinct lines of /proc files that could not be parsed (at most ``MalformedLineLog/capacity``).
    public var malformedLines: [MalformedLine]
    /// How many distinct malformed lines there were in all.
    public var malformedLineCount: Int
    /// What /proc cannot show, and the thresholds used.
    public var finePrint: [String]
    /// The thresholds the verdicts were judged by.
    public var thresholds: DoctorThresholds
    /// `true` when a verdict of severity ``Verdict/Severity/leak`` was given (exit status 3).
    public var leakFound: Bool

    /// A report as given; ``leakFound`` follows from `verdicts`.
    public init(
        target: DoctorTarget, watch: WatchSummary, processes: [ProcessFigures], groups: [GroupFigures],
        verdicts: [Verdict], notes: [String], malformedLines: [MalformedLine], malformedLineCount: Int,
        finePrint: [String], thresholds: DoctorThresholds
    ) {
        self.target = target
        self.watch = watch
        self.processes = processes
        self.groups = groups
        self.verdicts = verdicts
        self.notes = notes
        self.malformedLines = malformedLines
        self.malformedLineCount = malformedLineCount
        self.finePrint = finePrint
        self.thresholds = thresholds
        self.leakFound = verdicts.contains { $0.severity == .leak }
    }
}

/// The process or command a report is about.
public struct DoctorTarget: Sendable, Equatable, Codable {
    /// The process id (for a command, the command's own process).
    public var pid: Int32
    /// The process's name, when it could be read.
    public var name: String?
    /// The command line, for `doctor -- COMMAND`; `nil` for `--pid`.
    public var command: [String]?
    /// The command's exit status (128 + N when killed by signal N); `nil` for `--pid` or a command still running.
    public var exitStatus: Int32?

    /// A target as given.
    public init(pid: Int32, name: String?, command: [String]? = nil, exitStatus: Int32? = nil) {
        self.pid = pid
        self.name = name
        self.command = command
        self.exitStatus = exitStatus
    }
}

/// How a watch went.
public struct WatchSummary: Sendable, Equatable, Codable {
    /// From the first sample to the last, in seconds (0 for a single sample).
    public var durationSeconds: Double
    /// Samples taken.
    public var samples: Int
    /// The interval asked for between samples, in milliseconds.
    public var intervalMilliseconds: Int
    /// Why the watch ended before its time, if it did (`"the process exited"`, `"interrupted"`), else `nil`.
    public var endedEarly: String?

    /// A summary as given.
    public init(durationSeconds: Double, samples: Int, intervalMilliseconds: Int, endedEarly: String? = nil) {
        self.durationSeconds = durationSeconds
        self.samples = samples
        self.intervalMilliseconds = intervalMilliseconds
        self.endedEarly = endedEarly
    }
}

/// One process's descriptors over the watch.
public struct ProcessFigures: Sendable, Equatable, Codable {
    /// The process id.
    public var pid: Int32
    /// Its name.
    public var name: String
    /// Open descriptors over the samples in which the process was seen.
    public var descriptors: SeriesFigures
    /// Its RLIMIT_NOFILE in the last sample it was seen in, `nil` when unreadable.
    public var limits: DescriptorLimits?
    /// Peak descriptors as a fraction of the soft limit (0.8 is 80 %); `nil` when the soft limit is unlimited
    /// or unknown.
    public var peakFractionOfSoftLimit: Double?
    /// Descriptors by kind in the sample with the most descriptors.
    public var kindsAtPeak: DescriptorKindCounts
    /// Samples in which the process was seen.
    public var samples: Int

    /// Figures as given.
    public init(pid: Int32, name: String, descriptors: SeriesFigures, limits: DescriptorLimits?, peakFractionOfSoftLimit: Double?, kindsAtPeak: DescriptorKindCounts, samples: Int) {
        self.pid = pid
        self.name = name
        self.descriptors = descriptors
        self.limits = limits
        self.peakFractionOfSoftLimit = peakFractionOfSoftLimit
        self.kindsAtPeak = kindsAtPeak
        self.samples = samples
    }
}

/// One group of TCP sockets over the watch.
public struct GroupFigures: Sendable, Equatable, Codable {
    /// Direction, endpoint and state.
    public var group: SocketGroupKey
    /// Sockets in the group (0 in samples where there were none).
    public var counts: SeriesFigures

    /// Figures as given.
    public init(group: SocketGroupKey, counts: SeriesFigures) {
        self.group = group
        self.counts = counts
    }
}
