import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ledger of connection slots shared by pools: a connection holds a slot from the moment it starts opening
/// until its close has completed, so the sockets of every pool on one ledger never exceed its limit.
///
/// The process-wide ledger (``processWide``) serves every client configured with `.automatic`.
final class ConnectionBudget: Sendable {
    /// What a pool must offer to wait on a ledger.
    protocol Member: AnyObject, Sendable {
        /// A slot was freed: ask again if still in need.
        func budgetSlotFreed()
        /// Another member needs room: close one idle connection if there is one; returns whether it did.
        func budgetEvictIdle() -> Bool
    }

    private struct Weak {
        weak var member: (any Member)?
    }

    private struct State {
        var inUse = 0
        var peak = 0
        var members: [ObjectIdentifier: Weak] = [:]
        var waiting: Set<ObjectIdentifier> = []
    }

    /// The most slots in use at once.
    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        precondition(limit >= 1)
        self.limit = limit
    }

    /// The ledger of every client with `maxConnections: .automatic`, sized by ``automaticLimit(softLimit:)``
    /// from the process's RLIMIT_NOFILE soft limit when first used.
    static let processWide = ConnectionBudget(limit: automaticLimit(softLimit: currentSoftLimit()))

    /// Half of the descriptor soft limit, leaving the other half to the application's own files, and at most
    /// 4,096 so that a limit of a million does not mean a million sockets: `max(1, min(4096, softLimit / 2))`.
    /// An unlimited or unknown soft limit counts as 8,192 (giving 4,096).
    static func automaticLimit(softLimit: Int?) -> Int {
        max(1, min(4096, (softLimit ?? 8192) / 2))
    }

    /// The process's RLIMIT_NOFILE soft limit, or `nil` when unlimited or unknown.
    static func currentSoftLimit() -> Int? {
        var limits = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limits) == 0, limits.rlim_cur != rlim_t.max else { return nil }  // rlim_t.max: RLIM_INFINITY
        return Int(clamping: limits.rlim_cur)
    }

    /// Slots in use now.
    var inUse: Int { state.withLockedValue { $0.inUse } }
    /// The most slots in use at once since the ledger was created.
    var peakInUse: Int { state.withLockedValue { $0.peak } }

    func join(_ member: any Member) {
        state.withLockedValue { $0.members[ObjectIdentifier(member)] = Weak(member: member) }
    }

    func leave(_ member: any Member) {
        state.withLockedValue {
            $0.members[ObjectIdentifier(member)] = nil
            $0.waiting.remove(ObjectIdentifier(member))
        }
    }

    /// Takes a slot if one is free. Otherwise `member` is woken (`budgetSlotFreed`) when one frees, and other
    /// members are asked to close an idle connection to make room.
    func tryAcquire(for member: any Member) -> Bool {
        let others = state.withLockedValue { state -> [any Member]? in
            if state.inUse < limit {
                state.inUse += 1
                state.peak = max(state.peak, state.inUse)
                state.waiting.remove(ObjectIdentifier(member))
                return nil
            }
            state.waiting.insert(ObjectIdentifier(member))
            return state.members.compactMap { $0.key == ObjectIdentifier(member) ? nil : $0.value.member }
        }
        guard let others else { return true }
        for other in others where other.budgetEvictIdle() { break }
        return false
    }

    /// Takes a slot for a second, racing connection attempt, only if one is free and no member waits for one
    /// (a race must not delay anyone's first connection); never waits and never evicts. Returned with
    /// ``release()``.
    func tryAcquireExtra() -> Bool {
        state.withLockedValue { state in
            guard state.inUse < limit, state.waiting.isEmpty else { return false }
            state.inUse += 1
            state.peak = max(state.peak, state.inUse)
            return true
        }
    }

    /// Gives a slot back and wakes every waiting member (each asks again; those who lose wait again).
    func release() {
        let waiters = state.withLockedValue { state -> [any Member] in
            precondition(state.inUse > 0, "a slot was returned twice")
            state.inUse -= 1
            let waiters = state.waiting.compactMap { state.members[$0]?.member }
            state.waiting.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.budgetSlotFreed() }
    }
}
