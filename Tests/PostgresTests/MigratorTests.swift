import Foundation
import Testing
@testable import Postgres

@Suite(.enabled(if: TestDatabase.integration)) struct MigratorTests {
    @Test func appliesOnEmptyDatabaseThenIsANoOp() async throws {
        try TestDatabase.ensureVector()
        let migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
        #expect(!migrations.isEmpty)
        try await TestDatabase.withSchema { url in
            let c = try PGConnection(url: url)
            let first = try Migrator(migrations: migrations).migrate(c)
            #expect(first.applied == migrations.map(\.version))
            #expect(try c.query("SELECT to_regclass('items') IS NOT NULL AND to_regclass('item_embeddings') IS NOT NULL").first!.bool(0))
            let second = try Migrator(migrations: migrations).migrate(c)
            #expect(second.applied.isEmpty)
            #expect(second.alreadyApplied == migrations.map(\.version))
            #expect(try c.query("SELECT count(*) FROM schema_migrations").first!.int(0) == migrations.count)
        }
    }

    /// Migrators of different schemas run at once (tests, or several services' schemas in one database),
    /// and migrations create database-wide objects too: the first migration's `CREATE EXTENSION IF NOT
    /// EXISTS vector` raced on a fresh database (unique violation in pg_extension). A function in `public`
    /// created by every schema's migration is the same kind of race.
    @Test func migratorsOfDifferentSchemasCreateSharedObjectsOneAtATime() async throws {
        let probe = "rec_migrator_probe_\(UUID().uuidString.prefix(8).lowercased())"
        let ms = [Migration(version: 1, name: "shared", sql: "CREATE OR REPLACE FUNCTION public.\(probe)() RETURNS int LANGUAGE sql AS 'SELECT 1'")]
        let base = try TestDatabase.url()
        defer { _ = try? PGConnection(url: base).execute("DROP FUNCTION IF EXISTS public.\(probe)()") }
        let schemas = (0..<6).map { _ in "t_mig_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased() }
        for s in schemas { try PGConnection(url: base).execute("CREATE SCHEMA \(s)") }
        defer { for s in schemas { _ = try? PGConnection(url: base).execute("DROP SCHEMA \(s) CASCADE") } }
        let urls = try schemas.map { try TestDatabase.url(schema: $0) }
        let failures = FailureList()
        DispatchQueue.concurrentPerform(iterations: urls.count) { i in
            do { try Migrator(migrations: ms).migrate(try PGConnection(url: urls[i])) } catch { failures.add("\(error)") }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
    }

    @Test func refusesAnEditedMigration() async throws {
        let original = [Migration(version: 1, name: "one", sql: "CREATE TABLE m_one (id int)")]
        try await TestDatabase.withSchema { url in
            let c = try PGConnection(url: url)
            try Migrator(migrations: original).migrate(c)
            let edited = [Migration(version: 1, name: "one", sql: "CREATE TABLE m_one (id bigint)")]
            let e = #expect(throws: PostgresError.self) { try Migrator(migrations: edited).migrate(c) }
            #expect(e?.code == .migration)
            #expect(e?.message.contains("edited") == true)
        }
    }

    @Test func aFailingMigrationRollsBackAndKeepsEarlierOnes() async throws {
        let ms = [
            Migration(version: 1, name: "ok", sql: "CREATE TABLE m_ok (id int)"),
            Migration(version: 2, name: "bad", sql: "CREATE TABLE m_half (id int); SELECT no_such_function()"),
        ]
        try await TestDatabase.withSchema { url in
            let c = try PGConnection(url: url)
            #expect(throws: PostgresError.self) { try Migrator(migrations: ms).migrate(c) }
            #expect(try c.query("SELECT array_agg(version) FROM schema_migrations").first!.string(0) == "{1}")
            #expect(try c.query("SELECT to_regclass('m_half') IS NULL").first!.bool(0))
        }
    }

    @Test func concurrentMigratorsApplyOnce() async throws {
        let ms = [
            Migration(version: 1, name: "a", sql: "CREATE TABLE m_a (id int)"),
            Migration(version: 2, name: "b", sql: "SELECT pg_sleep(0.3); CREATE TABLE m_b (id int)"),
        ]
        try await TestDatabase.withSchema { url in
            let reports = try await withThrowingTaskGroup(of: Migrator.Report.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 1))
                        defer { pool.close() }
                        return try await pool.withConnection { try Migrator(migrations: ms).migrate($0) }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reports.flatMap(\.applied).sorted() == [1, 2])
        }
    }
}

@Suite struct MigrationLoadTests {
    @Test func loadRejectsBadFileNames() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "SELECT 1".write(to: dir.appendingPathComponent("first.sql"), atomically: true, encoding: .utf8)
        #expect(throws: PostgresError.self) { try Migration.load(from: dir) }
    }
}

/// Errors collected from concurrent migrators.
final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var items = [String]()
    func add(_ e: String) { lock.lock(); items.append(e); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
