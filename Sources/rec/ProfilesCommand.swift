import RecApp
import ArgumentParser

/// `rec profiles …`: profile maintenance.
struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Maintain user profiles.",
        subcommands: [ProfilesRebuildCommand.self]
    )
}
