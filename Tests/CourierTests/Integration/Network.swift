import Courier
import CourierTestServer
import Crypto
import Foundation
import NIOCore
import Testing

/// Every test that opens sockets lives under this suite, so they run one at a time and the process-wide
/// descriptor counts they take are not disturbed by other tests.
@Suite(.serialized) struct Network {}

/// Helpers shared by the network tests.
enum Fixture {
    /// A client with test-friendly limits.
    static func client(perHost: Int = 8, configure: (inout Configuration) -> Void = { _ in }) -> Client {
        var configuration = Configuration(pool: .init(maxConnectionsPerHost: perHost))
        configure(&configuration)
        return Client(configuration: configuration)
    }

    static func post(_ url: String, _ body: RequestBody, headers: [(name: String, value: String)] = []) throws -> Request {
        try Request(method: "POST", url: url, headers: headers, body: body)
    }

    static func get(_ url: String) throws -> Request {
        try Request(method: "GET", url: url)
    }

    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        SHA256.hash(data: Array(bytes)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates a sparse file of `size` bytes in a fresh temporary directory.
    static func sparseFile(size: Int64) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("sparse.bin").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, off_t(size)) == 0)
        return path
    }

    /// Waits (bounded) until `condition` holds; returns whether it did.
    static func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

/// An async sequence over an array of buffers, made anew for each iteration (so it is replayable).
struct AsyncChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { remaining.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: chunks[...]) }
}

extension Array where Element == ByteBuffer {
    /// The buffers as an ``AsyncChunks`` sequence.
    var async: AsyncChunks { AsyncChunks(chunks: self) }
}
