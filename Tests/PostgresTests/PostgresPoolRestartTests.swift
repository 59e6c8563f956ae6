import Foundation
import Testing
@testable import Postgres

/// Stops and starts the stack's PostgreSQL, so it runs alone: the test command
/// runs it in a second pass with `REC_DISRUPTIVE=1` after every other test.
@Suite(.enabled(if: TestDatabase.integration && ProcessInfo.processInfo.environment["REC_DISRUPTIVE"] == "1"), .serialized)
struct DisruptivePostgresTests {
    /// Runs the stack script and waits for it (posix_spawn + waitpid: Foundation's
    /// Process can miss the exit of a child whose grandchildren live on).
    static func stack(_ args: String...) throws {
        guard let script = ProcessInfo.processInfo.environment["REC_STACK_SCRIPT"] else {
            throw PostgresError(.invalidConfiguration, "REC_STACK_SCRIPT is not set")
        }
        let argv = ([script] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, script, nil, nil, argv, environ)
        #expect(rc == 0, "cannot run \(script)")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        #expect(status == 0, "stack \(args.joined(separator: " ")) failed with status \(status)")
    }

    @Test func poolSurvivesAServerRestart() async throws {
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try TestDatabase.url(), maxConnections: 2, acquireTimeout: 30))
        defer { pool.close() }
        #expect(try await pool.query("SELECT 1").first!.int(0) == 1)

        // A statement in flight when the server goes down fails with a clear, retriable error.
        let inFlight = Task { try await pool.query("SELECT pg_sleep(20)") }
        try await Task.sleep(for: .milliseconds(500))
        try Self.stack("down", "pg")
        let result = await inFlight.result
        guard case .failure(let error) = result, let pg = error as? PostgresError else {
            Issue.record("the in-flight statement should have failed, got \(result)")
            try Self.stack("up", "pg")
            return
        }
        #expect(pg.isRetriable, "\(pg)")
        #expect(pg.code == .connectionLost || pg.sqlState == "57P01", "\(pg)")

        // While it is down, new work fails fast with connectionFailed.
        await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }

        try Self.stack("up", "pg")
        // Both pooled connections reconnect transparently.
        for _ in 0..<4 { #expect(try await pool.query("SELECT 2").first!.int(0) == 2) }
    }
}
