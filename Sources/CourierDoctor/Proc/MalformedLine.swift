/// A line of a /proc file that could not be parsed. Parsers report these and go on with the next line.
public struct MalformedLine: Sendable, Hashable, Codable {
    /// The file it came from (e.g. `/proc/4242/net/tcp`), or a label given to the parser.
    public var source: String
    /// The 1-based line number in that file.
    public var lineNumber: Int
    /// The line as read (trailing blanks removed, at most 200 characters).
    public var text: String
    /// What was wrong, in a few words.
    public var reason: String

    /// A malformed-line record; `text` is cut to 200 characters.
    public init(source: String, lineNumber: Int, text: Substring, reason: String) {
        self.source = source
        self.lineNumber = lineNumber
        var trimmed = text
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        self.text = String(trimmed.prefix(200))
        self.reason = reason
    }
}
