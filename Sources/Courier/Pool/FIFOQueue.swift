/// A first-in, first-out queue with amortized O(1) `append` and `popFirst`, and O(n) removal of one element.
struct FIFOQueue<Element: Equatable> {
    private var storage: [Element] = []
    private var head = 0

    var count: Int { storage.count - head }
    /// The element that `popFirst` would return.
    var first: Element? { head < storage.count ? storage[head] : nil }

    /// The element `offset` places behind the first, if there is one.
    func element(at offset: Int) -> Element? {
        head + offset < storage.count ? storage[head + offset] : nil
    }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ element: Element) {
        storage.append(element)
    }

    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head > 32 && head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Removes the first occurrence of `element`; returns whether it was present.
    @discardableResult
    mutating func remove(_ element: Element) -> Bool {
        guard let index = storage[head...].firstIndex(of: element) else { return false }
        storage.remove(at: index)
        return true
    }
}

extension FIFOQueue: Sendable where Element: Sendable {}
