@testable import CourierDoctor
import Testing

@Suite struct ProcessSamplerTests {
    let sampler = ProcessSampler(source: FakeProcSource.capturedProcess(), byteOrder: .littleEndian)

    func group(_ direction: SocketDirection, _ endpoint: String, _ state: TCPState) -> SocketGroupKey {
        SocketGroupKey(direction: direction, endpoint: SocketEndpoint(text: endpoint)!, state: state)
    }

    @Test func capturedProcessDescriptorsByKind() throws {
        var tables: [String: SocketTables] = [:]
        var malformed: [MalformedLine] = []
        let sample = try sampler.sampleProcess(22141, tables: &tables, malformed: &malformed)
        #expect(sample.counts.name == "python3")
        #expect(sample.counts.descriptors == 28)
        #expect(sample.counts.kinds[.tcp] == 15)
        #expect(sample.counts.kinds[.udp] == 2)
        #expect(sample.counts.kinds[.unix] == 2)
        #expect(sample.counts.kinds[.file] == 6)
        #expect(sample.counts.kinds[.pipe] == 3)
        #expect(sample.counts.kinds.total == 28)
        #expect(sample.counts.limits?.soft == .finite(20000))
        #expect(malformed.isEmpty)
        #expect(tables.count == 1)
    }

    @Test func capturedProcessSocketGroups() throws {
        let (sample, failures) = sampler.sample(pids: [22141], elapsedMilliseconds: 0)
        #expect(failures.isEmpty)
        let point = SeriesPoint(sample)
        #expect(point.groupCounts[group(.outbound, "127.0.0.1:41409", .established)] == 1)
        #expect(point.groupCounts[group(.inbound, "127.0.0.1:41409", .established)] == 1)
        #expect(point.groupCounts[group(.outbound, "127.0.0.1:45075", .closeWait)] == 1)
        #expect(point.groupCounts[group(.outbound, "127.0.0.1:38353", .established)] == 1)  // IPv4 to a dual-stack listener
        #expect(point.groupCounts[group(.inbound, "[::]:38353", .established)] == 1)  // its accepted, IPv4-mapped end
        #expect(point.groupCounts[group(.outbound, "[::1]:59349", .established)] == 1)
        #expect(point.groupCounts[group(.inbound, "[::1]:59349", .established)] == 1)
        #expect(point.groupCounts[group(.outbound, "[::1]:42187", .closeWait)] == 1)
        #expect(point.groupCounts.filter { $0.key.direction == .listening }.count == 7)
        #expect(point.groupCounts.values.reduce(0, +) == 15)
        #expect(point.closeWaitInodes[group(.outbound, "127.0.0.1:45075", .closeWait)] == [629433])
    }

    @Test func aSocketSharedByTwoProcessesCountsOnce() {
        var source = FakeProcSource.capturedProcess(pid: 100)
        let child = FakeProcSource.capturedProcess(pid: 101)
        source.files.merge(child.files) { $1 }
        source.directories.merge(child.directories) { $1 }
        source.links.merge(child.links) { $1 }
        let (sample, _) = ProcessSampler(source: source, byteOrder: .littleEndian).sample(pids: [100, 101], elapsedMilliseconds: 0)
        #expect(sample.processes.count == 2)
        #expect(SeriesPoint(sample).groupCounts.values.reduce(0, +) == 15)
    }

    @Test func notFoundAndNotPermittedAreToldApart() {
        var tables: [String: SocketTables] = [:]
        var malformed: [MalformedLine] = []
        #expect(throws: DoctorError.notFound(pid: 5)) { try sampler.sampleProcess(5, tables: &tables, malformed: &malformed) }
        var denied = FakeProcSource.capturedProcess()
        denied.denied = ["/proc/22141/fd"]
        let deniedSampler = ProcessSampler(source: denied, byteOrder: .littleEndian)
        #expect(throws: DoctorError.notPermitted(pid: 22141, path: "/proc/22141/fd")) {
            try deniedSampler.sampleProcess(22141, tables: &tables, malformed: &malformed)
        }
        #expect(DoctorError.notFound(pid: 5).description.contains("not found"))
        #expect(DoctorError.notPermitted(pid: 5, path: "/proc/5/fd").description.contains("not permitted"))
    }

    @Test func aZombieIsAnExitedProcess() {
        var source = FakeProcSource.capturedProcess()
        source.files["/proc/22141/stat"] = "22141 (python3) Z 22137 22137 21475 0 -1"
        var tables: [String: SocketTables] = [:]
        var malformed: [MalformedLine] = []
        #expect(throws: DoctorError.exited(pid: 22141)) {
            try ProcessSampler(source: source, byteOrder: .littleEndian).sampleProcess(22141, tables: &tables, malformed: &malformed)
        }
    }

    @Test func malformedTableRowsAndLimitsAreReportedNotFatal() {
        var source = FakeProcSource.capturedProcess()
        source.files["/proc/22141/net/tcp"]! += "\n  10: this is not a socket row\n"
        source.files["/proc/22141/limits"] = "Max open files            many                 many                 files\n"
        let (sample, failures) = ProcessSampler(source: source, byteOrder: .littleEndian).sample(pids: [22141], elapsedMilliseconds: 0)
        #expect(failures.isEmpty)
        #expect(sample.processes.first?.counts.descriptors == 28)
        #expect(sample.processes.first?.counts.limits == nil)
        #expect(Set(sample.malformed.map(\.source)) == ["/proc/22141/net/tcp", "/proc/22141/limits"])
    }

    @Test func missingIPv6AndUDPTablesAreEmptyNotErrors() {
        var source = FakeProcSource.capturedProcess()
        source.files["/proc/22141/net/tcp6"] = nil
        source.files["/proc/22141/net/udp6"] = nil
        let (sample, failures) = ProcessSampler(source: source, byteOrder: .littleEndian).sample(pids: [22141], elapsedMilliseconds: 0)
        #expect(failures.isEmpty)
        #expect(sample.processes.first?.counts.kinds[.otherSocket] == 9)  // 8 IPv6 TCP sockets and 1 UDP
    }

    @Test func treeMembersComeFromEveryStat() {
        var source = FakeProcSource()
        source.directories["/proc"] = ["1", "40", "41", "42", "50", "self", "meminfo"]
        source.files["/proc/1/stat"] = "1 (init) S 0 1 1"
        source.files["/proc/40/stat"] = "40 (sh) S 1 40 40"
        source.files["/proc/41/stat"] = "41 (probe) S 40 40 40"
        source.files["/proc/42/stat"] = "42 (probe child) S 41 40 40"
        source.files["/proc/50/stat"] = "50 (other) S 1 50 50"
        #expect(ProcessSampler(source: source).treeMembers(root: 40) == [40, 41, 42])
    }
}
