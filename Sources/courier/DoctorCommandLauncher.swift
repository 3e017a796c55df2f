#if os(Linux)
import Foundation

/// Starts `doctor -- COMMAND` with posix_spawnp (found on PATH, inheriting standard input, output and error)
/// and collects its exit status.
struct DoctorCommandLauncher {
    /// The running command's process id.
    let pid: pid_t

    /// Why a command could not be started.
    struct LaunchError: Error, CustomStringConvertible {
        let command: String
        let code: Int32
        var description: String { "cannot run '\(command)': \(String(cString: strerror(code)))" }
        /// 127 when the command was not found, 126 when it could not be executed (the shells' convention).
        var exitStatus: Int32 { code == ENOENT ? 127 : 126 }
    }

    /// Starts the command. SIGINT and SIGQUIT are reset to their defaults in the child (doctor ignores SIGINT
    /// while it follows the command, so that Ctrl-C ends the command and doctor still reports), and the child
    /// starts with no signal blocked (the thread that spawns it, one of Swift concurrency's, blocks them).
    init(arguments: [String]) throws(LaunchError) {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGQUIT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child = pid_t()
        let code = posix_spawnp(&child, arguments[0], nil, &attributes, argv, environ)
        guard code == 0 else { throw LaunchError(command: arguments[0], code: code) }
        pid = child
    }

    /// The exit status if the command has ended (reaping it), else `nil`. Killed by signal N gives 128 + N.
    func exitStatusIfEnded() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        return Self.decode(status)
    }

    /// Waits for the command to end, polling every 50 ms (the command's run time is the user's to bound).
    func waitForExit() async -> Int32 {
        while true {
            if let status = exitStatusIfEnded() { return status }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
#endif
