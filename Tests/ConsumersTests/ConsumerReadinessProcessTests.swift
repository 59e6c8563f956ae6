import BedrockClient
import BedrockTestSupport
import Foundation
import IntegrationTestSupport
import Kafka
import Testing
@testable import Consumers

/// `GET /ready` of a consumer's metrics endpoint (`REC_METRICS_PORT`), the readiness probe of consumer pods:
/// 200 while the database and the broker answer, 503 naming the unreachable one, and `/health` (liveness)
/// answering either way. (A broker unreachable at start stops the consumer before it serves anything: it
/// creates or checks its topics first.)
@Suite(.enabled(if: TestStack.integration), .serialized) struct ConsumerReadinessProcessTests {
    struct Answer {
        var status: Int
        var checks: [String: String]
    }

    static func get(_ url: String) async -> Answer? {
        guard let r = try? await CurlHTTPTransport().send(HTTPTransportRequest(method: "GET", url: url, headers: [], body: [], timeout: 10))
        else { return nil }
        struct Body: Decodable { var checks: [String: String]? }
        let body = try? JSONDecoder().decode(Body.self, from: Data(r.body))
        return Answer(status: r.status, checks: body?.checks ?? [:])
    }

    /// Runs `rec consume interactions` with its metrics endpoint on a free port and `extra` in its environment.
    static func withConsumer(_ url: String, _ extra: [String: String], _ body: (_ base: String, _ log: String) async throws -> Void) async throws {
        let rec = CatalogConsumerProcessTests.recBinary
        try #require(FileManager.default.isExecutableFile(atPath: rec), "build the rec executable first (swift build)")
        let topic = TestStack.unique("it-ready")
        _ = try await KafkaAdmin(configuration: try TestStack.kafka()).createTopic(topic, partitions: 1)
        let fake = try FakeBedrockEndpoint()
        let port = try IntegrationStack.freePort()
        var env = TestStack.recProcessEnvironment(url: url, bedrockEndpoint: fake.endpoint)
        env["REC_METRICS_PORT"] = "\(port)"
        env["REC_HTTP_HOST"] = "127.0.0.1"
        env.merge(extra) { $1 }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(topic).log").path
        let consumer = try ChildProcess.spawn(rec, ["consume", "interactions", "--topic", topic, "--group", topic], environment: env, logPath: log)
        do {
            try await body("http://127.0.0.1:\(port)", log)
        } catch {
            consumer.signal(SIGKILL)
            _ = await consumer.wait()
            throw error
        }
        consumer.signal(SIGTERM)
        #expect(await consumer.wait() == 0, "SIGTERM stops the consumer cleanly (log: \(log))")
    }

    @Test func readyWhenDatabaseAndBrokerAnswer() async throws {
        try await TestStack.withSchema { url in
            try await Self.withConsumer(url, [:]) { base, log in
                var answer: Answer?
                let ready = try await TestStack.eventually(within: .seconds(60)) {
                    answer = await Self.get(base + "/ready")
                    return answer?.status == 200
                }
                #expect(ready, "GET /ready answers 200 (last: \(String(describing: answer)), log: \(log))")
                #expect(answer?.checks == ["database": "ok", "broker": "ok"])
                #expect(await Self.get(base + "/health")?.status == 200)
            }
        }
    }

    @Test func notReadyWhileTheDatabaseIsUnreachable() async throws {
        // A port nothing listens on: the consumer starts (the database is first needed by a batch, and the
        // timers retry) but must not be ready.
        let closed = try IntegrationStack.freePort()
        try await Self.withConsumer("postgresql://rec@127.0.0.1:\(closed)/rec?connect_timeout=2", [:]) { base, log in
            var answer: Answer?
            let answered = try await TestStack.eventually(within: .seconds(60)) {
                answer = await Self.get(base + "/ready")
                return answer != nil
            }
            #expect(answered, "the metrics endpoint answers (log: \(log))")
            #expect(answer?.status == 503)
            #expect(answer?.checks == ["database": "unreachable", "broker": "ok"])
            #expect(await Self.get(base + "/health")?.status == 200, "liveness does not depend on the database")
        }
    }
}
