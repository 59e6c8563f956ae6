import RecApp
import ArgumentParser

/// `rec users …`: user data operations.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage user data.",
        subcommands: [UsersDeleteCommand.self]
    )
}
