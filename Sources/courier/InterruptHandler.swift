import CourierCLI
import Dispatch
import Foundation

/// Turns SIGINT into a ``StopSignal``: the first Ctrl-C asks the run to stop; a second one exits at once
/// with status 130.
final class InterruptHandler: @unchecked Sendable {
    private let source: DispatchSourceSignal
    /// Touched only on `queue`.
    private var count = 0
    private let queue = DispatchQueue(label: "courier.sigint")

    /// Installs the handler for `stop`.
    init(stop: StopSignal, onFirst: @escaping @Sendable () -> Void = {}) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: queue)
        source.setEventHandler { [unowned self] in
            count += 1
            if count == 1 {
                onFirst()
                stop.stop()
            } else {
                Foundation.exit(ExitStatus.interrupted)
            }
        }
        source.resume()
    }

    deinit {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
