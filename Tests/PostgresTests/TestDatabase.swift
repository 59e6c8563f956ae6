import Foundation
import IntegrationTestSupport
import Postgres

/// The stack's PostgreSQL for this target's integration tests (see ``IntegrationStack``).
enum TestDatabase {
    static var integration: Bool { IntegrationStack.enabled }
    static func url() throws -> String { try IntegrationStack.databaseURL() }
    static func url(schema: String) throws -> String { IntegrationStack.url(try url(), schema: schema) }
    static func ensureVector() throws { try IntegrationStack.ensureVector() }
    /// An empty (not migrated) throw-away schema: these tests run the migrator themselves.
    static func withSchema<T>(_ body: (String) async throws -> T) async throws -> T {
        try await IntegrationStack.withSchema(migrated: false, body)
    }
    static var migrationsDirectory: URL { IntegrationStack.migrationsDirectory }
}
