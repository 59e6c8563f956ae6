import BedrockTestSupport
import Foundation
import IntegrationTestSupport
import Kafka
import Postgres

/// Access to the local stack (broker, PostgreSQL) for integration tests.
/// With `REC_INTEGRATION=1`, missing env is a failure, not a skip.
enum TestStack {
    static var env: [String: String] { IntegrationStack.environment }
    static var integration: Bool { IntegrationStack.enabled }
    static func kafka() throws -> KafkaConfiguration { try IntegrationStack.kafka() }
    static func unique(_ prefix: String) -> String { IntegrationStack.unique(prefix) }
    static func databaseURL() throws -> String { try IntegrationStack.databaseURL() }
    /// A fresh migrated schema for `body`, dropped afterwards.
    static func withSchema<T>(_ body: (String) async throws -> T) async throws -> T { try await IntegrationStack.withSchema(body) }
    static var migrationsDirectory: URL { IntegrationStack.migrationsDirectory }

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

    /// The environment of a `rec` child process on the schema at `url`, the local broker (quick group joins) and
    /// the loopback Bedrock fake at `bedrockEndpoint`; nothing of this process's `AWS_*`, `KAFKA_*`, `BEDROCK_*`
    /// or `REC_*` settings leaks in.
    static func recProcessEnvironment(url: String, bedrockEndpoint: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("KAFKA_") && !$0.key.hasPrefix("BEDROCK_") && !$0.key.hasPrefix("REC_")
        }
        env["DATABASE_URL"] = url
        env["KAFKA_BROKERS"] = Self.env["KAFKA_BROKERS"]
        env["KAFKA_SESSION_TIMEOUT_MS"] = "6000"
        env["KAFKA_HEARTBEAT_INTERVAL_MS"] = "500"
        env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = bedrockEndpoint
        env["AWS_ACCESS_KEY_ID"] = FakeBedrockEndpoint.accessKeyID
        env["AWS_SECRET_ACCESS_KEY"] = FakeBedrockEndpoint.secretAccessKey
        env["AWS_REGION"] = "us-east-1"
        env["AWS_CONFIG_FILE"] = "/nonexistent"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
        return env
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
