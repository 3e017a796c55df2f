/// An instant of `ContinuousClock`, kept by the pool's state machine as nanoseconds since a process-wide origin.
///
/// `ContinuousClock.Instant` comes from a library built with library evolution, so its layout is unknown to the
/// compiler: a connection record holding one was copied, compared and switched over through runtime metadata and
/// value witnesses, about 2k instructions per request (callgrind, W1). This is a plain integer instead. Its
/// resolution is 1 ns, which is that of the clock on Linux and macOS.
struct PoolInstant: Comparable, Hashable, Sendable {
    /// The origin of every `PoolInstant`: the first time one is made in this process.
    private static let origin = ContinuousClock.now

    /// Nanoseconds since ``origin`` (negative for instants before it).
    let nanoseconds: Int64

    init(_ instant: ContinuousClock.Instant) {
        nanoseconds = Self.origin.duration(to: instant).wholeNanoseconds
    }

    /// The clock's instant this stands for.
    var instant: ContinuousClock.Instant { Self.origin + .nanoseconds(nanoseconds) }

    /// The time from this instant to `other` (negative when `other` is earlier).
    func duration(to other: PoolInstant) -> Duration { .nanoseconds(other.nanoseconds &- nanoseconds) }

    static func < (lhs: PoolInstant, rhs: PoolInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
