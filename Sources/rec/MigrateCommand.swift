import RecApp
import ArgumentParser
import Foundation
import Logging
import Postgres

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the SQL migrations in migrations/ (once each, in order, under an advisory lock).",
        discussion: "Reads DATABASE_URL. Refuses to run when an applied migration was edited."
    )

    @Option(help: "Folder of NNNN_name.sql files (default: $REC_MIGRATIONS_DIR or ./migrations).")
    var dir: String?

    func run() async throws {
        let config = try AppConfiguration.fromEnvironment()
        let folder = dir.map { URL(fileURLWithPath: $0) } ?? config.migrationsDirectory
        let migrator = Migrator(migrations: try Migration.load(from: folder))
        let url = try config.requireDatabaseURL()
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 1))
        defer { pool.close() }
        let report = try await pool.withConnection { try migrator.migrate($0) }
        if report.applied.isEmpty {
            print("migrate: up to date (\(report.alreadyApplied.count) migrations applied)")
        } else {
            print("migrate: applied \(report.applied.map(String.init).joined(separator: ", ")); \(report.alreadyApplied.count) were already applied")
        }
    }
}
