import Foundation
@testable import CourierDoctor

/// A /proc made of captured text: files, directories and links by path; any other path is not found, and
/// paths listed in `denied` are not permitted.
struct FakeProcSource: ProcSource {
    var files: [String: String] = [:]
    var directories: [String: [String]] = [:]
    var links: [String: String] = [:]
    var denied: Set<String> = []

    func readText(_ path: String) throws(ProcReadError) -> String {
        if denied.contains(path) { throw .notPermitted(path: path) }
        guard let text = files[path] else { throw .notFound(path: path) }
        return text
    }

    func listDirectory(_ path: String) throws(ProcReadError) -> [String] {
        if denied.contains(path) { throw .notPermitted(path: path) }
        guard let names = directories[path] else { throw .notFound(path: path) }
        return names
    }

    func readLink(_ path: String) throws(ProcReadError) -> String {
        if denied.contains(path) { throw .notPermitted(path: path) }
        guard let target = links[path] else { throw .notFound(path: path) }
        return target
    }

    /// The captured Python process as pid `pid` (its descriptors, limits, stat and socket tables).
    static func capturedProcess(pid: Int32 = 22141) -> FakeProcSource {
        var source = FakeProcSource()
        let base = "/proc/\(pid)"
        var names: [String] = []
        for line in ProcSamples.fdLinks.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            names.append(String(parts[0]))
            source.links["\(base)/fd/\(parts[0])"] = String(parts[1])
        }
        source.directories["\(base)/fd"] = names
        source.directories["/proc"] = ["\(pid)", "self", "cpuinfo"]
        source.links["\(base)/ns/net"] = "net:[4026531840]"
        source.files["\(base)/stat"] = ProcSamples.stat.replacingFirst("22141", with: "\(pid)")
        source.files["\(base)/limits"] = ProcSamples.limits
        source.files["\(base)/net/tcp"] = ProcSamples.tcp
        source.files["\(base)/net/tcp6"] = ProcSamples.tcp6
        source.files["\(base)/net/udp"] = ProcSamples.udp
        source.files["\(base)/net/udp6"] = ProcSamples.udp6
        source.files["\(base)/net/unix"] = ProcSamples.unix
        return source
    }
}

extension String {
    /// With the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
