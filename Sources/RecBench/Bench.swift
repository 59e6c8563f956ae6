import RecApp
import ArgumentParser

/// `rec-bench …` (or `rec bench …`): benchmarks, one subcommand each, each figure a ratio to a baseline
/// measured in the same run. A separate binary so the loopback Bedrock fake never ships in `rec`.
public struct Bench: AsyncParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "rec-bench",
        abstract: "Benchmarks: each figure a ratio to a baseline measured in the same run (raw SQL, raw broker consume, raw curl).",
        discussion: "Configuration comes from the environment; for the local stack run: eval \"$(deploy/local/stack env)\". Also reachable as `rec bench ...`.",
        subcommands: [BenchBedrock.self, BenchTitanLocal.self, BenchIngest.self, BenchInteractions.self, BenchServe.self]
    )
}
