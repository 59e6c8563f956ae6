import RecApp
import ArgumentParser
import Consumers
import Foundation
import Profiles

/// `rec transitions compact`: merge the appended rows of each behavioural transition edge.
struct TransitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transitions",
        abstract: "Maintain behavioural item-to-item transitions.",
        subcommands: [TransitionsCompactCommand.self]
    )
}

struct TransitionsCompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge the rows of each transition edge into one (rec consume interactions does it every --compact-minutes).",
        discussion: "Safe while consumers run: rows they append meanwhile are left for the next pass. Cost: one read and one write of every row, in transactions of 500 source items."
    )

    func run() async throws {
        let config = try AppConfiguration.fromEnvironment()
        let pool = try config.makePool()
        defer { pool.close() }
        let store = ProfileStore(pool: pool, configuration: try config.profileConfiguration())
        let start = ContinuousClock.now
        let (read, written) = try await store.compactTransitions()
        print("transitions compact: \(read) rows merged into \(written) edges in \(ContinuousClock.now - start)")
    }
}
