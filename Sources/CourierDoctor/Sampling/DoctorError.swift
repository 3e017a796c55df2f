/// Why doctor could not read a process.
public enum DoctorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// There is no process with that id (or it ended).
    case notFound(pid: Int32)
    /// The process has ended (or is being torn down) but its parent has not collected it yet: it holds no
    /// descriptors any more.
    case exited(pid: Int32)
    /// The process exists but its descriptors may not be read by this user.
    case notPermitted(pid: Int32, path: String)
    /// Reading failed otherwise.
    case unreadable(pid: Int32, path: String, errno: Int32)

    /// One line for the user, saying which of the three it is.
    public var description: String {
        switch self {
        case .notFound(let pid):
            "process \(pid) not found"
        case .exited(let pid):
            "process \(pid) has exited (its parent has not collected it yet)"
        case .notPermitted(let pid, let path):
            "process \(pid): not permitted to read \(path) (run as the process's user or as root)"
        case .unreadable(let pid, let path, let code):
            "process \(pid): cannot read \(path) (errno \(code))"
        }
    }

    /// Maps a read failure of one of the process's /proc files.
    init(pid: Int32, _ error: ProcReadError) {
        switch error {
        case .notFound: self = .notFound(pid: pid)
        case .notPermitted(let path): self = .notPermitted(pid: pid, path: path)
        case .failed(let path, let code): self = .unreadable(pid: pid, path: path, errno: code)
        }
    }
}
