import RecApp
import ArgumentParser
import Foundation

/// `rec config …`: the configuration reference and a check of a process's effective configuration.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration, or print the configuration reference.",
        subcommands: [ConfigCheck.self, ConfigReference.self]
    )
}

struct ConfigCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Print a process's effective configuration (secrets redacted) and validate it.",
        discussion: """
            Validates with the code each process runs at start (numbers, ranges, librdkafka properties for producers \
            and consumers, the database URL, the Bedrock settings, the image policy), then what no single process \
            sees: renamed or unknown variables (typos), REC_EMBEDDING_KIND against REC_EMBEDDING_MODE, and with \
            --compare the shared settings (the model's shape: dimension, weights, half-lives, topics) that differ \
            between two environments. No connection is made (rec doctor checks reachability).
            Exit status: 0 valid (warnings allowed), 1 errors.
            """
    )

    @Option(name: .customLong("env-file"), help: "Read the environment from this file instead of the process's (repeatable: later files override earlier ones).")
    var envFiles: [String] = []

    @Option(help: "Check only this process: serve, products, interactions, titan-local, tools (repeatable; default: all).")
    var process: [String] = []

    @Option(help: "Another process's environment file, layered on the --env-file ones (repeatable): report shared settings that differ.")
    var compare: [String] = []

    @Flag(help: "Also list settings left at their defaults.")
    var all = false

    func run() async throws {
        let env = envFiles.isEmpty ? ProcessInfo.processInfo.environment : try EnvironmentFile.load(envFiles)
        var processes = [Setting.Process]()
        for name in process {
            let key = name.replacingOccurrences(of: "consume ", with: "").replacingOccurrences(of: "consume-", with: "")
            guard let p = Setting.Process.allCases.first(where: { $0.rawValue.replacingOccurrences(of: "consume ", with: "") == key }) else {
                throw ValidationError("unknown process \(name): serve, products, interactions, titan-local, tools")
            }
            processes.append(p)
        }
        let check = ConfigurationCheck(environment: env, processes: processes)
        let source = envFiles.isEmpty ? "the environment" : envFiles.joined(separator: " + ")
        print("effective configuration from \(source) for \(check.processes.map(\.rawValue).joined(separator: ", ")):")
        let shown = check.entries.filter { all || $0.isSet }
        let width = shown.map(\.name.count).max() ?? 0
        for entry in shown { print("  \(entry.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(entry.value)") }
        if !all { print("  (\(check.entries.count - shown.count) more at their defaults; --all lists them)") }
        var problems = check.problems()
        for path in compare {
            let other = env.merging(try EnvironmentFile.load([path])) { _, new in new }
            problems += check.differences(from: other, label: path)
        }
        if problems.isEmpty { print("ok: no problems") }
        for p in problems { print(p) }
        if problems.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
    }
}

struct ConfigReference: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Print the configuration reference (docs/configuration.md) as Markdown.")

    func run() { print(ConfigurationReference.markdown(), terminator: "") }
}
