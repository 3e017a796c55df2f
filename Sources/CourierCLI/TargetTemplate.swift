/// A URL in which every `{}` stands for a file's path relative to the directory argument it was found under.
///
/// The path is percent-encoded byte by byte: RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) and `/`
/// are kept, every other byte of the name (UTF-8, or the raw bytes of a name that is not UTF-8) becomes `%XX`.
public struct TargetTemplate: Sendable, Equatable {
    /// The URL as given, `{}` included.
    public let text: String

    /// - Parameter text: The URL, possibly containing `{}` one or more times.
    public init(_ text: String) {
        self.text = text
    }

    /// Whether the URL contains `{}`; without it every file goes to the same URL.
    public var hasPlaceholder: Bool { text.contains("{}") }

    /// The URL for a file whose relative path is `relativePath` (raw bytes).
    public func url(for relativePath: [UInt8]) -> String {
        guard hasPlaceholder else { return text }
        return text.replacingOccurrences(of: "{}", with: Self.encode(relativePath))
    }

    /// Percent-encodes `path`, keeping unreserved characters and `/`.
    public static func encode(_ path: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(path.count)
        for byte in path {
            if isKept(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isKept(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }
}
