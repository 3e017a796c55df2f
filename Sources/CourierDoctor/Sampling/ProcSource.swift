/// Read access to /proc, so that sampling can run against the real file system (``LiveProcSource``) or
/// against captured text in tests.
public protocol ProcSource: Sendable {
    /// The whole contents of a file (files under /proc report size 0, so implementations read to the end).
    func readText(_ path: String) throws(ProcReadError) -> String
    /// The names in a directory, without `.` and `..`, in no particular order.
    func listDirectory(_ path: String) throws(ProcReadError) -> [String]
    /// The target of a symbolic link.
    func readLink(_ path: String) throws(ProcReadError) -> String
}

/// Why a /proc path could not be read.
public enum ProcReadError: Error, Sendable, Equatable {
    /// The path does not exist (ENOENT, ESRCH): for /proc/PID/…, the process does not exist (any more).
    case notFound(path: String)
    /// Reading it is not allowed (EACCES, EPERM): the process belongs to another user.
    case notPermitted(path: String)
    /// Any other failure, with its errno.
    case failed(path: String, errno: Int32)
}
