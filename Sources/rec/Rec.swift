import ArgumentParser

@main
struct Rec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rec",
        abstract: "Event-driven multimodal recommendations: consumers, HTTP API, and operations.",
        subcommands: [Bench.self, TitanLocalCommand.self]
    )
}
