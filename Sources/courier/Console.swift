import Foundation
import NIOConcurrencyHelpers

/// Standard error for messages, plus a live progress line when standard error is a terminal.
///
/// Messages and the progress line come from different tasks; the lock keeps them from interleaving.
final class Console: Sendable {
    /// Whether standard error is a terminal (progress is shown only then).
    static let errorIsTerminal = isatty(STDERR_FILENO) != 0

    private let showsProgress: Bool
    /// The progress line now on screen, if any.
    private let current = NIOLockedValueBox<String?>(nil)

    /// - Parameter progress: Show a progress line (ignored unless standard error is a terminal).
    init(progress: Bool) {
        self.showsProgress = progress && Self.errorIsTerminal
    }

    /// Prints a message line on standard error, keeping the progress line below it.
    func message(_ line: String) {
        current.withLockedValue { progress in
            var text = progress == nil ? "" : "\r\u{1B}[2K"
            text += line + "\n"
            if let progress { text += progress }
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    /// Replaces the progress line (no-op unless progress is shown).
    func progress(_ line: String) {
        guard showsProgress else { return }
        current.withLockedValue { progress in
            progress = line
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        }
    }

    /// Removes the progress line.
    func endProgress() {
        current.withLockedValue { progress in
            if progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            progress = nil
        }
    }
}

/// `1.5 MiB` style sizes.
func byteCount(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
