import Foundation
import NIOCore
import Testing

@testable import Courier

/// The file source on its own: exact lengths, and files that change size between open and the last read.
@Suite struct FileChunkSourceTests {
    static func file(bytes: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("courier-\(UUID().uuidString).bin").path
        let contents = Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        #expect(FileManager.default.createFile(atPath: path, contents: contents))
        return path
    }

    /// Reads every chunk; returns the bytes or the error.
    static func drain(_ source: FileChunkSource) async -> Result<[UInt8], any Error> {
        var bytes: [UInt8] = []
        do {
            while let chunk = try await source.next() { bytes += chunk.readableBytesView }
            return .success(bytes)
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: [0, 1, FileChunkSource.chunkSize - 1, FileChunkSource.chunkSize, FileChunkSource.chunkSize + 1, 3 * FileChunkSource.chunkSize])
    func aFileIsReadExactly(size: Int) async throws {
        let path = try Self.file(bytes: size)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = FileChunkSource(path: Array(path.utf8), range: nil)
        try await source.open()
        #expect(source.length == Int64(size))
        let bytes = try await Self.drain(source).get()
        #expect(bytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        source.close()
    }

    @Test(arguments: [0, 10, FileChunkSource.chunkSize, 2 * FileChunkSource.chunkSize + 5])
    func growthIsCaughtByTheLastReadBeforeTheLastChunkIsHandedOut(size: Int) async throws {
        let path = try Self.file(bytes: size)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = FileChunkSource(path: Array(path.utf8), range: nil)
        try await source.open()
        #expect(truncate(path, off_t(size + 1)) == 0)
        var handedOut = 0
        var failure: (any Error)?
        do {
            while let chunk = try await source.next() { handedOut += chunk.readableBytes }
        } catch {
            failure = error
        }
        #expect(failure as? CourierError == .bodyLengthMismatch(expected: Int64(size), actual: Int64(size) + 1))
        // The declared length never left the source in full.
        #expect(size == 0 || handedOut < size)
        source.close()
    }

    @Test func shrinkingIsCaughtWhenTheDataRunsOut() async throws {
        let size = 3 * FileChunkSource.chunkSize
        let path = try Self.file(bytes: size)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = FileChunkSource(path: Array(path.utf8), range: nil)
        try await source.open()
        #expect(truncate(path, off_t(FileChunkSource.chunkSize + 7)) == 0)
        let result = await Self.drain(source)
        guard case .failure(let error as CourierError) = result else {
            Issue.record("expected a length mismatch, got \(result)")
            return
        }
        #expect(error == .bodyLengthMismatch(expected: Int64(size), actual: Int64(FileChunkSource.chunkSize + 7)))
        source.close()
    }

    @Test func aRangeIgnoresBytesAfterItAndGrowthOfTheFile() async throws {
        let path = try Self.file(bytes: 1_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = FileChunkSource(path: Array(path.utf8), range: 100..<300)
        try await source.open()
        #expect(truncate(path, 5_000) == 0)
        let bytes = try await Self.drain(source).get()
        let all = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes == Array(all[100..<300]))
        source.close()
    }

    @Test func aRangeOutsideTheFileIsRefusedAtOpen() async throws {
        let path = try Self.file(bytes: 10)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = FileChunkSource(path: Array(path.utf8), range: 5..<11)
        await #expect(throws: CourierError.self) { try await source.open() }
        source.close()
    }
}
