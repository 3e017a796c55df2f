import Testing

@testable import Courier

@Suite struct FIFOQueueTests {
    @Test func itBehavesLikeAnArrayServedFromTheFront() {
        // Random appends, pops and removals (from anywhere), checked against a plain array after every step;
        // long runs cross the compaction threshold many times.
        var rng = SplitMix64(seed: 0xF1F0)
        var queue = FIFOQueue<Int>()
        var reference: [Int] = []
        var next = 0
        for step in 0..<20_000 {
            switch rng.next() % 5 {
            case 0, 1:
                queue.append(next)
                reference.append(next)
                next += 1
            case 2, 3:
                let popped = queue.popFirst()
                #expect(popped == (reference.isEmpty ? nil : reference.removeFirst()), "step \(step)")
            default:
                // Remove a waiter that is present (often in the middle), or one that is not.
                let target = reference.isEmpty || rng.next() % 4 == 0 ? -1 : reference[Int(rng.next() % UInt64(reference.count))]
                let present = reference.contains(target)
                #expect(queue.remove(target) == present, "step \(step)")
                if present { reference.removeAll { $0 == target } }
            }
            #expect(queue.count == reference.count, "step \(step)")
            #expect(queue.first == reference.first, "step \(step)")
            #expect(queue.isEmpty == reference.isEmpty)
            if let offset = reference.indices.last.map({ Int(rng.next() % UInt64($0 + 1)) }) {
                #expect(queue.element(at: offset) == reference[offset], "step \(step)")
            }
        }
    }
}
