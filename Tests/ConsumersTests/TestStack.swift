import Foundation
import Kafka
import Postgres

/// Access to the local stack (broker, PostgreSQL) for integration tests.
/// With `REC_INTEGRATION=1`, missing env is a failure, not a skip.
enum TestStack {
    static let env = ProcessInfo.processInfo.environment
    static var integration: Bool { env["REC_INTEGRATION"] == "1" }

    static func kafka() throws -> KafkaConfiguration {
        guard let brokers = env["KAFKA_BROKERS"], !brokers.isEmpty else {
            throw KafkaError(.configuration, "REC_INTEGRATION=1 but KAFKA_BROKERS is not set: eval \"$(deploy/local/stack env)\"")
        }
        // Group joins take about half of session.timeout.ms on the local broker.
        return KafkaConfiguration(brokers: brokers, properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
    }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    static func databaseURL() throws -> String {
        guard let u = env["DATABASE_URL"], !u.isEmpty else {
            throw PostgresError(.invalidConfiguration, "REC_INTEGRATION=1 but DATABASE_URL is not set")
        }
        return u
    }

    /// Creates a fresh migrated schema, runs `body` with a URL bound to it, then drops it.
    static func withSchema<T>(_ body: (String) async throws -> T) async throws -> T {
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let base = try databaseURL()
        let admin = try PGConnection(url: base)
        try admin.execute("CREATE SCHEMA \(schema)")
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)%2Cpublic"
        do {
            let conn = try PGConnection(url: url)
            _ = try Migrator(migrations: try Migration.load(from: migrationsDirectory)).migrate(conn)
            let v = try await body(url)
            try admin.execute("DROP SCHEMA \(schema) CASCADE")
            return v
        } catch {
            _ = try? admin.execute("DROP SCHEMA \(schema) CASCADE")
            throw error
        }
    }

    static var migrationsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
    }

    /// Reads up to `count` messages of `topic` from the beginning (own group) within `deadline`.
    static func readAll(_ topic: String, count: Int, within deadline: Duration = .seconds(30)) async throws -> [KafkaMessage] {
        let c = try KafkaConsumer(configuration: try kafka(), groupID: unique("reader"), topics: [topic])
        var out = [KafkaMessage]()
        let end = ContinuousClock.now + deadline
        while out.count < count, ContinuousClock.now < end {
            out += try await c.poll(maxMessages: 100, timeout: .milliseconds(200))
        }
        await c.close()
        return out
    }

    /// Waits until `condition` holds or `deadline` passes.
    static func eventually(within deadline: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}
