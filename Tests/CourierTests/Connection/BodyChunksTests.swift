import NIOCore
import Testing

@testable import Courier

/// `BodyChunks` holds none, one, or many buffers and gives them back in order.
@Suite struct BodyChunksTests {
    @Test(arguments: [0, 1, 2, 3, 17])
    func buffersComeBackInOrder(count: Int) {
        var chunks = BodyChunks()
        let buffers = (0..<count).map { ByteBuffer(string: "chunk \($0)") }
        for buffer in buffers { chunks.append(buffer) }
        #expect(chunks.count == count)
        #expect(chunks.isEmpty == (count == 0))
        #expect(Array(chunks) == buffers)
        #expect(chunks.indices.map { chunks[$0] } == buffers)
    }

    @Test func aCopyIsNotChangedByAppendsToTheOriginal() {
        var chunks = BodyChunks()
        chunks.append(ByteBuffer(string: "a"))
        chunks.append(ByteBuffer(string: "b"))
        let copy = chunks
        chunks.append(ByteBuffer(string: "c"))
        #expect(copy.map { String(buffer: $0) } == ["a", "b"])
        #expect(chunks.map { String(buffer: $0) } == ["a", "b", "c"])
    }
}
