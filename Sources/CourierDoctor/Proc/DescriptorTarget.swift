/// What a descriptor refers to, parsed from the target of its /proc/PID/fd/N link.
public enum DescriptorTarget: Sendable, Hashable {
    /// `socket:[INODE]`: a socket of any kind; the socket tables tell which.
    case socket(inode: UInt64)
    /// `pipe:[INODE]`: one end of a pipe or FIFO.
    case pipe(inode: UInt64)
    /// An absolute path: a regular file, directory or device (possibly ending in ` (deleted)`).
    case file(path: String)
    /// Anything else: `anon_inode:[eventpoll]`, `anon_inode:[eventfd]`, `net:[…]`, a memfd, ….
    case other(String)

    /// Parses a link target such as `socket:[629431]`, `pipe:[629454]`, `/etc/hostname` or
    /// `anon_inode:[eventfd]`. Never fails: what it does not recognise is ``other(_:)``.
    public init(linkTarget: String) {
        if let inode = Self.bracketedInode(linkTarget, prefix: "socket:[") {
            self = .socket(inode: inode)
        } else if let inode = Self.bracketedInode(linkTarget, prefix: "pipe:[") {
            self = .pipe(inode: inode)
        } else if linkTarget.hasPrefix("/") {
            self = .file(path: linkTarget)
        } else {
            self = .other(linkTarget)
        }
    }

    private static func bracketedInode(_ text: String, prefix: String) -> UInt64? {
        guard text.hasPrefix(prefix), text.hasSuffix("]") else { return nil }
        return UInt64(text.dropFirst(prefix.count).dropLast())
    }
}
