/// Parses /proc/PID/net/unix for the inodes of Unix-domain sockets (to tell them apart from other sockets).
///
/// Each row is `Num RefCount Protocol Flags Type St Inode [Path]`; the header row and blank lines are skipped and
/// unreadable rows are reported as ``MalformedLine``s.
public enum UnixSocketTableParser {
    /// The inodes found and the lines that could not be read.
    public struct Result: Sendable, Equatable {
        /// Inodes of every Unix-domain socket in the table.
        public var inodes: Set<UInt64>
        /// Rows that did not parse.
        public var malformed: [MalformedLine]
    }

    /// Parses a whole table; `source` names the file in ``MalformedLine/source``.
    public static func parse(_ text: String, source: String) -> Result {
        var result = Result(inodes: [], malformed: [])
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty || (offset == 0 && fields.first == "Num") { continue }
            if fields.count < 7 || !fields[0].hasSuffix(":") {
                result.malformed.append(MalformedLine(source: source, lineNumber: offset + 1, text: line, reason: "expected NUM: REFCOUNT PROTOCOL FLAGS TYPE ST INODE"))
            } else if let inode = UInt64(fields[6]) {
                result.inodes.insert(inode)
            } else {
                result.malformed.append(MalformedLine(source: source, lineNumber: offset + 1, text: line, reason: "inode \"\(fields[6])\" is not a number"))
            }
        }
        return result
    }
}
