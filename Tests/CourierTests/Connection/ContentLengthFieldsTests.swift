import Testing

@testable import Courier

/// `ContentLengthFields` reads values from bytes; it must decide exactly as RFC 9110 §8.6's list reading does.
@Suite struct ContentLengthFieldsTests {
    static func read(_ values: [String]) -> ContentLengthFields {
        var fields = ContentLengthFields()
        for value in values { Array(value.utf8).withUnsafeBytes { fields.add($0) } }
        return fields
    }

    /// The reading spelled out on the values' bytes: split every value at comma bytes (empty parts kept; a comma
    /// followed by a combining mark is still a comma on the wire, though `String` would make one character of
    /// them), trim each part, every part 1 to 18 digits, all the same number; the first problem in order decides.
    static func reference(_ values: [String]) -> (length: Int64?, problem: ContentLengthFields.Problem?) {
        var length: Int64? = nil
        for value in values {
            for part in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let digits = Array(part.drop(while: { $0 == 0x20 || $0 == 0x09 }).reversed()
                    .drop(while: { $0 == 0x20 || $0 == 0x09 }).reversed())
                guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                    let number = Int64(String(decoding: digits, as: UTF8.self))
                else { return (length, .invalid) }
                if let length, length != number { return (length, .conflicting) }
                length = number
            }
        }
        return (length, nil)
    }

    @Test(arguments: [
        (["5"], Int64(5), nil), (["0"], 0, nil), (["0005"], 5, nil), (["5, 5"], 5, nil), (["5,5"], 5, nil),
        (["5 ,\t5"], 5, nil), (["5", "5"], 5, nil), (["999999999999999999"], 999_999_999_999_999_999, nil),
        (["1000000000000000000"], nil, .invalid), ([""], nil, .invalid), (["5,"], 5, .invalid), ([",5"], nil, .invalid),
        (["5,,5"], 5, .invalid), (["+5"], nil, .invalid), (["-1"], nil, .invalid), (["5x"], nil, .invalid),
        (["x"], nil, .invalid), (["5 5"], nil, .invalid), (["5, 6"], 5, .conflicting), (["5", "6"], 5, .conflicting),
        (["abc", "5"], nil, .invalid), (["5", "6", "abc"], 5, .conflicting), (["5", "abc", "6"], 5, .invalid),
        ([":"], nil, .invalid), (["/"], nil, .invalid), (["5, 6,\u{301}"], 5, .conflicting),
        (["5,\u{301}"], 5, .invalid), (["5\u{e9}"], nil, .invalid),
    ] as [([String], Int64?, ContentLengthFields.Problem?)])
    func listsOfNumbers(values: [String], length: Int64?, problem: ContentLengthFields.Problem?) {
        let fields = Self.read(values)
        #expect(fields.count == values.count)
        #expect(fields.problem == problem, "\(values)")
        if problem == nil { #expect(fields.length == length, "\(values)") }
        let expected = Self.reference(values)
        #expect(fields.problem == expected.problem && (problem != nil || fields.length == expected.length))
    }

    /// Seeded random values over the bytes that matter (digits, separators, whitespace, signs, a letter, the
    /// bytes next to the digits, the bytes of a combining mark and of a non-ASCII letter), one to three fields: the byte reading and the string reading agree.
    @Test func randomValuesAgreeWithTheStringReading() {
        var random = SplitMix64(seed: 0xC0FF_EE11)
        let alphabet = Array("0123456789012345, \t+-x/:\u{301}\u{e9}".utf8)
        for _ in 0..<20_000 {
            let fieldCount = Int(random.next() % 3) + 1
            var values: [String] = []
            for _ in 0..<fieldCount {
                let length = Int(random.next() % 24)
                var bytes = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
                // Values reach the reader trimmed, as the parser trims them.
                while bytes.first == 0x20 || bytes.first == 0x09 { bytes.removeFirst() }
                while bytes.last == 0x20 || bytes.last == 0x09 { bytes.removeLast() }
                values.append(String(decoding: bytes, as: UTF8.self))
            }
            let fields = Self.read(values)
            let expected = Self.reference(values)
            #expect(fields.problem == expected.problem, "\(values)")
            if expected.problem == nil { #expect(fields.length == expected.length, "\(values)") }
        }
    }
}
