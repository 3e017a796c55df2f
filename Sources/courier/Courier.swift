import ArgumentParser

/// The `courier` command.
@main
struct CourierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courier",
        abstract: "An HTTP/1.1 client whose connections cannot leak.",
        subcommands: [Demo.self]
    )
}
