#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Stores received request bodies below one directory.
///
/// A body is written to a temporary file (`.courier-partial-*` in the directory) and renamed into place only
/// when it arrived complete, so a reader never sees half a file. Placement refuses anything that would land
/// outside the directory, including through a symbolic link inside it. Every method does blocking file
/// system calls: run them off the event loop.
public final class BodyStore: Sendable {
    /// A body being received: its temporary file.
    public struct PartialFile: Sendable {
        let descriptor: CInt
        let path: [UInt8]
    }

    /// An I/O failure, with the operation and the system's reason.
    public struct Failure: Error, CustomStringConvertible {
        /// A sentence naming what failed.
        public let description: String
    }

    /// The directory's canonical path (symbolic links resolved), as raw bytes.
    public let root: [UInt8]

    /// Opens the store at `directory`, which must exist and be a directory.
    public init(directory: String) throws {
        guard let resolved = realpath(directory, nil) else {
            throw Failure(description: "cannot use '\(directory)' as storage directory: \(errnoText())")
        }
        defer { free(resolved) }
        let root = Array(String(cString: resolved).utf8)
        var info = stat()
        guard Self.lstat(root, &info), info.st_mode & S_IFMT == S_IFDIR else {
            throw Failure(description: "'\(directory)' is not a directory")
        }
        self.root = root
    }

    /// Creates a new temporary file in the directory.
    public func begin() throws -> PartialFile {
        for attempt in 0..<100 {
            let name = Array(".courier-partial-\(UInt64.random(in: 0...UInt64.max))-\(attempt)".utf8)
            let path = join(root, [name])
            let fd = Self.withCPath(path) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
            if fd >= 0 { return PartialFile(descriptor: fd, path: path) }
            if errno != EEXIST { throw Failure(description: "cannot create a temporary file: \(errnoText())") }
        }
        throw Failure(description: "cannot create a temporary file: every name tried exists")
    }

    /// Appends `bytes` to the temporary file.
    public func write(_ partial: PartialFile, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(partial.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "writing the body failed: \(errnoText())")
            }
            offset += written
        }
    }

    /// Closes the temporary file and renames it to `components` below the directory, creating intermediate
    /// directories. Throws ``StoragePath/Refusal`` when the place is not inside the directory or is taken by a
    /// directory; the temporary file is removed on every failure.
    public func place(_ partial: PartialFile, at components: [[UInt8]]) throws {
        let closed = systemClose(partial.descriptor) == 0
        do {
            guard closed else { throw Failure(description: "closing the body file failed: \(errnoText())") }
            var current = root
            for component in components.dropLast() {
                current = join(current, [component])
                try ensureDirectory(current, shown: component)
            }
            let final = join(current, [components.last!])
            var info = stat()
            if Self.lstat(final, &info) {
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    throw StoragePath.Refusal(description: "'\(shown(components.last!))' is a directory")
                case S_IFLNK:
                    guard resolvesInside(final) else {
                        throw StoragePath.Refusal(description: "a symbolic link inside the directory points outside it")
                    }
                default:
                    break
                }
            }
            guard Self.withCPath(partial.path, { from in Self.withCPath(final) { rename(from, $0) } }) == 0 else {
                throw Failure(description: "cannot move the body into place: \(errnoText())")
            }
        } catch {
            // The descriptor is closed (or unusable) already: only the name is removed.
            _ = Self.withCPath(partial.path) { unlink($0) }
            throw error
        }
    }

    /// Closes and removes a temporary file whose body did not arrive complete.
    public func discard(_ partial: PartialFile) {
        _ = systemClose(partial.descriptor)
        _ = Self.withCPath(partial.path) { unlink($0) }
    }

    private func ensureDirectory(_ path: [UInt8], shown component: [UInt8]) throws {
        var info = stat()
        if !Self.lstat(path, &info) {
            if Self.withCPath(path, { mkdir($0, 0o755) }) == 0 || errno == EEXIST { return }
            throw Failure(description: "cannot create directory '\(shown(component))': \(errnoText())")
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            return
        case S_IFLNK:
            guard resolvesInside(path) else {
                throw StoragePath.Refusal(description: "a symbolic link inside the directory points outside it")
            }
        default:
            throw StoragePath.Refusal(description: "'\(shown(component))' is a file, not a directory")
        }
    }

    /// Whether a symbolic link resolves to the directory or below it (a dangling link does not).
    private func resolvesInside(_ path: [UInt8]) -> Bool {
        guard let resolved = Self.withCPath(path, { realpath($0, nil) }) else { return false }
        defer { free(resolved) }
        let target = Array(String(cString: resolved).utf8)
        return target == root || target.starts(with: root + [UInt8(ascii: "/")])
    }

    private func join(_ base: [UInt8], _ components: [[UInt8]]) -> [UInt8] {
        var path = base
        for component in components {
            path.append(UInt8(ascii: "/"))
            path += component
        }
        return path
    }

    private func shown(_ component: [UInt8]) -> String {
        String(decoding: component, as: UTF8.self)
    }

    private static func lstat(_ path: [UInt8], _ info: inout stat) -> Bool {
        withCPath(path) { pointer in
            #if canImport(Darwin)
            Darwin.lstat(pointer, &info) == 0
            #elseif canImport(Musl)
            Musl.lstat(pointer, &info) == 0
            #else
            Glibc.lstat(pointer, &info) == 0
            #endif
        }
    }

    private static func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}

private func errnoText() -> String {
    String(cString: strerror(errno))
}

private func systemWrite(_ fd: CInt, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    Darwin.write(fd, pointer, count)
    #elseif canImport(Musl)
    Musl.write(fd, pointer, count)
    #else
    Glibc.write(fd, pointer, count)
    #endif
}

private func systemClose(_ fd: CInt) -> CInt {
    #if canImport(Darwin)
    Darwin.close(fd)
    #elseif canImport(Musl)
    Musl.close(fd)
    #else
    Glibc.close(fd)
    #endif
}
