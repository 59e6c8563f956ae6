import Foundation
import IntegrationTestSupport
import Testing

/// Every command that makes Kafka clients, run with the stack's environment plus a consumer-only and a
/// producer-only `KAFKA_*` property: librdkafka prints no `CONFWARN` (each property reaches only its clients),
/// and `rec config check` finds the stack's environment valid.
@Suite(.enabled(if: IntegrationStack.enabled), .serialized) struct KafkaWarningTests {
    static let rec = IntegrationStack.repository.appendingPathComponent(".build/debug/rec").path

    func environment() -> [String: String] {
        var env = IntegrationStack.environment
        env["KAFKA_MAX_POLL_INTERVAL_MS"] = "60000"      // consumer only
        env["KAFKA_LINGER_MS"] = "7"                      // producer only
        env["KAFKA_CLIENT_ID"] = "rec-confwarn-test"      // both
        env["REC_CATALOG_TOPIC"] = IntegrationStack.unique("it-confwarn-catalog")
        env["REC_EVENTS_TOPIC"] = IntegrationStack.unique("it-confwarn-events")
        env["REC_CATALOG_GROUP"] = IntegrationStack.unique("it-confwarn-p")
        env["REC_INTERACTIONS_GROUP"] = IntegrationStack.unique("it-confwarn-i")
        env["REC_HTTP_PORT"] = "0"
        env["REC_AUTH"] = "off"
        return env
    }

    /// Runs `arguments` until `ready` appears in its output (then SIGTERM), or until it exits; returns the output.
    func run(_ arguments: [String], until ready: String?, env: [String: String]) async throws -> String {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(IntegrationStack.unique("confwarn") + ".log").path
        let pid = try IntegrationStack.spawn(Self.rec, arguments, environment: env, log: log)
        let exited = Task { await IntegrationStack.wait(pid) }
        if let ready {
            let end = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < end, !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(ready) {
                try await Task.sleep(for: .milliseconds(100))
            }
            // A moment more: librdkafka warns when the client starts, but its threads log asynchronously.
            try await Task.sleep(for: .seconds(1))
            kill(pid, SIGTERM)
        }
        _ = await exited.value
        return (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    }

    @Test func noCommandPrintsCONFWARN() async throws {
        let env = environment()
        let runs: [([String], String?)] = [
            (["doctor"], nil),
            (["consume", "all"], "interaction pipeline ready"),
            (["serve"], "Server started"),
        ]
        for (arguments, ready) in runs {
            let output = try await run(arguments, until: ready, env: env)
            if let ready { #expect(output.contains(ready), "rec \(arguments.joined(separator: " ")) never said '\(ready)':\n\(output.suffix(2000))") }
            #expect(!output.contains("CONFWARN"), "rec \(arguments.joined(separator: " ")):\n\(output.split(separator: "\n").filter { $0.contains("CONFWARN") }.joined(separator: "\n"))")
            #expect(output.contains("kafka"), "rec \(arguments.joined(separator: " ")) made no Kafka client:\n\(output.suffix(2000))")
        }
    }

    @Test func configCheckAcceptsTheStackEnvironment() async throws {
        let output = try await run(["config", "check"], until: nil, env: IntegrationStack.environment)
        #expect(output.contains("ok: no problems"), "\(output)")
    }
}
