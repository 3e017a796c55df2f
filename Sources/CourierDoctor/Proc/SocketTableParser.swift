/// Parses the text of /proc/PID/net/tcp, tcp6, udp and udp6 (one format, IPv4 or IPv6 addresses).
///
/// Each row is `sl: local remote st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …`. The header
/// row and blank lines are skipped; a row that cannot be read becomes a ``MalformedLine`` and parsing goes on.
public enum SocketTableParser {
    /// The rows of a socket table and the lines that could not be read.
    public struct Result: Sendable, Equatable {
        /// Every row that parsed, in file order.
        public var entries: [SocketTableEntry]
        /// Every row that did not.
        public var malformed: [MalformedLine]
    }

    /// Parses a whole table.
    ///
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - source: The file name to put in ``MalformedLine/source``.
    ///   - byteOrder: The byte order of the machine that wrote it; default ``ProcByteOrder/host``.
    public static func parse(_ text: String, source: String, byteOrder: ProcByteOrder = .host) -> Result {
        var result = Result(entries: [], malformed: [])
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty || (offset == 0 && fields.first == "sl") { continue }
            switch parseRow(fields, byteOrder: byteOrder) {
            case .success(let entry):
                result.entries.append(entry)
            case .failure(let failure):
                result.malformed.append(MalformedLine(source: source, lineNumber: offset + 1, text: line, reason: failure.reason))
            }
        }
        return result
    }

    /// Why a row did not parse.
    struct RowError: Error {
        var reason: String
    }

    /// Parses the whitespace-separated fields of one row.
    static func parseRow(_ fields: [Substring], byteOrder: ProcByteOrder) -> Swift.Result<SocketTableEntry, RowError> {
        guard fields.count >= 10 else { return .failure(RowError(reason: "\(fields.count) fields, expected at least 10")) }
        guard fields[0].hasSuffix(":"), UInt64(fields[0].dropLast()) != nil else {
            return .failure(RowError(reason: "row number \"\(fields[0])\" is not N:"))
        }
        guard let local = SocketEndpoint(procColumn: fields[1], byteOrder: byteOrder) else {
            return .failure(RowError(reason: "local address \"\(fields[1])\" is not HEX:PORT"))
        }
        guard let remote = SocketEndpoint(procColumn: fields[2], byteOrder: byteOrder) else {
            return .failure(RowError(reason: "remote address \"\(fields[2])\" is not HEX:PORT"))
        }
        guard local.address.isIPv6 == remote.address.isIPv6 else {
            return .failure(RowError(reason: "local and remote addresses are of different families"))
        }
        guard fields[3].count == 2, let code = UInt8(fields[3], radix: 16) else {
            return .failure(RowError(reason: "state \"\(fields[3])\" is not two hex digits"))
        }
        guard let state = TCPState(rawValue: code) else { return .failure(RowError(reason: "unknown state 0x\(fields[3])")) }
        guard let uid = UInt32(fields[7]) else { return .failure(RowError(reason: "uid \"\(fields[7])\" is not a number")) }
        guard let inode = UInt64(fields[9]) else { return .failure(RowError(reason: "inode \"\(fields[9])\" is not a number")) }
        return .success(SocketTableEntry(local: local, remote: remote, state: state, uid: uid, inode: inode))
    }
}
