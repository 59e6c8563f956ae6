import ArgumentParser

/// `rec bench …`: benchmarks, one subcommand each.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks.",
        subcommands: [BenchBedrock.self, BenchTitanLocal.self, BenchIngest.self, BenchInteractions.self, BenchServe.self]
    )
}
