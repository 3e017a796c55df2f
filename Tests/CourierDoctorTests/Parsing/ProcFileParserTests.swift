@testable import CourierDoctor
import Testing

@Suite struct ProcFileParserTests {
    @Test func limitsGiveTheOpenFilesRow() throws {
        let limits = try DescriptorLimits.parse(procLimits: ProcSamples.limits, source: "limits").get()
        #expect(limits == DescriptorLimits(soft: .finite(20000), hard: .finite(20000)))
    }

    @Test func unlimitedAndMalformedLimits() throws {
        let unlimited = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 unlimited            files\n"
        #expect(try DescriptorLimits.parse(procLimits: unlimited, source: "l").get() == DescriptorLimits(soft: .finite(1024), hard: .unlimited))
        let broken = "Max open files            lots                 4096                 files"
        guard case .failure(let error) = DescriptorLimits.parse(procLimits: broken, source: "/proc/9/limits") else {
            Issue.record("a broken row parsed")
            return
        }
        #expect(error.line.lineNumber == 1)
        #expect(error.line.source == "/proc/9/limits")
        guard case .failure(let missing) = DescriptorLimits.parse(procLimits: "Max processes 5 5 processes", source: "l") else {
            Issue.record("a missing row parsed")
            return
        }
        #expect(missing.line.lineNumber == 0)
        #expect(missing.line.reason.contains("Max open files"))
    }

    @Test func statGivesNameStateAndParent() {
        let status = ProcessStatus(procStat: ProcSamples.stat)
        #expect(status == ProcessStatus(pid: 22141, name: "python3", state: "R", parentPID: 22137, flags: 4194304))
        #expect(status?.hasExited == false)
        #expect(ProcessStatus(procStat: "9 (x) Z 1 9 9 0 -1 4227084 0")?.hasExited == true)
        #expect(ProcessStatus(procStat: "9 (x) R 1 9 9 0 -1 4227084 0")?.hasExited == true)  // PF_EXITING
        // A name may contain spaces and parentheses: it ends at the last ')'.
        let odd = ProcessStatus(procStat: "77 (a) b (c)) S 12 77 77 0 -1 4194560")
        #expect(odd == ProcessStatus(pid: 77, name: "a) b (c)", state: "S", parentPID: 12, flags: 4194560))
        #expect(ProcessStatus(procStat: "") == nil)
        #expect(ProcessStatus(procStat: "12 (x S 1") == nil)
        #expect(ProcessStatus(procStat: "12 (x) S") == nil)
    }

    @Test func descriptorTargetsOfTheCapturedProcess() {
        let targets = ProcSamples.fdLinks.split(separator: "\n").map { DescriptorTarget(linkTarget: String($0.split(separator: " ", maxSplits: 1)[1])) }
        #expect(targets.count == 28)
        #expect(targets.filter { if case .socket = $0 { true } else { false } }.count == 19)
        #expect(targets.filter { if case .pipe = $0 { true } else { false } }.count == 3)
        #expect(targets.filter { if case .file = $0 { true } else { false } }.count == 6)
        #expect(DescriptorTarget(linkTarget: "socket:[629431]") == .socket(inode: 629431))
        #expect(DescriptorTarget(linkTarget: "pipe:[629454]") == .pipe(inode: 629454))
        #expect(DescriptorTarget(linkTarget: "/tmp/x (deleted)") == .file(path: "/tmp/x (deleted)"))
        #expect(DescriptorTarget(linkTarget: "anon_inode:[eventpoll]") == .other("anon_inode:[eventpoll]"))
        #expect(DescriptorTarget(linkTarget: "socket:[notanumber]") == .other("socket:[notanumber]"))
    }

    @Test func unixTableGivesInodesAndReportsBadRows() {
        let result = UnixSocketTableParser.parse(ProcSamples.unix, source: "unix")
        #expect(result.inodes == [1594, 1593, 629453, 629452])
        #expect(result.malformed.isEmpty)
        let bad = UnixSocketTableParser.parse(ProcSamples.unix + "\n0000000000000000: 00000002 00000000 00010000 0001 01 nope /run/x.sock\nshort", source: "u")
        #expect(bad.inodes.count == 4)
        #expect(bad.malformed.map(\.lineNumber) == [6, 7])
    }

    @Test func processTreeIsTheRootAndEveryDescendant() {
        let parents: [Int32: Int32] = [1: 0, 10: 1, 11: 10, 12: 10, 13: 12, 20: 1, 21: 20, 14: 14]
        #expect(ProcessTree.members(root: 10, parents: parents) == [10, 11, 12, 13])
        #expect(ProcessTree.members(root: 20, parents: parents) == [20, 21])
        #expect(ProcessTree.members(root: 99, parents: parents) == [99])
        #expect(ProcessTree.members(root: 1, parents: parents) == [1, 10, 20, 11, 12, 21, 13])
    }
}
