extension Diagnosis {
    /// The descriptor warning: a process whose peak descriptor count is above
    /// ``DoctorThresholds/descriptorWarningFraction`` of its soft RLIMIT_NOFILE. A warning, not a leak verdict:
    /// many descriptors may be what the work needs.
    enum DescriptorUse {
        /// Judges one process; `nil` when there is no warning (also when its soft limit is unlimited or unknown).
        static func judge(_ process: ProcessFigures, thresholds: DoctorThresholds) -> Verdict? {
            guard let fraction = process.peakFractionOfSoftLimit, fraction > thresholds.descriptorWarningFraction,
                let limits = process.limits, let soft = limits.soft.value
            else { return nil }
            let percent = Int((fraction * 100).rounded())
            return Verdict(
                kind: .descriptorsNearLimit, severity: .warning, pid: process.pid,
                finding: "Process \(process.pid) (\(process.name)) had \(process.descriptors.peak) descriptors open at its peak: "
                    + "\(percent) % of its soft limit of \(soft) (hard limit \(limits.hard)).",
                meaning: "At the soft limit every open(), socket() and accept() fails with EMFILE (\"too many open files\").",
                usualCauses: [
                    "a leak of connections or files (see the socket groups above)",
                    "a limit too low for the work: raise the soft limit, up to the hard limit (ulimit -n)",
                ]
            )
        }
    }
}
