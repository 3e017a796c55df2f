/// How the kernel laid out the 32-bit words it printed in hex in /proc/net/tcp: it prints each word of the
/// network-order address as a native integer, so the text depends on the byte order of the machine.
public enum ProcByteOrder: Sendable {
    /// x86, ARM64 and most machines: `0100007F` is 127.0.0.1.
    case littleEndian
    /// s390x and other big-endian machines: `7F000001` is 127.0.0.1.
    case bigEndian

    /// The byte order of the machine this code runs on (the one whose /proc is read).
    public static var host: ProcByteOrder {
        1.littleEndian == 1 ? .littleEndian : .bigEndian
    }
}

extension IPAddress {
    /// Parses an address column of /proc/net/tcp, tcp6, udp or udp6: 8 hex digits (IPv4) or 32 (IPv6, four
    /// words); `nil` for anything else.
    ///
    /// - Parameters:
    ///   - procHex: The hex text, e.g. `0100007F` or `00000000000000000000000001000000` (`::1`).
    ///   - byteOrder: The byte order of the machine that wrote it; default ``ProcByteOrder/host``.
    public init?(procHex: Substring, byteOrder: ProcByteOrder = .host) {
        guard procHex.count == 8 || procHex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(procHex.count / 2)
        var index = procHex.startIndex
        while index < procHex.endIndex {
            let next = procHex.index(index, offsetBy: 8)
            guard let word = UInt32(procHex[index..<next], radix: 16) else { return nil }
            let big = [UInt8(word >> 24), UInt8(word >> 16 & 0xff), UInt8(word >> 8 & 0xff), UInt8(word & 0xff)]
            bytes += byteOrder == .littleEndian ? big.reversed() : big
            index = next
        }
        self.init(bytes: bytes)
    }
}
