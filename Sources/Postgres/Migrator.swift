import Foundation
import Logging

/// Applies numbered SQL migrations once each, in order, recorded with a checksum.
///
/// Every migration runs in its own transaction together with its bookkeeping
/// row. A session advisory lock serializes concurrent migrators (two instances
/// starting at once), keyed by the current schema so tests in separate schemas
/// do not wait on each other while checking; applying a migration also takes a
/// database-wide transaction lock, because migrations create database-wide
/// objects too (`CREATE EXTENSION IF NOT EXISTS vector` in two schemas at once
/// fails on the catalog's unique index). An already-applied migration whose file changed
/// is refused: history must not be rewritten silently.
public struct Migrator: Sendable {
    public struct Report: Sendable, Equatable {
        public var applied: [Int]
        public var alreadyApplied: [Int]
    }

    public let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration], logger: Logger = Logger(label: "rec.migrate")) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Brings the database up to date.
    ///
    /// - Throws: ``PostgresError/Code/migration`` when an applied migration was
    ///   edited or is missing locally; the server's error when a migration fails
    ///   (that migration is rolled back; earlier ones stay).
    @discardableResult
    public func migrate(_ conn: PGConnection) throws -> Report {
        try conn.execute("SELECT pg_advisory_lock(hashtext('rec.migrations.' || current_schema()))")
        defer { _ = try? conn.execute("SELECT pg_advisory_unlock(hashtext('rec.migrations.' || current_schema()))") }
        try conn.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        var applied = [Int: (name: String, checksum: String)]()
        for row in try conn.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version") {
            applied[try row.int(0)] = (try row.string(1), try row.string(2))
        }
        var report = Report(applied: [], alreadyApplied: [])
        let local = Set(migrations.map(\.version))
        if let unknown = applied.keys.sorted().first(where: { !local.contains($0) }) {
            throw PostgresError(.migration, "the database has migration \(unknown) (\(applied[unknown]!.name)) which is not in this build's migrations folder")
        }
        for m in migrations {
            let sum = try checksum(conn, m.sql)
            if let done = applied[m.version] {
                guard done.checksum == sum else {
                    throw PostgresError(.migration, "migration \(m.version) (\(m.name)) was edited after it was applied (checksum \(done.checksum.prefix(12)) in the database, \(sum.prefix(12)) on disk); add a new migration instead")
                }
                report.alreadyApplied.append(m.version)
                continue
            }
            logger.info("applying migration", metadata: ["version": "\(m.version)", "name": "\(m.name)"])
            try conn.transaction { c in
                try c.execute("SELECT pg_advisory_xact_lock(hashtext('rec.migrations'))")
                try c.execute(m.sql)
                try c.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [Int32(m.version), m.name, sum])
            }
            report.applied.append(m.version)
        }
        return report
    }

    /// SHA-256 of the file, computed by the server (no crypto dependency here).
    private func checksum(_ conn: PGConnection, _ sql: String) throws -> String {
        try conn.query("SELECT encode(sha256($1), 'hex')", [PostgresBytes(Array(sql.utf8))]).first!.string(0)
    }
}
