/// The `Content-Length` fields of a response head, read from their bytes as they are parsed (RFC 9112 §6.3, RFC
/// 9110 §8.6): the framing decision needs only whether they agree on one valid number and which.
///
/// A value is a list of decimal numbers (`5` or `5, 5`), each of 1 to 18 digits (so it fits an `Int64`) with
/// optional whitespace around it. Every number of every field must be the same. The first problem found, in field
/// order, is the one kept.
struct ContentLengthFields: Equatable, Sendable {
    /// Why the fields cannot frame a body.
    enum Problem: Equatable, Sendable {
        /// An element is empty, not all digits, or longer than 18 digits.
        case invalid
        /// Two elements are different numbers.
        case conflicting
    }

    /// How many `Content-Length` fields the head has; `0` when none.
    private(set) var count = 0
    /// The number every element so far agreed on; nil before the first valid one.
    private(set) var length: Int64? = nil
    /// The first problem found; nil while the fields agree.
    private(set) var problem: Problem? = nil

    /// Notes one field's value (already trimmed of surrounding whitespace).
    mutating func add(_ value: UnsafeRawBufferPointer) {
        count += 1
        guard problem == nil else { return }
        var index = 0
        repeat {
            // One element: up to the next comma, optional whitespace around it.
            var end = index
            while end < value.count, value[end] != UInt8(ascii: ",") { end += 1 }
            let (start, stop) = value.trimmingWhitespace(from: index, to: end)
            guard stop > start, stop - start <= 18 else {
                problem = .invalid
                return
            }
            var number: Int64 = 0
            for position in start..<stop {
                let digit = value[position] &- 0x30
                guard digit <= 9 else {
                    problem = .invalid
                    return
                }
                number = number * 10 + Int64(digit)
            }
            if let length, length != number {
                problem = .conflicting
                return
            }
            length = number
            index = end + 1
        } while index <= value.count
    }
}
