/// One value of a resource limit: a number, or unlimited.
public enum ResourceLimit: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A finite limit (for open files: a number of descriptors).
    case finite(Int)
    /// No limit (`unlimited` in /proc/PID/limits).
    case unlimited

    /// The number, or `nil` when unlimited.
    public var value: Int? {
        if case .finite(let value) = self { return value }
        return nil
    }

    /// The number, or `unlimited`.
    public var description: String { value.map(String.init) ?? "unlimited" }

    /// Encodes as a number, or `null` when unlimited.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }

    /// Decodes a number, or `null` for unlimited.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .unlimited : .finite(try container.decode(Int.self))
    }
}
