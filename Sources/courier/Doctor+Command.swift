#if os(Linux)
import ArgumentParser
import CourierDoctor
import Foundation

extension Doctor {
    /// `doctor -- COMMAND`: runs the command, follows its whole process tree until it exits (or until --watch
    /// seconds have passed, after which doctor only waits for it), and prints the report with the peaks.
    ///
    /// - Returns: 3 on a leak verdict, else the command's own exit status.
    func followCommand(_ arguments: [String]) async throws -> Int32 {
        // Ctrl-C goes to the whole foreground process group: the command gets it and ends; doctor outlives it.
        signal(SIGINT, SIG_IGN)
        let launcher: DoctorCommandLauncher
        do {
            launcher = try DoctorCommandLauncher(arguments: arguments)
        } catch {
            printError("courier doctor: \(error)")
            throw ExitCode(error.exitStatus)
        }
        let root = launcher.pid
        let sampler = ProcessSampler(source: LiveProcSource())
        var exitStatus: Int32?
        var name: String?
        let watcher = DoctorWatch(intervalMilliseconds: interval, durationMilliseconds: watchMilliseconds, maximumSamples: Self.maximumSamples)
        let outcome = await watcher.run(interrupt: nil) { elapsed in
            if let status = launcher.exitStatusIfEnded() {
                exitStatus = status
                return .finished(reason: nil)
            }
            let members = sampler.treeMembers(root: root)
            let (sample, _) = sampler.sample(pids: members, elapsedMilliseconds: elapsed)
            if name == nil { name = sample.processes.first { $0.counts.pid == root }?.counts.name }
            return .sampled(sample)
        }
        var endedEarly = outcome.endedEarly
        if exitStatus == nil {
            if watchMilliseconds != nil && endedEarly == nil { endedEarly = "--watch ended; the command was then waited for without sampling" }
            exitStatus = await launcher.waitForExit()
        }
        let context = Diagnosis.Context(
            target: DoctorTarget(pid: root, name: name, command: arguments, exitStatus: exitStatus),
            intervalMilliseconds: interval, endedEarly: endedEarly, followedTree: true
        )
        let report = Diagnosis.report(points: outcome.points, malformed: outcome.malformed, context: context)
        output(report)
        return report.leakFound ? ExitStatus.leak : exitStatus!
    }
}
#endif
