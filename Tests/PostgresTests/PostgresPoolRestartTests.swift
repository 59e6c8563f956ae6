import Foundation
import IntegrationTestSupport
import Testing
@testable import Postgres

/// Stops and starts the stack's PostgreSQL, so it runs alone: the test command
/// runs it in a second pass with `REC_DISRUPTIVE=1` after every other test.
@Suite(.enabled(if: IntegrationStack.disruptive), .serialized)
struct DisruptivePostgresTests {
    static func stack(_ args: String...) async throws { try await IntegrationStack.stack(args) }

    @Test func poolSurvivesAServerRestart() async throws {
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try TestDatabase.url(), maxConnections: 2, acquireTimeout: 30))
        defer { pool.close() }
        #expect(try await pool.query("SELECT 1").first!.int(0) == 1)

        // A statement in flight when the server goes down fails with a clear, retriable error.
        let inFlight = Task { try await pool.query("SELECT pg_sleep(20)") }
        try await Task.sleep(for: .milliseconds(500))
        try await Self.stack("down", "pg")
        let result = await inFlight.result
        guard case .failure(let error) = result, let pg = error as? PostgresError else {
            Issue.record("the in-flight statement should have failed, got \(result)")
            try await Self.stack("up", "pg")
            return
        }
        #expect(pg.isRetriable, "\(pg)")
        #expect(pg.code == .connectionLost || pg.sqlState == "57P01", "\(pg)")

        // While it is down, new work fails fast with connectionFailed.
        await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }

        try await Self.stack("up", "pg")
        // Both pooled connections reconnect transparently.
        for _ in 0..<4 { #expect(try await pool.query("SELECT 2").first!.int(0) == 2) }
    }
}
