import Foundation
import Postgres

/// Access to the local stack's PostgreSQL for integration tests.
///
/// Integration tests run when `REC_INTEGRATION=1` (the README's test command
/// sets it); then a missing `DATABASE_URL` is a failure, not a skip.
enum TestDatabase {
    static let env = ProcessInfo.processInfo.environment
    static var integration: Bool { env["REC_INTEGRATION"] == "1" }

    static func url() throws -> String {
        guard let u = env["DATABASE_URL"], !u.isEmpty else {
            throw PostgresError(.invalidConfiguration, "REC_INTEGRATION=1 but DATABASE_URL is not set: run the tests through deploy/local/stack test")
        }
        return u
    }

    /// Makes sure pgvector is installed in the test database (in `public`).
    static func ensureVector() throws {
        let c = try PGConnection(url: try url())
        // Concurrent CREATE EXTENSION can race on the catalog's unique index; once is enough.
        for attempt in 0..<5 {
            do {
                try c.execute("CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public")
                return
            } catch let e as PostgresError where e.sqlState == "23505" && attempt < 4 {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// A URL whose sessions use `schema` first (then public, where pgvector lives).
    static func url(schema: String) throws -> String {
        let base = try url()
        let sep = base.contains("?") ? "&" : "?"
        return base + sep + "options=-csearch_path%3D\(schema)%2Cpublic"
    }

    /// Creates a fresh schema, runs `body` with a URL bound to it, then drops it.
    static func withSchema<T>(_ body: (String) async throws -> T) async throws -> T {
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try PGConnection(url: try url())
        try admin.execute("CREATE SCHEMA \(schema)")
        do {
            let v = try await body(try url(schema: schema))
            try admin.execute("DROP SCHEMA \(schema) CASCADE")
            return v
        } catch {
            _ = try? admin.execute("DROP SCHEMA \(schema) CASCADE")
            throw error
        }
    }

    /// The repository's migrations folder.
    static var migrationsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
    }
}
