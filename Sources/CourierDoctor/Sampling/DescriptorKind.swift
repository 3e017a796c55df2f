/// What kind of object a descriptor refers to.
public enum DescriptorKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A TCP socket (found in net/tcp or tcp6).
    case tcp
    /// A UDP socket (found in net/udp or udp6).
    case udp
    /// A Unix-domain socket (found in net/unix).
    case unix
    /// A socket in none of those tables (netlink, raw, packet…, or one closed while it was being looked up).
    case otherSocket
    /// A path: regular file, directory or device.
    case file
    /// A pipe or FIFO.
    case pipe
    /// Anything else (epoll, eventfd, timerfd, signalfd, …).
    case other

    /// How the text report names the kind.
    public var label: String {
        switch self {
        case .tcp: "TCP"
        case .udp: "UDP"
        case .unix: "Unix"
        case .otherSocket: "other socket"
        case .file: "file"
        case .pipe: "pipe"
        case .other: "other"
        }
    }
}

/// How many descriptors of each kind a process had in one sample.
public struct DescriptorKindCounts: Sendable, Hashable, Codable {
    /// Count per kind (kinds with no descriptor are absent).
    public var counts: [DescriptorKind: Int] = [:]

    /// No descriptors.
    public init() {}

    /// The count of one kind (0 when absent).
    public subscript(kind: DescriptorKind) -> Int {
        get { counts[kind] ?? 0 }
        set { counts[kind] = newValue == 0 ? nil : newValue }
    }

    /// All descriptors counted.
    public var total: Int { counts.values.reduce(0, +) }

    /// Encodes as an object with one number per kind, every kind present.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        for kind in DescriptorKind.allCases { try container.encode(self[kind], forKey: DynamicKey(kind.rawValue)) }
    }

    /// Decodes what ``encode(to:)`` writes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DynamicKey.self)
        for kind in DescriptorKind.allCases {
            self[kind] = try container.decodeIfPresent(Int.self, forKey: DynamicKey(kind.rawValue)) ?? 0
        }
    }
}

/// A coding key made from any string.
struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
