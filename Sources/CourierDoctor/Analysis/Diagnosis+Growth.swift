extension Diagnosis {
    /// The steady-growth verdict for ESTABLISHED groups.
    ///
    /// An outbound ESTABLISHED group gets a leak verdict when, over a watch of at least
    /// ``DoctorThresholds/minimumWindowMilliseconds`` and ``DoctorThresholds/minimumSamples`` samples, it grew by at
    /// least ``DoctorThresholds/minimumGrowth``, rose in at least ``DoctorThresholds/risingQuarters`` of the four
    /// quarters of the watch including the last (still growing when the watch ended), and peaked above
    /// ``DoctorThresholds/poolAllowance``. A pool that fills up in a burst and is then reused rises in one quarter
    /// and stops; a pool of up to `poolAllowance` connections never qualifies. Growth is judged up to the last
    /// sample in which the group had any socket.
    enum Growth {
        /// The outcome for one group.
        enum Judgement: Equatable {
            case leak(Verdict)
            case note(String)
            case none
        }

        /// Judges one group from its counts over time (`elapsed` in milliseconds since the first sample).
        ///
        /// Samples after the last one in which the group had sockets are left out: when the processes holding
        /// them exit (the end of a command) or close them all at once, that drop is not reuse.
        static func judge(_ fullSeries: [(elapsed: Int, count: Int)], group: SocketGroupKey, thresholds: DoctorThresholds) -> Judgement {
            guard group.state == .established, group.direction != .listening,
                let lastNonZero = fullSeries.lastIndex(where: { $0.count > 0 })
            else { return .none }
            let series = Array(fullSeries[...lastNonZero])
            let duration = series.last!.elapsed - series.first!.elapsed
            guard series.count >= thresholds.minimumSamples, duration >= thresholds.minimumWindowMilliseconds else { return .none }
            let counts = SeriesFigures(counts: series.map(\.count), durationMilliseconds: duration)
            let growth = counts.end - counts.start
            guard growth >= thresholds.minimumGrowth else { return .none }
            let quarters = risingQuarters(series)
            let rate = counts.perMinute.map { "\($0 >= 0 ? "+" : "")\(Int($0.rounded())) per minute" } ?? ""
            let span = "from \(counts.start) to \(counts.end) in \(seconds(duration)) s (\(rate))"
            guard quarters.count >= thresholds.risingQuarters && quarters.lastRises else {
                let shape = quarters.lastRises
                    ? "rose in only \(quarters.count) of 4 quarters of the watch: bursts, then reuse"
                    : "stopped rising before the last quarter of the watch: a pool that filled up and is reused"
                return .note("ESTABLISHED connections \(group.endpointLabel) went \(span) but \(shape), not steady growth.")
            }
            guard counts.peak > thresholds.poolAllowance else {
                return .note(
                    "ESTABLISHED connections \(group.endpointLabel) grew steadily \(span), but no further than a connection "
                        + "pool may (\(thresholds.poolAllowance)); watch longer to tell a leak from a pool filling up.")
            }
            guard group.direction == .outbound else {
                return .note(
                    "Connections accepted on \(group.endpoint) grew steadily \(span): clients open connections and keep "
                        + "them (their leak, or their pools growing), and this process keeps them open too.")
            }
            return .leak(
                Verdict(
                    kind: .connectionGrowth, severity: .leak, group: group,
                    finding: "ESTABLISHED connections \(group.endpointLabel) grew steadily \(span), rising in "
                        + "\(quarters.count) of 4 quarters of the watch; peak \(counts.peak).",
                    meaning: "Connections to this endpoint are opened and then neither reused nor closed. Each keeps a "
                        + "descriptor, so the process will run out of them (EMFILE, \"too many open files\").",
                    usualCauses: [
                        "response bodies not read to the end or not closed, so a connection never goes back to its pool",
                        "a new client, transport or session created for each request (each with its own pool)",
                        "a connection pool with no limit per host",
                    ]
                ))
        }

        /// In how many quarters of the watch the count rose (its value at the quarter's end above its value at the
        /// quarter's start, each taken from the last sample at or before that time), and whether the last did.
        static func risingQuarters(_ series: [(elapsed: Int, count: Int)]) -> (count: Int, lastRises: Bool) {
            guard let first = series.first, let last = series.last, last.elapsed > first.elapsed else { return (0, false) }
            let duration = last.elapsed - first.elapsed
            func count(at time: Int) -> Int { series.last { $0.elapsed <= time }?.count ?? first.count }
            let bounds = (0...4).map { first.elapsed + duration * $0 / 4 }
            let rises = (0..<4).map { count(at: bounds[$0 + 1]) > count(at: bounds[$0]) }
            return (rises.filter { $0 }.count, rises[3])
        }
    }
}
