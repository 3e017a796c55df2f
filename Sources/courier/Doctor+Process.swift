#if os(Linux)
import ArgumentParser
import CourierDoctor
import Foundation

extension Doctor {
    /// `doctor --pid PID`: samples one process for the watch (or once) and prints the report.
    ///
    /// - Returns: The exit status: 3 on a leak verdict, 130 when interrupted, else 0.
    /// - Throws: ``ExitCode`` 1 when the process cannot be read at all (not found, or not permitted).
    func examineProcess(_ pid: Int32) async throws -> Int32 {
        let sampler = ProcessSampler(source: LiveProcSource())
        var name: String?
        var firstFailure: DoctorError?
        let interrupt = DoctorInterrupt()
        let watcher = DoctorWatch(intervalMilliseconds: interval, durationMilliseconds: watchMilliseconds ?? 0, maximumSamples: Self.maximumSamples)
        let outcome = await watcher.run(interrupt: interrupt) { elapsed in
            let (sample, failures) = sampler.sample(pids: [pid], elapsedMilliseconds: elapsed)
            if let failure = failures[pid] {
                if name == nil { firstFailure = failure }
                let exited = failure == .notFound(pid: pid) || failure == .exited(pid: pid)
                return .finished(reason: exited ? "the process exited" : "\(failure)")
            }
            name = sample.processes.first?.counts.name
            return .sampled(sample)
        }
        if let firstFailure {
            printError("courier doctor: \(firstFailure)")
            throw ExitCode(ExitStatus.failure)
        }
        let context = Diagnosis.Context(
            target: DoctorTarget(pid: pid, name: name), intervalMilliseconds: interval, endedEarly: outcome.endedEarly
        )
        let report = Diagnosis.report(points: outcome.points, malformed: outcome.malformed, context: context)
        output(report)
        if report.leakFound { return ExitStatus.leak }
        return interrupt.happened ? ExitStatus.interrupted : ExitStatus.success
    }
}
#endif
