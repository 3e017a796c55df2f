#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An instant of `ContinuousClock`, kept by the pool's state machine as the nanoseconds its clock reads.
///
/// `ContinuousClock.Instant` comes from a library built with library evolution, so its layout is unknown to the
/// compiler: a connection record holding one was copied, compared and switched over through runtime metadata and
/// value witnesses, about 2k instructions per request (callgrind, W1). This is a plain integer instead. Its
/// resolution is 1 ns, which is that of the clock on Linux and macOS.
struct PoolInstant: Comparable, Hashable, Sendable {
    /// The origin of every `PoolInstant`: `ContinuousClock.now`, and the clock's own reading in nanoseconds taken
    /// right after it (they differ by the time between the two readings, well under a microsecond).
    private static let origin = (instant: ContinuousClock.now, nanoseconds: clockNanoseconds())

    /// Nanoseconds on the clock behind `ContinuousClock` (`nanoseconds - origin.nanoseconds` is the time since
    /// ``origin``).
    let nanoseconds: Int64

    init(_ instant: ContinuousClock.Instant) {
        nanoseconds = Self.origin.nanoseconds &+ Self.origin.instant.duration(to: instant).wholeNanoseconds
    }

    private init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The current instant, read from the clock that `ContinuousClock` reads (`CLOCK_BOOTTIME` on Linux,
    /// `CLOCK_MONOTONIC_RAW` on Apple platforms). Converting a `ContinuousClock.Instant` costs a 128-bit
    /// subtraction and division (about 400 instructions with `ContinuousClock.now`); this costs one system clock
    /// reading (vDSO, no system call).
    static var now: PoolInstant { PoolInstant(nanoseconds: clockNanoseconds()) }

    /// The clock `ContinuousClock` reads, in nanoseconds since its own start (boot).
    private static func clockNanoseconds() -> Int64 {
        #if os(Linux)
        var time = timespec()
        clock_gettime(CLOCK_BOOTTIME, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
        #elseif canImport(Darwin)
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC_RAW, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
        #else
        return fallbackStart.duration(to: ContinuousClock.now).wholeNanoseconds
        #endif
    }

    #if !os(Linux) && !canImport(Darwin)
    /// Where the clock is read through `ContinuousClock` itself, its readings count from here.
    private static let fallbackStart = ContinuousClock.now
    #endif

    /// The clock's instant this stands for.
    var instant: ContinuousClock.Instant { Self.origin.instant + .nanoseconds(nanoseconds &- Self.origin.nanoseconds) }

    /// The time from this instant to `other` (negative when `other` is earlier).
    func duration(to other: PoolInstant) -> Duration { .nanoseconds(other.nanoseconds &- nanoseconds) }

    static func < (lhs: PoolInstant, rhs: PoolInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
