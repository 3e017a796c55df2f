/// Reads processes from /proc (through a ``ProcSource``) into ``Sample``s. Parsing is done by the pure parsers;
/// this type only decides what to read.
public struct ProcessSampler<Source: ProcSource>: Sendable {
    /// Where /proc is read from.
    public var source: Source
    /// The byte order of the machine whose /proc is read; default ``ProcByteOrder/host``.
    public var byteOrder: ProcByteOrder

    /// A sampler over `source`.
    public init(source: Source, byteOrder: ProcByteOrder = .host) {
        self.source = source
        self.byteOrder = byteOrder
    }

    /// Samples several processes at once. Processes that cannot be read are left out and listed in `failures`.
    ///
    /// Socket tables are read once per network namespace per sample.
    public func sample(pids: [Int32], elapsedMilliseconds: Int) -> (sample: Sample, failures: [Int32: DoctorError]) {
        var tables: [String: SocketTables] = [:]
        var processes: [ProcessSample] = []
        var failures: [Int32: DoctorError] = [:]
        var malformed: [MalformedLine] = []
        for pid in pids {
            do throws(DoctorError) {
                processes.append(try sampleProcess(pid, tables: &tables, malformed: &malformed))
            } catch {
                failures[pid] = error
            }
        }
        malformed += tables.keys.sorted().flatMap { tables[$0]!.malformed }
        return (Sample(elapsedMilliseconds: elapsedMilliseconds, processes: processes, malformed: malformed), failures)
    }

    /// Reads one process: name, descriptors, limits, and its TCP sockets with their groups.
    ///
    /// - Parameters:
    ///   - tables: Socket tables already read in this sample, by network namespace; extended as needed.
    ///   - malformed: Receives a malformed `Max open files` row of /proc/PID/limits.
    /// - Throws: ``DoctorError/notFound(pid:)`` when the process does not exist, ``DoctorError/exited(pid:)`` for a
    ///   zombie, ``DoctorError/notPermitted(pid:path:)`` when its descriptor table may not be read.
    public func sampleProcess(
        _ pid: Int32, tables: inout [String: SocketTables], malformed: inout [MalformedLine]
    ) throws(DoctorError) -> ProcessSample {
        let base = "/proc/\(pid)"
        let status: ProcessStatus?
        do {
            status = ProcessStatus(procStat: try source.readText("\(base)/stat"))
        } catch {
            throw DoctorError(pid: pid, error)
        }
        if status?.hasExited == true { throw .exited(pid: pid) }
        let descriptorNames: [String]
        do {
            descriptorNames = try source.listDirectory("\(base)/fd")
        } catch {
            throw DoctorError(pid: pid, error)
        }
        let namespace = (try? source.readLink("\(base)/ns/net")) ?? "\(base)/net"
        if tables[namespace] == nil { tables[namespace] = readTables(directory: "\(base)/net") }
        let socketTables = tables[namespace]!

        var kinds = DescriptorKindCounts()
        var sockets: [UInt64: ObservedSocket] = [:]
        var descriptors = 0
        for descriptor in descriptorNames {
            // A descriptor closed between listing and reading is simply not counted.
            guard let link = try? source.readLink("\(base)/fd/\(descriptor)") else { continue }
            descriptors += 1
            let target = DescriptorTarget(linkTarget: link)
            kinds[socketTables.kind(of: target)] += 1
            if case .socket(let inode) = target, let group = socketTables.groupKey(inode: inode) {
                sockets[inode] = ObservedSocket(inode: inode, group: group)
            }
        }
        // A process that began to exit while its descriptors were read shows an emptied table: not a sample.
        switch Result(catching: { () throws(ProcReadError) in try source.readText("\(base)/stat") }) {
        case .success(let text) where ProcessStatus(procStat: text)?.hasExited == true: throw .exited(pid: pid)
        case .failure(.notFound): throw .notFound(pid: pid)
        default: break
        }
        var limits: DescriptorLimits? = nil
        if let text = try? source.readText("\(base)/limits") {
            switch DescriptorLimits.parse(procLimits: text, source: "\(base)/limits") {
            case .success(let parsed): limits = parsed
            case .failure(let error): malformed.append(error.line)
            }
        }
        let counts = ProcessCounts(pid: pid, name: status?.name ?? "?", descriptors: descriptors, kinds: kinds, limits: limits)
        return ProcessSample(counts: counts, tcpSockets: sockets.values.sorted { $0.inode < $1.inode })
    }

    /// The root and all its descendants now, from the parent field of every /proc/*/stat.
    public func treeMembers(root: Int32) -> [Int32] {
        var parents: [Int32: Int32] = [:]
        for name in (try? source.listDirectory("/proc")) ?? [] {
            guard let pid = Int32(name), let text = try? source.readText("/proc/\(name)/stat"),
                let status = ProcessStatus(procStat: text)
            else { continue }
            parents[pid] = status.parentPID
        }
        return ProcessTree.members(root: root, parents: parents)
    }

    private func readTables(directory: String) -> SocketTables {
        func text(_ name: String) -> String { (try? source.readText("\(directory)/\(name)")) ?? "" }
        return SocketTables(
            tcp: text("tcp"), tcp6: text("tcp6"), udp: text("udp"), udp6: text("udp6"), unix: text("unix"),
            directory: directory, byteOrder: byteOrder
        )
    }
}
