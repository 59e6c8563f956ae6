import ArgumentParser

/// `rec consume …`: the Kafka consumer pipelines, one subcommand each.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Run Kafka consumers.",
        subcommands: [ConsumeInteractionsCommand.self]
    )
}
