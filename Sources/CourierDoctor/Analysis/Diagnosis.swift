/// Turns a series of samples into a ``DoctorReport``: figures per process and per socket group, and the verdicts.
/// A pure function of its inputs.
public enum Diagnosis {
    /// What the report needs besides the samples.
    public struct Context: Sendable, Equatable {
        /// The process or command watched.
        public var target: DoctorTarget
        /// The interval asked for between samples, in milliseconds.
        public var intervalMilliseconds: Int
        /// Why the watch ended early, if it did.
        public var endedEarly: String?
        /// `true` when a process tree was followed (fine print mentions shared sockets).
        public var followedTree: Bool

        /// A context as given.
        public init(target: DoctorTarget, intervalMilliseconds: Int, endedEarly: String? = nil, followedTree: Bool = false) {
            self.target = target
            self.intervalMilliseconds = intervalMilliseconds
            self.endedEarly = endedEarly
            self.followedTree = followedTree
        }
    }

    /// Builds the report.
    ///
    /// - Parameters:
    ///   - points: The samples in time order (at least one for any figures).
    ///   - malformed: The malformed lines collected over the watch.
    ///   - context: Target and watch settings.
    ///   - thresholds: Default ``DoctorThresholds/init()``.
    public static func report(points: [SeriesPoint], malformed: MalformedLineLog = .init(), context: Context, thresholds: DoctorThresholds = .init()) -> DoctorReport {
        let duration = (points.last?.elapsedMilliseconds ?? 0) - (points.first?.elapsedMilliseconds ?? 0)
        let groups = groupFigures(points, durationMilliseconds: duration)
        let processes = processFigures(points)
        var verdicts: [Verdict] = []
        var notes: [String] = []
        for figures in groups {
            let series = points.map { (elapsed: $0.elapsedMilliseconds, count: $0.groupCounts[figures.group] ?? 0) }
            switch Growth.judge(series, group: figures.group, thresholds: thresholds) {
            case .leak(let verdict): verdicts.append(verdict)
            case .note(let note): notes.append(note)
            case .none: break
            }
            if figures.group.state == .closeWait, let verdict = CloseWait.judge(points, group: figures.group, thresholds: thresholds) {
                verdicts.append(verdict)
            }
        }
        for process in processes {
            if let verdict = DescriptorUse.judge(process, thresholds: thresholds) { verdicts.append(verdict) }
        }
        if points.count > 1 && (duration < thresholds.minimumWindowMilliseconds || points.count < thresholds.minimumSamples) {
            notes.append(
                "Growth is judged over at least \(seconds(thresholds.minimumWindowMilliseconds)) s and \(thresholds.minimumSamples) samples; "
                    + "this watch had \(points.count) samples over \(seconds(duration)) s.")
        } else if points.count == 1 {
            notes.append("One sample: growth cannot be judged. Use --watch SECONDS to follow the counts.")
        }
        let watch = WatchSummary(
            durationSeconds: Double(duration) / 1000, samples: points.count,
            intervalMilliseconds: context.intervalMilliseconds, endedEarly: context.endedEarly
        )
        return DoctorReport(
            target: context.target, watch: watch, processes: processes, groups: groups,
            verdicts: verdicts.sorted { ($0.severity == .leak ? 0 : 1) < ($1.severity == .leak ? 0 : 1) },
            notes: notes, malformedLines: malformed.lines, malformedLineCount: malformed.distinctCount,
            finePrint: finePrint(context: context, thresholds: thresholds), thresholds: thresholds
        )
    }

    static func groupFigures(_ points: [SeriesPoint], durationMilliseconds: Int) -> [GroupFigures] {
        let keys = Set(points.flatMap(\.groupCounts.keys)).sorted()
        return keys.map { key in
            GroupFigures(group: key, counts: SeriesFigures(counts: points.map { $0.groupCounts[key] ?? 0 }, durationMilliseconds: durationMilliseconds))
        }
    }

    static func processFigures(_ points: [SeriesPoint]) -> [ProcessFigures] {
        var order: [Int32] = []
        var seen: [Int32: [(elapsed: Int, counts: ProcessCounts)]] = [:]
        for point in points {
            for process in point.processes {
                if seen[process.pid] == nil { order.append(process.pid) }
                seen[process.pid, default: []].append((point.elapsedMilliseconds, process))
            }
        }
        return order.map { pid in
            let series = seen[pid]!
            let duration = series.last!.elapsed - series.first!.elapsed
            let peak = series.max { $0.counts.descriptors < $1.counts.descriptors }!.counts
            let limits = series.last { $0.counts.limits != nil }?.counts.limits
            let fraction = limits?.soft.value.flatMap { $0 > 0 ? Double(peak.descriptors) / Double($0) : nil }
            return ProcessFigures(
                pid: pid, name: series.last!.counts.name,
                descriptors: SeriesFigures(counts: series.map(\.counts.descriptors), durationMilliseconds: duration),
                limits: limits, peakFractionOfSoftLimit: fraction, kindsAtPeak: peak.kinds, samples: series.count
            )
        }
    }

    static func finePrint(context: Context, thresholds: DoctorThresholds) -> [String] {
        var lines = [
            "Counts are what /proc showed at each sample (every \(context.intervalMilliseconds) ms): sockets opened and "
                + "closed between two samples are invisible, so short-lived connections are undercounted.",
            "TIME_WAIT sockets belong to no process (the kernel keeps them after both sides closed) and are not "
                + "counted here; `ss -tan state time-wait` lists them for the whole host.",
            "Sockets are matched by inode against /proc/PID/net/tcp and tcp6 of the process's own network namespace; "
                + "\"accepted on\" groups are connections accepted by a listener on this host.",
            "Verdicts: steady growth = an outbound ESTABLISHED group that grew by \(thresholds.minimumGrowth) or more, "
                + "rose in \(thresholds.risingQuarters) of the 4 quarters of a watch of at least "
                + "\(seconds(thresholds.minimumWindowMilliseconds)) s (the last quarter included) and peaked above "
                + "\(thresholds.poolAllowance); CLOSE_WAIT = more than \(thresholds.poolAllowance) sockets of one group in "
                + "CLOSE_WAIT for \(seconds(thresholds.closeWaitMinimumAgeMilliseconds)) s or more; a warning above "
                + "\(Int(thresholds.descriptorWarningFraction * 100)) % of the soft descriptor limit. A pool of up to "
                + "\(thresholds.poolAllowance) connections per endpoint gets no verdict.",
        ]
        if context.followedTree {
            lines.append("The whole process tree was followed; a socket shared by several of its processes is counted once.")
        }
        return lines
    }

    /// Milliseconds as seconds with one decimal, e.g. `2.0`.
    static func seconds(_ milliseconds: Int) -> String {
        let tenths = (milliseconds + 50) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }
}
