import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `rec bench …`: runs `rec-bench …`, the benchmark binary built next to `rec` (`swift build --product rec-bench`).
/// The benchmarks live in their own binary so the loopback Bedrock fake they measure against is not in `rec`.
struct BenchLauncher: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: runs rec-bench (built next to rec with swift build --product rec-bench); see rec-bench --help.",
        discussion: "Subcommands: bedrock, titan-local, ingest, interactions, serve. Example: rec bench serve --help."
    )

    @Argument(parsing: .captureForPassthrough, help: "The rec-bench subcommand and its options.")
    var arguments: [String] = []

    func run() throws {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let bench = exe.deletingLastPathComponent().appendingPathComponent("rec-bench").path
        guard FileManager.default.isExecutableFile(atPath: bench) else {
            throw ValidationError("rec-bench is not built next to rec (\(bench)): run swift build --product rec-bench (or -c release)")
        }
        let argv = ([bench] + arguments).map { strdup($0) } + [nil]
        execv(bench, argv)
        throw ValidationError("could not start \(bench): \(String(cString: strerror(errno)))")
    }
}
