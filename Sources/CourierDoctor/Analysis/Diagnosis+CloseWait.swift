extension Diagnosis {
    /// The CLOSE_WAIT verdict.
    ///
    /// A socket lingers in CLOSE_WAIT when it was already in CLOSE_WAIT (same inode) at least
    /// ``DoctorThresholds/closeWaitMinimumAgeMilliseconds`` before a later sample; a healthy process closes its side
    /// within milliseconds of the peer's FIN. A group gets a leak verdict when more than
    /// ``DoctorThresholds/poolAllowance`` of its sockets linger in one sample. A watch shorter than the minimum age
    /// (or a single sample) cannot show lingering, so there every CLOSE_WAIT socket counts, and the verdict says so.
    enum CloseWait {
        /// Judges one CLOSE_WAIT group; `nil` when there is no verdict.
        static func judge(_ points: [SeriesPoint], group: SocketGroupKey, thresholds: DoctorThresholds) -> Verdict? {
            guard group.state == .closeWait, let first = points.first, let last = points.last else { return nil }
            let duration = last.elapsedMilliseconds - first.elapsedMilliseconds
            let judgedByAge = duration >= thresholds.closeWaitMinimumAgeMilliseconds
            var firstSeen: [UInt64: Int] = [:]
            var peakLingering = 0
            for point in points {
                let inodes = point.closeWaitInodes[group] ?? []
                for inode in inodes where firstSeen[inode] == nil { firstSeen[inode] = point.elapsedMilliseconds }
                let lingering = judgedByAge
                    ? inodes.filter { point.elapsedMilliseconds - firstSeen[$0]! >= thresholds.closeWaitMinimumAgeMilliseconds }.count
                    : inodes.count
                peakLingering = max(peakLingering, lingering)
            }
            guard peakLingering > thresholds.poolAllowance else { return nil }
            let how = judgedByAge
                ? "stayed in CLOSE_WAIT for \(seconds(thresholds.closeWaitMinimumAgeMilliseconds)) s or more"
                : "were in CLOSE_WAIT (seen over \(seconds(duration)) s only, too short to tell how long they stay)"
            let finding = "\(peakLingering) connections \(group.endpointLabel) \(how), more than a pool may hold (\(thresholds.poolAllowance))."
            return Verdict(
                kind: .closeWait, severity: .leak, group: group, finding: finding,
                meaning: "The peer closed these connections and this process never closed its side. Each keeps a descriptor "
                    + "until this process closes it: a leak in this process, not in the peer.",
                usualCauses: [
                    "a connection dropped without close() (an error path that returns early, a response never finished)",
                    "an idle pool that never notices connections the server closed, and never prunes them",
                    "for accepted connections: a server that does not close a connection after its client hung up",
                ]
            )
        }
    }
}
