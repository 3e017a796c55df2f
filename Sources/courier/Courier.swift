import ArgumentParser
import Foundation

/// The `courier` command.
///
/// Every subcommand follows one exit-code table (see ``ExitStatus``): 0 success, 1 failure at run time,
/// 2 usage error (swift-argument-parser's own 64 is mapped to 2), 3 a leak verdict (`doctor`), 130 interrupted.
@main
struct CourierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courier",
        abstract: "An HTTP/1.1 client whose connections cannot leak.",
        discussion: """
            Exit status: 0 success, 1 failure at run time, 2 usage error, 3 leak verdict (doctor), \
            130 interrupted.
            """,
        subcommands: [Submit.self, Serve.self, Bench.self, Demo.self, Doctor.self]
    )

    /// Parses and runs a subcommand, mapping usage errors to exit status 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as UsageError {
            printError("courier: \(error)")
            Foundation.exit(ExitStatus.usage)
        } catch {
            if exitCode(for: error) == .validationFailure {
                // One line, like curl: what was wrong, and where to read more.
                let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
                printError("courier: \(text) (see 'courier help')")
                Foundation.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}

/// The exit statuses every `courier` subcommand uses.
enum ExitStatus {
    /// Everything asked for was done.
    static let success: Int32 = 0
    /// Something failed at run time (a request, a file, a server).
    static let failure: Int32 = 1
    /// The command line was wrong; nothing was done.
    static let usage: Int32 = 2
    /// `doctor` found a leak.
    static let leak: Int32 = 3
    /// Interrupted by SIGINT (128 + 2).
    static let interrupted: Int32 = 130
}

/// An error that names what was wrong on the command line; exits with status 2 like a parse error.
struct UsageError: Error, CustomStringConvertible {
    /// The one-line message shown to the user.
    let description: String
    init(_ message: String) { description = message }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
