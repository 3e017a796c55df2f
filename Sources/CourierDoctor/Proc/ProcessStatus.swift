/// The fields doctor needs from /proc/PID/stat: the process's name and parent.
public struct ProcessStatus: Sendable, Hashable {
    /// The process id.
    public var pid: Int32
    /// The executable's name as the kernel keeps it (`comm`, at most 15 bytes; may contain spaces and parentheses).
    public var name: String
    /// The one-letter state (`R` running, `S` sleeping, `Z` zombie, …).
    public var state: Character
    /// The parent's process id (0 for the first process of a namespace).
    public var parentPID: Int32
    /// The kernel's process flags (field 9 of the line); 0 when the line stops before them.
    public var flags: UInt32

    /// A status as given.
    public init(pid: Int32, name: String, state: Character, parentPID: Int32, flags: UInt32 = 0) {
        self.pid = pid
        self.name = name
        self.state = state
        self.parentPID = parentPID
        self.flags = flags
    }

    /// Whether the process has ended or is ending: a zombie (`Z`), dead (`X`), or flagged PF_EXITING (0x4, set
    /// while the kernel tears it down, when its descriptor table may already be empty).
    public var hasExited: Bool { state == "Z" || state == "X" || flags & 0x4 != 0 }

    /// Parses the single line of /proc/PID/stat: `PID (COMM) STATE PPID PGRP SESSION TTY TPGID FLAGS …`. The name
    /// ends at the *last* `)`, since it may itself contain `)`.
    ///
    /// - Returns: The status, or `nil` when the line does not have that shape.
    public init?(procStat text: String) {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close,
            let pid = Int32(text[..<open].trimmingBlanks())
        else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ", maxSplits: 7)
        guard rest.count >= 2, rest[0].count == 1, let state = rest[0].first, let parent = Int32(rest[1]) else { return nil }
        let flags = rest.count > 6 ? UInt32(rest[6]) ?? 0 : 0
        self.init(pid: pid, name: String(text[text.index(after: open)..<close]), state: state, parentPID: parent, flags: flags)
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and newlines.
    func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return self[first...last]
    }
}
