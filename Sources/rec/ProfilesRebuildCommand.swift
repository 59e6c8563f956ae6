import RecApp
import ArgumentParser
import Foundation
import Profiles
import RecCore

/// `rec profiles rebuild [--user U]`: recompute profiles from the interaction log.
struct ProfilesRebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recompute user profiles from the interactions log with the current weights and half-lives.",
        discussion: "Run after changing REC_EVENT_WEIGHTS or a half-life. Safe while consumers run (rows are locked per batch of users)."
    )

    @Option(help: "Rebuild only this user.")
    var user: String?

    @Option(help: "Users per transaction.")
    var usersPerTransaction: Int = 200

    func run() async throws {
        let config = try AppConfiguration.fromEnvironment()
        let pool = try config.makePool()
        defer { pool.close() }
        let store = ProfileStore(pool: pool, configuration: try config.profileConfiguration())
        let start = ContinuousClock.now
        let n = try await store.rebuild(user: user.map { UserID($0) }, usersPerTransaction: max(usersPerTransaction, 1))
        print("profiles rebuild: \(n) profiles rebuilt in \(ContinuousClock.now - start)")
    }
}
