#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
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
    /// The origin of every `PoolInstant`: a `ContinuousClock.now` and the clock's own reading at the same moment.
    private static let origin = readOrigin()

    /// Nanoseconds on the clock `ContinuousClock` reads (on the fallback path: since the first reading).
    let nanoseconds: Int64

    init(_ instant: ContinuousClock.Instant) {
        let (sum, overflow) = Self.origin.nanoseconds.addingReportingOverflow(
            Self.origin.instant.duration(to: instant).wholeNanoseconds)
        nanoseconds = overflow ? (sum < 0 ? .max : .min) : sum
    }

    private init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The current instant, read from the clock that `ContinuousClock` reads (`CLOCK_BOOTTIME` on Linux,
    /// `CLOCK_MONOTONIC_RAW` on Apple platforms): one clock reading, without a system call where the clock is
    /// read from user space (the vDSO on Linux). Converting `ContinuousClock.now` instead costs a 128-bit
    /// subtraction and division, about 400 instructions.
    static var now: PoolInstant { PoolInstant(nanoseconds: clockNanoseconds()) }

    /// Reads `ContinuousClock.now` between two readings of the clock and keeps the midpoint of the pair that lies
    /// closest together (a thread descheduled between them would otherwise shift every conversion for the
    /// life of the process). Ten attempts at most; the first pair closer than 2 µs is taken.
    private static func readOrigin() -> (instant: ContinuousClock.Instant, nanoseconds: Int64) {
        var best: (instant: ContinuousClock.Instant, nanoseconds: Int64, spread: Int64)? = nil
        for _ in 0..<10 {
            let before = clockNanoseconds()
            let instant = ContinuousClock.now
            let after = clockNanoseconds()
            let spread = after &- before
            if best == nil || spread < best!.spread { best = (instant, before &+ spread / 2, spread) }
            if spread < 2_000 { break }
        }
        return (best!.instant, best!.nanoseconds)
    }

    /// The clock `ContinuousClock` reads, in nanoseconds since the clock's own start (boot); on other platforms
    /// `ContinuousClock` itself, counted from the first reading.
    private static func clockNanoseconds() -> Int64 {
        #if os(Linux) || canImport(Darwin)
        #if os(Linux)
        let clock = CLOCK_BOOTTIME
        #else
        let clock = CLOCK_MONOTONIC_RAW
        #endif
        var time = timespec()
        clock_gettime(clock, &time)
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
