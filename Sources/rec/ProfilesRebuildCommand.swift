import RecApp
import ArgumentParser
import EmbeddingSpaces
import Foundation
import Logging
import Postgres
import Profiles
import RecCore

/// `rec profiles rebuild [--user U] [--space NAME]`: recompute profiles from the interaction log.
struct ProfilesRebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recompute user profiles from the interactions log with the current weights and half-lives.",
        discussion: """
            Run after changing REC_EVENT_WEIGHTS or a half-life, or with --space after backfilling a new embedding space \
            (docs/models.md). Safe while consumers run (rows are locked per batch of users).
            """
    )

    @Option(help: "Rebuild only this user.")
    var user: String?

    @Option(help: "The embedding space whose profiles are rebuilt, from its own item vectors (default: the live one).")
    var space: String?

    @Option(help: "Users per transaction.")
    var usersPerTransaction: Int = 200

    func run() async throws {
        let config = try AppConfiguration.fromEnvironment()
        let pool = try config.makePool()
        defer { pool.close() }
        var name: PostgresIdentifierLiteral?
        if let space {
            guard let n = EmbeddingSpace.validName(space) else { throw ValidationError("--space must be a space name (see rec models status)") }
            name = n
        }
        var logger = Logger(label: "rec.profiles.rebuild")
        logger.logLevel = .warning
        let spaces = try await config.embeddingSpaces(pool: pool, logger: logger)
        let store = ProfileStore(pool: pool, configuration: try config.profileConfiguration(), spaces: spaces)
        let live = try await spaces.ready().live.name
        let target = name ?? live
        let start = ContinuousClock.now
        let n = try await store.rebuild(user: user.map { UserID($0) }, space: target, usersPerTransaction: max(usersPerTransaction, 1)) { done in
            if done % 10_000 < max(usersPerTransaction, 1) { print("profiles rebuild: \(done) profiles so far (\(ContinuousClock.now - start))") }
        }
        print("profiles rebuild: \(n) profiles rebuilt in space \(target) in \(ContinuousClock.now - start)")
    }
}
