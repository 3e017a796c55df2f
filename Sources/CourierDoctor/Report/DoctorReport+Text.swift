extension DoctorReport {
    /// The report for people: header, descriptors per process, TCP sockets per group, verdicts, notes,
    /// malformed lines and fine print. Lines are at most about 110 characters wide.
    public func text() -> String {
        var lines = header()
        lines.append("")
        lines += descriptorSection()
        lines.append("")
        lines += groupSection()
        lines.append("")
        lines.append("Verdicts")
        if verdicts.isEmpty {
            lines.append("  none: no leak pattern was seen\(watch.samples > 1 ? " over the watch" : " in one sample").")
        }
        for verdict in verdicts {
            let label = verdict.severity == .leak ? "LEAK: " : "WARNING: "
            lines += wrap(verdict.finding, firstIndent: "  " + label, indent: "    ")
            lines += wrap(verdict.meaning, firstIndent: "    What it means: ", indent: "      ")
            lines += wrap(verdict.usualCauses.joined(separator: "; ") + ".", firstIndent: "    Usually caused by: ", indent: "      ")
        }
        if !notes.isEmpty {
            lines.append("")
            lines.append("Notes")
            for note in notes { lines += wrap(note, firstIndent: "  - ", indent: "    ") }
        }
        if malformedLineCount > 0 {
            lines.append("")
            lines.append("Lines that could not be read (\(malformedLineCount) distinct, skipped)")
            for line in malformedLines {
                lines += wrap("\(line.source) line \(line.lineNumber): \(line.reason): \"\(line.text)\"", firstIndent: "  - ", indent: "    ")
            }
        }
        lines.append("")
        lines.append("Fine print")
        for item in finePrint { lines += wrap(item, firstIndent: "  - ", indent: "    ") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func header() -> [String] {
        let name = target.name.map { " (\($0))" } ?? ""
        var first: String
        if let command = target.command {
            first = "courier doctor: command `\(command.map(shellQuoted).joined(separator: " "))`, process \(target.pid)\(name) and its descendants"
            if let status = target.exitStatus { first += ", exit status \(status)" }
        } else {
            first = "courier doctor: process \(target.pid)\(name)"
        }
        var second = watch.samples == 1
            ? "One sample."
            : "Watched \(Diagnosis.seconds(Int(watch.durationSeconds * 1000))) s: \(watch.samples) samples, one every \(watch.intervalMilliseconds) ms."
        if let ended = watch.endedEarly { second += " Ended early: \(ended)." }
        return [first, second]
    }

    private func descriptorSection() -> [String] {
        var table = TextTable(alignments: [.left, .right, .right, .right, .left, .left])
        table.rows.append(["Descriptors", "start", "end", "peak", "soft limit", "hard limit"])
        var kinds: [String] = []
        for process in processes {
            let soft = process.limits.map { limits in
                limits.soft.description + (process.peakFractionOfSoftLimit.map { " (\(percent($0)) at peak)" } ?? "")
            } ?? "unknown"
            table.rows.append([
                "  \(process.pid) \(process.name)", "\(process.descriptors.start)", "\(process.descriptors.end)",
                "\(process.descriptors.peak)", soft, process.limits?.hard.description ?? "unknown",
            ])
            let parts = DescriptorKind.allCases.filter { process.kindsAtPeak[$0] > 0 }.map { "\(process.kindsAtPeak[$0]) \($0.label)" }
            kinds.append("  at the peak of \(process.pid): " + (parts.isEmpty ? "none" : parts.joined(separator: ", ")))
        }
        if processes.isEmpty { return ["Descriptors: no process could be read."] }
        return table.render() + kinds
    }

    private func groupSection() -> [String] {
        if groups.isEmpty { return ["TCP sockets: none."] }
        var table = TextTable(alignments: [.left, .left, .right, .right, .right, .right])
        table.rows.append(["TCP sockets", "state", "start", "end", "peak", "per minute"])
        for figures in groups {
            let rate = figures.counts.perMinute.map { $0 >= 0.5 ? "+\(Int($0.rounded()))" : "\(Int($0.rounded()))" } ?? "-"
            table.rows.append([
                "  \(figures.group.endpointLabel)", figures.group.state.name, "\(figures.counts.start)",
                "\(figures.counts.end)", "\(figures.counts.peak)", rate,
            ])
        }
        return table.render()
    }

    /// The argument as a shell would need it: as is when it has only safe characters, else in single quotes.
    private func shellQuoted(_ argument: String) -> String {
        let safe = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@%+,".contains($0) }
        if safe && !argument.isEmpty { return argument }
        return "'" + argument.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    private func percent(_ fraction: Double) -> String {
        let tenths = Int((fraction * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10) %"
    }
}
