@testable import CourierDoctor
import Foundation
import Testing

/// The verdicts as pure functions of a series: leaks get them, pooled clients do not.
@Suite struct DiagnosisTests {
    static let server = SocketEndpoint(text: "127.0.0.1:8080")!
    static let established = SocketGroupKey(direction: .outbound, endpoint: server, state: .established)
    static let closeWait = SocketGroupKey(direction: .outbound, endpoint: server, state: .closeWait)
    let context = Diagnosis.Context(target: DoctorTarget(pid: 42, name: "client"), intervalMilliseconds: 100)

    /// A series of one process over `counts.count` samples every `step` ms, with `counts[i]` ESTABLISHED sockets.
    func series(_ counts: [Int], step: Int = 100, group: SocketGroupKey = established, limit: Int = 1024) -> [SeriesPoint] {
        counts.enumerated().map { index, count in
            var kinds = DescriptorKindCounts()
            kinds[.tcp] = count
            kinds[.file] = 3
            let process = ProcessCounts(pid: 42, name: "client", descriptors: count + 3, kinds: kinds, limits: DescriptorLimits(soft: .finite(limit), hard: .finite(4096)))
            return SeriesPoint(elapsedMilliseconds: index * step, processes: [process], groupCounts: count > 0 ? [group: count] : [:])
        }
    }

    func report(_ points: [SeriesPoint]) -> DoctorReport { Diagnosis.report(points: points, context: context) }

    @Test func steadyGrowthIsALeak() {
        let report = report(series(Array(1...31)))
        #expect(report.leakFound)
        let verdict = report.verdicts.first!
        #expect(verdict.kind == .connectionGrowth)
        #expect(verdict.group == Self.established)
        #expect(verdict.finding.contains("to 127.0.0.1:8080 grew steadily from 1 to 31 in 3.0 s (+600 per minute)"))
        #expect(verdict.usualCauses.count == 3)
        #expect(report.groups.first?.counts == SeriesFigures(start: 1, end: 31, peak: 31, perMinute: 600))
    }

    @Test func aPoolFillingInOneBurstThenReusedGetsNoVerdict() {
        let report = report(series([0] + Array(repeating: 16, count: 30)))
        #expect(!report.leakFound)
        #expect(report.verdicts.isEmpty)
        #expect(report.notes.contains { $0.contains("stopped rising") })
    }

    @Test func aPoolGrowingInBurstsUpToSixteenGetsNoVerdict() {
        // Bursts of 4, 8, 12 and 16 connections spread over the whole watch: steady, but what a pool may hold.
        let counts = (0..<31).map { 4 * min(4, 1 + $0 / 8) }
        let report = report(series(counts))
        #expect(!report.leakFound)
        #expect(report.notes.contains { $0.contains("no further than a connection pool may (16)") })
    }

    @Test func growthThatStopsBeforeTheLastQuarterGetsNoVerdict() {
        let counts = (0..<31).map { $0 < 16 ? 2 * $0 : 30 }
        let report = report(series(counts))
        #expect(!report.leakFound)
    }

    @Test func growthWithinTheMinimumIsNotJudged() {
        #expect(report(series((0..<31).map { 20 + $0 / 5 })).verdicts.isEmpty)  // +6
    }

    @Test func shortWatchesDoNotJudgeGrowth() {
        let report = report(series(Array(1...15)))  // 1.4 s
        #expect(!report.leakFound)
        #expect(report.notes.contains { $0.contains("at least 2.0 s and 5 samples") })
        let single = self.report(series([40]))
        #expect(!single.leakFound)
        #expect(single.notes.contains { $0.contains("One sample") })
        #expect(single.groups.first?.counts.perMinute == nil)
    }

    @Test func growthIsJudgedUntilTheSocketsDisappear() {
        // A command that leaked until it exited: its sockets vanish with it.
        let report = report(series(Array(1...30) + [0, 0, 0]))
        #expect(report.leakFound)
        #expect(report.groups.first?.counts.end == 0)
        #expect(report.groups.first?.counts.peak == 30)
    }

    @Test func acceptedConnectionsGrowingIsANoteNotALeakOfThisProcess() {
        let inbound = SocketGroupKey(direction: .inbound, endpoint: Self.server, state: .established)
        let report = report(series(Array(1...31), group: inbound))
        #expect(!report.leakFound)
        #expect(report.notes.contains { $0.contains("accepted on 127.0.0.1:8080") })
    }

    func closeWaitSeries(samples: Int, inodes: (Int) -> Set<UInt64>) -> [SeriesPoint] {
        (0..<samples).map { index in
            let set = inodes(index)
            return SeriesPoint(elapsedMilliseconds: index * 100, processes: [], groupCounts: [Self.closeWait: set.count], closeWaitInodes: [Self.closeWait: set])
        }
    }

    @Test func lingeringCloseWaitIsALeak() {
        let report = report(closeWaitSeries(samples: 21) { _ in Set(1...24) })
        #expect(report.leakFound)
        #expect(report.verdicts.map(\.kind) == [.closeWait])
        #expect(report.verdicts[0].finding.starts(with: "24 connections to 127.0.0.1:8080 stayed in CLOSE_WAIT for 1.0 s or more"))
    }

    @Test func passingCloseWaitIsNot() {
        // 24 at a time, but each socket closed by the next sample: a busy client closing promptly.
        let report = report(closeWaitSeries(samples: 21) { index in Set((0..<24).map { UInt64(index * 100 + $0) }) })
        #expect(!report.leakFound)
    }

    @Test func closeWaitUpToThePoolAllowanceIsNot() {
        #expect(!report(closeWaitSeries(samples: 21) { _ in Set(1...16) }).leakFound)
    }

    @Test func oneSampleOfManyCloseWaitIsAVerdictThatSaysSo() {
        let report = report(closeWaitSeries(samples: 1) { _ in Set(1...40) })
        #expect(report.leakFound)
        #expect(report.verdicts[0].finding.contains("too short to tell how long they stay"))
    }

    @Test func descriptorsAboveEightyPercentOfTheSoftLimitAreAWarning() {
        let report = report(series([830], limit: 1000))
        #expect(!report.leakFound)
        #expect(report.verdicts.map(\.kind) == [.descriptorsNearLimit])
        #expect(report.verdicts[0].severity == .warning)
        #expect(report.verdicts[0].finding.contains("833 descriptors open at its peak: 83 % of its soft limit of 1000"))
        #expect(self.report(series([790], limit: 1000)).verdicts.isEmpty)
    }

    @Test func processesAreFollowedWhileTheyAreSeen() {
        var points = series([1, 2, 3])
        points[2].processes.append(ProcessCounts(pid: 43, name: "child", descriptors: 9, kinds: DescriptorKindCounts(), limits: nil))
        let figures = report(points).processes
        #expect(figures.map(\.pid) == [42, 43])
        #expect(figures[0].descriptors == SeriesFigures(start: 4, end: 6, peak: 6, perMinute: 600))
        #expect(figures[1].samples == 1)
        #expect(figures[1].peakFractionOfSoftLimit == nil)
    }

    @Test func malformedLinesAreKeptOnceEach() {
        var log = MalformedLineLog()
        let line = MalformedLine(source: "/proc/1/net/tcp", lineNumber: 3, text: "bad", reason: "short")
        var moved = line
        moved.lineNumber = 9
        log.add([line, moved, line])
        #expect(log.distinctCount == 1)
        let report = Diagnosis.report(points: series([1]), malformed: log, context: context)
        #expect(report.malformedLineCount == 1)
        #expect(report.text().contains("/proc/1/net/tcp line 3: short: \"bad\""))
    }

    @Test func textAndJSONCarryTheSameFigures() throws {
        let report = report(series(Array(1...31)))
        let text = report.text()
        #expect(text.contains("courier doctor: process 42 (client)"))
        #expect(text.contains("Watched 3.0 s: 31 samples, one every 100 ms."))
        #expect(text.contains("LEAK: ESTABLISHED connections to 127.0.0.1:8080 grew steadily"))
        #expect(text.contains("TIME_WAIT sockets belong to no process"))
        #expect(text.contains("opened and closed between two samples"))
        let decoded = try JSONDecoder().decode(DoctorReport.self, from: Data(report.jsonText().utf8))
        #expect(decoded == report)
        let object = try JSONSerialization.jsonObject(with: Data(report.jsonText().utf8)) as! [String: Any]
        let group = (object["groups"] as! [[String: Any]])[0]["group"] as! [String: Any]
        #expect(group["endpoint"] as? String == "127.0.0.1:8080")
        #expect(group["state"] as? String == "ESTABLISHED")
        #expect(object["leakFound"] as? Bool == true)
    }
}
