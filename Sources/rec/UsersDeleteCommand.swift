import RecApp
import ArgumentParser
import Profiles
import RecCore

/// `rec users delete U`: remove a user's profile and interactions.
struct UsersDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a user's profile and logged interactions (popularity aggregates keep their counts)."
    )

    @Argument(help: "The user id.")
    var user: String

    func run() async throws {
        let config = try AppConfiguration.fromEnvironment()
        let pool = try config.makePool()
        defer { pool.close() }
        let deleted = try await ProfileStore.deleteUser(UserID(user), in: pool)
        print("users delete: removed \(deleted.profiles) profile(s) and \(deleted.interactions) interaction(s)")
    }
}
