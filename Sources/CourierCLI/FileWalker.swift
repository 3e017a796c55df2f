#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns `submit`'s path arguments into the list of files to send.
///
/// Directories are walked recursively in byte order of their entries' names; symbolic links are followed and
/// link loops detected (a directory already open on the current path is not entered again). Anything that is
/// not a regular file (a FIFO, socket or device), a dangling link, a loop and an unreadable directory become
/// ``Walk/problems`` for their paths, reported and counted as failures, never a hang. Paths are kept as raw
/// bytes so that names which are not valid UTF-8 are sent too.
public enum FileWalker {
    /// One file to send.
    public struct Item: Sendable, Equatable {
        /// The path to open (raw bytes); empty for standard input.
        public var path: [UInt8]
        /// The path relative to the directory argument it was found under (a file given directly: its name);
        /// what replaces `{}`.
        public var relativePath: [UInt8]
        /// The argument it came from.
        public var argument: String
        /// Its size when walked, in bytes; `nil` for standard input.
        public var size: Int64?

        /// The item for standard input (`-`).
        public static let standardInput = Item(path: [], relativePath: [], argument: "-", size: nil)
        /// Whether this is standard input.
        public var isStandardInput: Bool { argument == "-" && path.isEmpty }
        /// The path for messages (invalid UTF-8 shown as U+FFFD).
        public var shownPath: String { isStandardInput ? "-" : String(decoding: path, as: UTF8.self) }
    }

    /// A path that cannot be sent, and why.
    public struct Problem: Sendable, Equatable {
        /// The path (for messages).
        public var path: String
        /// Why it is not sent.
        public var reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    /// The outcome of walking every argument.
    public struct Walk: Sendable {
        /// Files to send, in argument order, each directory's files in sorted order.
        public var items: [Item] = []
        /// Paths found that cannot be sent.
        public var problems: [Problem] = []
    }

    /// A command-line mistake found while walking (a path that does not exist); nothing is sent.
    public struct UsageProblem: Error, Sendable, CustomStringConvertible {
        /// The one-line message.
        public var description: String
    }

    /// Walks every argument (`-` is standard input).
    ///
    /// - Throws: ``UsageProblem`` for an argument that does not exist (or cannot be examined) at all.
    public static func walk(_ arguments: [String]) throws -> Walk {
        var walk = Walk()
        for argument in arguments {
            if argument == "-" {
                walk.items.append(.standardInput)
                continue
            }
            let path = Array(argument.utf8)
            var info = systemStat()
            guard statFollowing(path, &info) else {
                throw UsageProblem(description: "cannot use '\(argument)': \(errnoText())")
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                walk.items.append(Item(path: path, relativePath: lastComponent(path), argument: argument, size: Int64(info.st_size)))
            case S_IFDIR:
                walkDirectory(path, argument: argument, info: info, into: &walk)
            default:
                walk.problems.append(Problem(path: argument, reason: notRegular(info)))
            }
        }
        return walk
    }

    private struct Pending {
        var path: [UInt8]
        var relative: [UInt8]
        /// (device, inode) of every directory from the argument down to this one.
        var ancestors: [FileIdentity]
    }

    private struct FileIdentity: Equatable {
        var device: UInt64
        var inode: UInt64
    }

    private static func walkDirectory(_ root: [UInt8], argument: String, info: stat, into walk: inout Walk) {
        // Depth first with an explicit stack, so that entries come out in sorted order without recursion.
        var stack = [Pending(path: root, relative: [], ancestors: [identity(info)])]
        while let directory = stack.popLast() {
            guard let names = entries(of: directory.path) else {
                walk.problems.append(Problem(path: shown(directory.path), reason: "cannot read directory: \(errnoText())"))
                continue
            }
            var subdirectories: [Pending] = []
            for name in names {
                let path = join(directory.path, name)
                let relative = directory.relative.isEmpty ? name : join(directory.relative, name)
                var entry = systemStat()
                guard statFollowing(path, &entry) else {
                    walk.problems.append(Problem(path: shown(path), reason: "cannot examine: \(errnoText())"))
                    continue
                }
                switch entry.st_mode & S_IFMT {
                case S_IFREG:
                    walk.items.append(Item(path: path, relativePath: relative, argument: argument, size: Int64(entry.st_size)))
                case S_IFDIR:
                    let id = identity(entry)
                    if directory.ancestors.contains(id) {
                        walk.problems.append(Problem(path: shown(path), reason: "symbolic link loop: it leads back to a directory above it"))
                    } else {
                        subdirectories.append(Pending(path: path, relative: relative, ancestors: directory.ancestors + [id]))
                    }
                default:
                    walk.problems.append(Problem(path: shown(path), reason: notRegular(entry)))
                }
            }
            // Files of a directory come before its subdirectories' files; subdirectories in sorted order.
            stack.append(contentsOf: subdirectories.reversed())
        }
    }

    /// The entry names of a directory in byte order, `.` and `..` left out; `nil` when it cannot be read.
    private static func entries(of path: [UInt8]) -> [[UInt8]]? {
        guard let directory = withCPath(path, { opendir($0) }) else { return nil }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    private static func notRegular(_ info: stat) -> String {
        switch info.st_mode & S_IFMT {
        case S_IFIFO: return "not a regular file (a FIFO)"
        case S_IFSOCK: return "not a regular file (a socket)"
        case S_IFCHR, S_IFBLK: return "not a regular file (a device)"
        default: return "not a regular file"
        }
    }

    private static func identity(_ info: stat) -> FileIdentity {
        FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    private static func lastComponent(_ path: [UInt8]) -> [UInt8] {
        var trimmed = path[...]
        while trimmed.count > 1, trimmed.last == UInt8(ascii: "/") { trimmed = trimmed.dropLast() }
        if let slash = trimmed.lastIndex(of: UInt8(ascii: "/")) { return Array(trimmed[(slash + 1)...]) }
        return Array(trimmed)
    }

    private static func join(_ base: [UInt8], _ name: [UInt8]) -> [UInt8] {
        base.last == UInt8(ascii: "/") ? base + name : base + [UInt8(ascii: "/")] + name
    }

    private static func shown(_ path: [UInt8]) -> String {
        String(decoding: path, as: UTF8.self)
    }

    /// `stat(2)`, following symbolic links.
    private static func statFollowing(_ path: [UInt8], _ info: inout stat) -> Bool {
        withCPath(path) { pointer in followingStat(pointer, &info) }
    }

    static func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}

func errnoText() -> String {
    String(cString: strerror(errno))
}

#if canImport(Darwin)
typealias systemStat = Darwin.stat
#elseif canImport(Musl)
typealias systemStat = Musl.stat
#else
typealias systemStat = Glibc.stat
#endif

/// `stat(2)` as a free function: inside the walker the name `stat` means the struct.
private func followingStat(_ path: UnsafePointer<CChar>, _ info: inout systemStat) -> Bool {
    stat(path, &info) == 0
}
