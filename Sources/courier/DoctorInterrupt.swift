#if os(Linux)
import Dispatch
import Foundation

/// Notes SIGINT (Ctrl-C) instead of dying of it, so that doctor can still print its report.
final class DoctorInterrupt: @unchecked Sendable {
    private let lock = NSLock()
    private var interrupted = false
    private var source: DispatchSourceSignal?

    /// Starts catching SIGINT.
    init() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.set() }
        source.resume()
        self.source = source
    }

    /// Whether SIGINT arrived.
    var happened: Bool { lock.withLock { interrupted } }

    private func set() { lock.withLock { interrupted = true } }
}
#endif
