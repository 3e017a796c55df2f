import NIOCore

/// The outcome of one step of setting up a connection (a CONNECT tunnel, a TLS handshake), kept by the handler
/// that runs the step: its promise completes exactly once, a timer bounds the step, and a failure closes the
/// channel. Used on the channel's event loop only.
///
/// A class, not a struct: completing the promise or closing the channel calls back into the handler (its
/// `handlerRemoved`, `channelInactive`) while the step is being finished, which a mutating method of a struct
/// stored in the handler would turn into an overlapping access.
final class SetupStepOutcome {
    private let promise: EventLoopPromise<Void>
    private var timer: Scheduled<Void>?
    /// Whether the promise was completed.
    private(set) var finished = false

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    /// Runs `expired` on `context`'s loop after `timeout` unless the step finished before.
    func arm(
        context: ChannelHandlerContext, timeout: Duration, expired: @escaping () -> Void
    ) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout.timeAmount) { expired() }
    }

    /// The step succeeded.
    func succeed() {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        promise.succeed()
    }

    /// The step failed with `error`: the promise fails and the channel is closed (once).
    func fail(_ error: CourierError, context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        promise.fail(error)
        context.close(promise: nil)
    }

    /// The handler was removed: a step still running fails with `error` (the channel is going away already).
    func handlerRemoved(failing error: @autoclosure () -> CourierError) {
        timer?.cancel()
        guard !finished else { return }
        finished = true
        promise.fail(error())
    }
}
