#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the real /proc with plain POSIX calls (so that errno tells "not found" from "not permitted").
public struct LiveProcSource: ProcSource {
    /// The largest file read, in bytes (16 MiB): a bound for net/tcp of a namespace with very many sockets.
    public var maximumFileBytes: Int = 16 << 20

    /// A source for the machine's /proc.
    public init() {}

    /// Reads a whole file, up to ``maximumFileBytes``.
    public func readText(_ path: String) throws(ProcReadError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.error(path, errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < maximumFileBytes {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.error(path, errno)
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Lists a directory.
    public func listDirectory(_ path: String) throws(ProcReadError) -> [String] {
        guard let directory = opendir(path) else { throw Self.error(path, errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Reads a link's target (up to 4,096 bytes).
    public func readLink(_ path: String) throws(ProcReadError) -> String {
        var buffer = [CChar](repeating: 0, count: 4_097)
        let count = readlink(path, &buffer, 4_096)
        guard count >= 0 else { throw Self.error(path, errno) }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func error(_ path: String, _ code: Int32) -> ProcReadError {
        switch code {
        case ENOENT, ESRCH: .notFound(path: path)
        case EACCES, EPERM: .notPermitted(path: path)
        default: .failed(path: path, errno: code)
        }
    }
}
