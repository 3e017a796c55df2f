import NIOCore
import NIOPosix

/// Connects to the first of several addresses that answers, racing at most two attempts, with every socket
/// it has open counted against the connection budget (RFC 8305 "happy eyeballs", budget-aware).
///
/// The dial starts with one slot (the pool's). The first address is tried at once; if it has not connected
/// after the connection attempt delay (250 ms) and another address is left, a second attempt starts, but only
/// if the budget grants a second slot (``Slots/acquireExtra``) and descriptors allow; otherwise addresses are
/// tried one after the other. A failed attempt's slot is passed on (or given back) only once its socket's close
/// has completed; the loser of a race is closed and its slot given back when that close completed. The whole dial
/// ends at `deadline`. Runs on `eventLoop`; all state is confined to it (hence `@unchecked Sendable`).
final class DialRace: @unchecked Sendable {
    /// The budget operations a race needs beyond its first slot.
    struct Slots: Sendable {
        /// Takes one more slot if free now, without waiting or evicting; returns whether it did.
        var acquireExtra: @Sendable () -> Bool
        /// Gives back a slot taken with `acquireExtra`.
        var releaseExtra: @Sendable () -> Void
        /// Whether the process can afford one more socket (descriptor headroom).
        var descriptorsAllowAnother: @Sendable () -> Bool
    }

    /// The connection attempt delay of RFC 8305 §5 (its recommended value).
    static let attemptDelay: TimeAmount = .milliseconds(250)

    private let eventLoop: EventLoop
    private let addresses: [SocketAddress]
    private let deadline: NIODeadline
    private let slots: Slots
    private let bootstrap: (TimeAmount) -> ClientBootstrap
    private let promise: EventLoopPromise<Channel>

    private var next = 0
    private var attempts: [Int: Channel?] = [:]
    private var nextAttemptID = 0
    /// Slots this dial holds: 1 (the pool's) plus extras taken for racing.
    private var slotsHeld = 1
    private var errors: [(SocketAddress, Error)] = []
    private var delayTimer: Scheduled<Void>?
    private var deadlineTimer: Scheduled<Void>?
    private var winner: Channel?
    private var timedOut = false
    private var finished = false

    /// - Parameter bootstrap: Makes the bootstrap for one attempt with that connect timeout.
    init(
        eventLoop: EventLoop, addresses: [SocketAddress], deadline: NIODeadline, slots: Slots,
        bootstrap: @escaping (TimeAmount) -> ClientBootstrap
    ) {
        precondition(!addresses.isEmpty)
        self.eventLoop = eventLoop
        self.addresses = addresses
        self.deadline = deadline
        self.slots = slots
        self.bootstrap = bootstrap
        self.promise = eventLoop.makePromise()
    }

    /// Starts the race; completes with the winning channel, or fails with every attempt's error once each
    /// attempt's socket is closed (``DialRace/Failure``).
    func run() -> EventLoopFuture<Channel> {
        eventLoop.execute {
            self.deadlineTimer = self.eventLoop.scheduleTask(deadline: self.deadline) { self.deadlinePassed() }
            self.startNext()
        }
        return promise.futureResult
    }

    /// How long one attempt may take: an equal share of the time left for the addresses left, but at least
    /// 2 s (or all that is left), so that one silent address cannot use up the whole connect timeout.
    static func attemptTimeout(remaining: TimeAmount, addressesLeft: Int) -> TimeAmount {
        let share = TimeAmount.nanoseconds(remaining.nanoseconds / Int64(max(1, addressesLeft)))
        let floor = TimeAmount.nanoseconds(min(remaining.nanoseconds, TimeAmount.seconds(2).nanoseconds))
        return .nanoseconds(max(TimeAmount.milliseconds(1).nanoseconds, share.nanoseconds, floor.nanoseconds))
    }

    /// Why a dial failed: each address tried with its error, and whether the deadline ended it.
    struct Failure: Error {
        var errors: [(SocketAddress, Error)]
        var timedOut: Bool
    }

    private func startNext() {
        guard !finished, winner == nil, !timedOut, next < addresses.count else { return }
        let address = addresses[next]
        let left = addresses.count - next
        next += 1
        let id = nextAttemptID
        nextAttemptID += 1
        attempts[id] = .some(nil)
        bootstrap(Self.attemptTimeout(remaining: deadline - .now(), addressesLeft: left))
            .channelInitializer { channel in
                // Remember the socket, so that its close can be awaited before its slot is reused.
                channel.eventLoop.assertInEventLoop()
                if self.attempts[id] != nil { self.attempts[id] = channel }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .connect(to: address)
            .hop(to: eventLoop)
            .whenComplete { result in self.attemptEnded(id, address: address, result: result) }
        scheduleRaceIfUseful()
    }

    /// After the attempt delay, a second attempt may race the first.
    private func scheduleRaceIfUseful() {
        delayTimer?.cancel()
        guard next < addresses.count else { return }
        delayTimer = eventLoop.scheduleTask(in: Self.attemptDelay) {
            guard !self.finished, self.winner == nil, !self.timedOut, self.attempts.count == 1,
                self.next < self.addresses.count
            else { return }
            guard self.slots.descriptorsAllowAnother(), self.slots.acquireExtra() else { return }
            self.slotsHeld += 1
            self.startNext()
        }
    }

    private func attemptEnded(_ id: Int, address: SocketAddress, result: Result<Channel, Error>) {
        let channel = attempts[id] ?? nil
        switch result {
        case .success(let connected) where winner == nil && !finished && !timedOut:
            winner = connected
            attempts[id] = nil
            delayTimer?.cancel()
            deadlineTimer?.cancel()
            // Every other attempt is closed; its slot goes back when its socket has closed.
            for case let rival? in attempts.values { rival.close(promise: nil) }
            settle()
        case .success(let connected):
            // Connected after the race was decided: close it, then give its slot back.
            connected.close(promise: nil)
            connected.closeFuture.hop(to: eventLoop).whenComplete { _ in
                self.attempts[id] = nil
                self.settle()
            }
        case .failure(let error):
            if winner == nil { errors.append((address, error)) }
            let closed = channel?.closeFuture.hop(to: eventLoop) ?? eventLoop.makeSucceededVoidFuture()
            closed.whenComplete { _ in
                self.attempts[id] = nil
                self.settle()
            }
        }
    }

    private func deadlinePassed() {
        guard winner == nil, !finished else { return }
        timedOut = true
        delayTimer?.cancel()
        for case let channel? in attempts.values { channel.close(promise: nil) }
        settle()
    }

    /// Moves the dial on after an attempt ended: a slot whose socket has closed carries the next address (if no
    /// winner yet and time is left) or goes back to the budget; the dial completes with the winner at once, or
    /// fails once no socket of it is left.
    private func settle() {
        var alive = attempts.count + (winner == nil ? 0 : 1)
        while winner == nil, !timedOut, !finished, next < addresses.count, alive < slotsHeld {
            startNext()
            alive += 1
        }
        while slotsHeld > max(1, alive) {
            slotsHeld -= 1
            slots.releaseExtra()
        }
        guard !finished else { return }
        if let winner {
            finished = true
            promise.succeed(winner)
        } else if attempts.isEmpty {
            finished = true
            deadlineTimer?.cancel()
            delayTimer?.cancel()
            promise.fail(Failure(errors: errors, timedOut: timedOut))
        }
    }
}
