import Courier
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Facts about this process's file descriptors.
public enum DescriptorCount {
    /// Open descriptors of this process, from `/proc/self/fd` (Linux); `nil` where that does not exist.
    public static func open() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        var count = 0
        while let entry = readdir(directory) {
            let first = withUnsafeBytes(of: entry.pointee.d_name) { $0.first ?? 0 }
            if first != UInt8(ascii: ".") { count += 1 }
        }
        closedir(directory)
        // The directory stream itself held one descriptor while it was read.
        return count - 1
    }

    /// The soft `RLIMIT_NOFILE`; `nil` when unlimited.
    public static func softLimit() -> Int? {
        Configuration.Pool.Budget.descriptorSoftLimit
    }

    /// How many files can be in flight at once when each holds one file and one socket, leaving `reserve`
    /// descriptors for everything else: `(soft limit - open now - reserve) / 2`, at least 1, at most `wanted`.
    public static func affordableConcurrency(wanted: Int, reserve: Int = 16, limit: Int? = softLimit(), openNow: Int? = open()) -> Int {
        guard let limit else { return wanted }
        let free = limit - (openNow ?? 16) - reserve
        return max(1, min(wanted, free / 2))
    }
}
