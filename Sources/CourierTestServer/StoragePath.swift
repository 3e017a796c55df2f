/// Where an uploaded body may be stored: the request target decoded and normalised into path components
/// below a storage directory, or the reason it is refused.
///
/// Pure: it looks at the text only. Symbolic links on disk are checked by ``BodyStore`` when the file is placed.
public enum StoragePath {
    /// Why a request target cannot name a file inside the storage directory.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        /// A sentence naming what was wrong.
        public let description: String
    }

    /// The path components (raw bytes, percent-decoded) that `target` names below the storage directory.
    ///
    /// The query and fragment are ignored; empty and `.` segments are dropped; `..` removes the previous
    /// segment. Refused: a target that does not start with `/`, bad percent-encoding, an encoded `/` or NUL
    /// inside a segment, a `..` that would leave the directory, and a target naming the directory itself.
    public static func components(ofTarget target: String) -> Result<[[UInt8]], Refusal> {
        var bytes = Array(target.utf8)
        if let end = bytes.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            bytes.removeSubrange(end...)
        }
        guard bytes.first == UInt8(ascii: "/") else {
            return .failure(Refusal(description: "the request target must be a path starting with '/'"))
        }
        var components: [[UInt8]] = []
        for rawSegment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            guard let segment = percentDecoded(rawSegment) else {
                return .failure(Refusal(description: "the path has a malformed percent-encoding"))
            }
            if segment.contains(UInt8(ascii: "/")) || segment.contains(0) {
                return .failure(Refusal(description: "a path segment contains an encoded '/' or NUL"))
            }
            switch segment {
            case [], [UInt8(ascii: ".")]:
                continue
            case [UInt8(ascii: "."), UInt8(ascii: ".")]:
                guard !components.isEmpty else {
                    return .failure(Refusal(description: "the path leaves the storage directory ('..')"))
                }
                components.removeLast()
            default:
                components.append(segment)
            }
        }
        guard !components.isEmpty else {
            return .failure(Refusal(description: "the path names no file"))
        }
        return .success(components)
    }

    /// Decodes `%XX` escapes; `nil` when an escape is malformed.
    static func percentDecoded(_ segment: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(segment.count)
        var index = segment.startIndex
        while index < segment.endIndex {
            let byte = segment[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < segment.endIndex, let high = hexValue(segment[index + 1]), let low = hexValue(segment[index + 2])
                else { return nil }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
