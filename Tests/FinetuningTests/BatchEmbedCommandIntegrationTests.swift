import BedrockClient
import BedrockTestSupport
import Foundation
import IntegrationTestSupport
import Postgres
import Testing

/// `rec batch-embed start|status|ingest` as processes, against a fresh schema of the local stack's PostgreSQL and
/// the loopback control plane (local `file://` locations, so the fake runs the job): the space is the live one
/// unless `--space` names another, and a job of another model than the space's is refused before anything is stored.
@Suite(.enabled(if: IntegrationStack.enabled && FileManager.default.isExecutableFile(atPath: RecBinary.path)), .serialized)
struct BatchEmbedCommandIntegrationTests {
    static func run(_ arguments: [String], database: String, fake: FakeBedrockControlPlane) async throws -> (code: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rec-batch-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("REC_") && !$0.key.hasPrefix("BEDROCK_") && $0.key != "DATABASE_URL" }
        env["DATABASE_URL"] = database
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_CONFIG_FILE"] = "/nonexistent"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
        env["AWS_REGION"] = fake.region
        env["AWS_ACCESS_KEY_ID"] = FakeBedrockEndpoint.accessKeyID
        env["AWS_SECRET_ACCESS_KEY"] = FakeBedrockEndpoint.secretAccessKey
        env["AWS_ENDPOINT_URL_BEDROCK"] = fake.endpoint
        env["BEDROCK_EMBEDDING_DIMENSIONS"] = "256"
        let status = await IntegrationStack.wait(try IntegrationStack.spawn(RecBinary.path, arguments, environment: env, log: log))
        return ((status >> 8) & 0xFF, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test func startStatusIngestIntoTheLiveSpace() async throws {
        try await IntegrationStack.withSchema { url in
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            for n in 0..<100 {
                _ = try await pool.query("INSERT INTO items (id, title, description, version_at) VALUES (\(bind: "p\(n)"), \(bind: "Product \(n)"), 'Text only.', now())" as PostgresQuery)
            }
            let fake = try FakeBedrockControlPlane()
            fake.failingRecordIDs = ["p42"]
            let dir = try Fixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let common = ["--input", dir.appendingPathComponent("in").path, "--output", dir.appendingPathComponent("out").path,
                          "--role-arn", "arn:aws:iam::123456789012:role/BedrockBatch", "--quiet"]

            let unknown = try await Self.run(["batch-embed", "start", "--space", "nope", "--job-name", "x"] + common, database: url, fake: fake)
            #expect(unknown.code == 2 && unknown.output.contains("no embedding space 'nope'"), "\(unknown.output)")
            #expect(fake.requests.isEmpty)

            let started = try await Self.run(["batch-embed", "start", "--job-name", "catalog"] + common, database: url, fake: fake)
            #expect(started.code == 0 && started.output.contains("wrote 100 records") && started.output.contains("space default (amazon.titan-embed-image-v1, 256-d)"), "\(started.output)")
            let arn = try #require(started.output.split(separator: "\n").first { $0.hasPrefix("started ") }?.split(separator: " ").last.map(String.init))
            #expect(fake.requests.last?.json?["modelId"] as? String == TitanModel.multimodalEmbeddingsV1)

            let early = try await Self.run(["batch-embed", "ingest", arn], database: url, fake: fake)
            #expect(early.code == 2 && early.output.contains("not Completed"), "\(early.output)")
            let waited = try await Self.run(["batch-embed", "status", arn, "--wait", "--interval", "0.05"], database: url, fake: fake)
            #expect(waited.code == 0 && waited.output.contains("Completed"), "\(waited.output)")

            let ingested = try await Self.run(["batch-embed", "ingest", arn, "--json", "--quiet"], database: url, fake: fake)
            #expect(ingested.code == 1, "a failed record makes the exit code 1: \(ingested.output)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(ingested.output.utf8)) as? [String: Any])
            #expect(report["written"] as? Int == 99 && (report["errors"] as? [[String: Any]])?.first?["recordId"] as? String == "p42")
            let stored = try await pool.query("SELECT count(*) FROM item_embeddings WHERE space = 'default' AND dims = 256 AND kind = 'fused'" as PostgresQuery).first?.int(0)
            #expect(stored == 99)

            // A job of another model never fills this space.
            let input = try #require(fake.requests.first { $0.rawPath == "/model-invocation-job" }?.json?["inputDataConfig"] as? [String: Any])
            let inputURI = try #require((input["s3InputDataConfig"] as? [String: String])?["s3Uri"])
            let other = try await fake.client().createModelInvocationJob(.init(jobName: "other", roleArn: "arn:aws:iam::123456789012:role/BedrockBatch",
                                                                               modelId: "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc",
                                                                               inputS3Uri: inputURI, outputS3Uri: dir.appendingPathComponent("out2").absoluteString))
            _ = try await fake.client().getModelInvocationJob(other)
            _ = try await fake.client().getModelInvocationJob(other)
            let refused = try await Self.run(["batch-embed", "ingest", other], database: url, fake: fake)
            #expect(refused.code == 2 && refused.output.contains("vectors of two models never share a space"), "\(refused.output)")
        }
    }
}
