import Foundation
import Kafka
import Postgres

/// The one place that reads the process environment for `rec`.
///
/// Every value has a documented default for the local stack (`deploy/local/stack env`).
struct AppConfiguration: Sendable {
    /// `DATABASE_URL`: libpq URL. Default: none (required by database commands).
    var databaseURL: String?
    /// `KAFKA_BROKERS`: bootstrap servers. Default: none (required by Kafka commands).
    var kafkaBrokers: String?
    /// `REC_MIGRATIONS_DIR`. Default: `./migrations`, else next to the repository the binary was built in.
    var migrationsDirectory: URL
    /// `REC_DB_POOL_SIZE`. Default: 8.
    var databasePoolSize: Int
    /// `KAFKA_<PROPERTY>` passthrough: `KAFKA_SESSION_TIMEOUT_MS=6000` → `session.timeout.ms=6000`.
    var kafkaProperties: [String: String]
    let environment: [String: String]

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var props = [String: String]()
        for (k, v) in env where k.hasPrefix("KAFKA_") && k != "KAFKA_BROKERS" {
            props[k.dropFirst(6).lowercased().replacingOccurrences(of: "_", with: ".")] = v
        }
        let poolSize = Int(env["REC_DB_POOL_SIZE"] ?? "8") ?? -1
        guard poolSize >= 1 else { throw ConfigurationError("REC_DB_POOL_SIZE must be a positive integer") }
        return AppConfiguration(
            databaseURL: env["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 },
            kafkaBrokers: env["KAFKA_BROKERS"].flatMap { $0.isEmpty ? nil : $0 },
            migrationsDirectory: env["REC_MIGRATIONS_DIR"].map { URL(fileURLWithPath: $0) } ?? defaultMigrationsDirectory(),
            databasePoolSize: poolSize,
            kafkaProperties: props,
            environment: env
        )
    }

    func requireDatabaseURL() throws -> String {
        guard let databaseURL else { throw ConfigurationError("DATABASE_URL is not set (for the local stack: eval \"$(deploy/local/stack env)\")") }
        return databaseURL
    }

    func kafkaConfiguration() throws -> KafkaConfiguration {
        guard let kafkaBrokers else { throw ConfigurationError("KAFKA_BROKERS is not set (for the local stack: eval \"$(deploy/local/stack env)\")") }
        return KafkaConfiguration(brokers: kafkaBrokers, properties: kafkaProperties)
    }

    func makePool() throws -> PostgresPool {
        PostgresPool(configuration: try PostgresPoolConfiguration(url: try requireDatabaseURL(), maxConnections: databasePoolSize))
    }

    private static func defaultMigrationsDirectory() -> URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("migrations")
        if FileManager.default.fileExists(atPath: cwd.path) { return cwd }
        // .build/<config>/rec → the repository root's migrations/
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations")
    }
}

/// A configuration problem, reported as one clear line.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
