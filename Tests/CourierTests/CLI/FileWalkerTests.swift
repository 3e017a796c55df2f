import CourierCLI
import Foundation
import Testing

@Suite struct FileWalkerTests {
    /// A tree with nested directories, links, a loop, a dangling link, a FIFO and a name that is not UTF-8.
    static func makeTree() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("courier-walk-\(UUID().uuidString)").path
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/tree/b/deeper", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/tree/a", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/elsewhere", withIntermediateDirectories: true)
        for (path, text) in [("tree/z.txt", "z"), ("tree/a/1.txt", "1"), ("tree/b/2.txt", "22"), ("tree/b/deeper/3.txt", "333"), ("elsewhere/e.txt", "e")] {
            #expect(manager.createFile(atPath: root + "/" + path, contents: Data(text.utf8)))
        }
        try manager.createSymbolicLink(atPath: root + "/tree/link-to-file", withDestinationPath: root + "/elsewhere/e.txt")
        try manager.createSymbolicLink(atPath: root + "/tree/link-to-dir", withDestinationPath: root + "/elsewhere")
        try manager.createSymbolicLink(atPath: root + "/tree/b/deeper/loop", withDestinationPath: root + "/tree/b")
        try manager.createSymbolicLink(atPath: root + "/tree/dangling", withDestinationPath: root + "/nowhere")
        #expect(mkfifo(root + "/tree/fifo", 0o644) == 0)
        // A name with bytes that are not UTF-8.
        let raw = Array((root + "/tree/bad-").utf8) + [0xFF, 0xFE, 0]
        let fd = raw.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) }
        }
        #expect(fd >= 0)
        close(fd)
        return root
    }

    @Test func walksInSortedOrderFollowingLinksAndReportingWhatCannotBeSent() throws {
        let root = try Self.makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let walk = try FileWalker.walk([root + "/tree", root + "/elsewhere/e.txt", "-"])
        let relative = walk.items.map { String(decoding: $0.relativePath, as: UTF8.self) }
        #expect(
            relative == [
                "bad-\u{FFFD}\u{FFFD}", "link-to-file", "z.txt",
                "a/1.txt", "b/2.txt", "b/deeper/3.txt", "link-to-dir/e.txt",
                "e.txt", "",
            ])
        #expect(walk.items.first?.relativePath == Array("bad-".utf8) + [0xFF, 0xFE])
        #expect(walk.items.last?.isStandardInput == true)
        #expect(walk.items[2].size == 1)
        #expect(walk.items.dropLast().allSatisfy { $0.argument.hasPrefix(root) })
        let problems = Dictionary(uniqueKeysWithValues: walk.problems.map { ($0.path.replacingOccurrences(of: root + "/tree/", with: ""), $0.reason) })
        #expect(problems.count == 3)
        #expect(problems["dangling"]?.contains("No such file") == true)
        #expect(problems["fifo"] == "not a regular file (a FIFO)")
        #expect(problems["b/deeper/loop"]?.contains("loop") == true)
    }

    @Test func aMissingArgumentIsAUsageProblem() {
        #expect(throws: FileWalker.UsageProblem.self) { try FileWalker.walk(["/nonexistent/courier-\(UUID().uuidString)"]) }
    }

    @Test func aFIFOGivenDirectlyIsAProblemNotAHang() throws {
        let root = try Self.makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let walk = try FileWalker.walk([root + "/tree/fifo"])
        #expect(walk.items.isEmpty)
        #expect(walk.problems == [.init(path: root + "/tree/fifo", reason: "not a regular file (a FIFO)")])
    }
}
