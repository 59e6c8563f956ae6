import BedrockClient
import Foundation
import IntegrationTestSupport
import Postgres
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `rec batch-embed start` → `status --wait` → `ingest` as processes against a real `rec titan-local` process (its
/// own, on a free loopback port, SigV4-checking) and a fresh schema of the local stack's PostgreSQL: the whole local
/// batch path, with no fake in between.
@Suite(.enabled(if: IntegrationStack.enabled && FileManager.default.isExecutableFile(atPath: RecBinary.path)), .serialized)
struct BatchEmbedTitanLocalIntegrationTests {
    static var modelDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["REC_TITAN_MODEL_DIR"], !dir.isEmpty { return dir }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".stack/models/all-MiniLM-L6-v2").path
    }

    static let accessKey = "AKIDBATCHLOCAL"
    static let secret = "batch-local-secret"

    static func environment(database: String, endpoint: String?, customModels: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("REC_") && !$0.key.hasPrefix("BEDROCK_") && $0.key != "DATABASE_URL" }
        env["DATABASE_URL"] = database
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_CONFIG_FILE"] = "/nonexistent"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
        env["AWS_REGION"] = "us-east-1"
        env["AWS_ACCESS_KEY_ID"] = accessKey
        env["AWS_SECRET_ACCESS_KEY"] = secret
        if let endpoint { env["AWS_ENDPOINT_URL"] = endpoint }
        env["BEDROCK_EMBEDDING_DIMENSIONS"] = "256"
        env["REC_TITAN_MODEL_DIR"] = modelDirectory
        env["REC_TITAN_CUSTOM_MODELS_DIR"] = customModels
        return env
    }

    static func run(_ arguments: [String], environment: [String: String]) async throws -> (code: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rec-batch-local-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = await IntegrationStack.wait(try IntegrationStack.spawn(RecBinary.path, arguments, environment: environment, log: log))
        return ((status >> 8) & 0xFF, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test func startStatusIngestThroughTitanLocal() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.modelDirectory + "/model.safetensors"), "MiniLM weights missing: deploy/local/stack install")
        try await IntegrationStack.withSchema { url in
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            for n in 0..<101 {
                _ = try await pool.query("INSERT INTO items (id, title, description, version_at) VALUES (\(bind: "p\(n)"), \(bind: "Product \(n)"), 'Wool, knitted by hand.', now())" as PostgresQuery)
            }
            let dir = try Fixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }

            // titan-local on a port it picks, found in its log.
            let titanLog = dir.appendingPathComponent("titan-local.log").path
            var env = Self.environment(database: url, endpoint: nil, customModels: dir.appendingPathComponent("custom-models").path)
            let titan = try IntegrationStack.spawn(RecBinary.path, ["titan-local", "--port", "0", "--max-batch", "8"], environment: env, log: titanLog)
            defer {
                kill(titan, SIGTERM)
                _ = waitpid(titan, nil, 0)
            }
            var port: String?
            let deadline = ContinuousClock.now + .seconds(60)
            while port == nil, ContinuousClock.now < deadline {
                let log = (try? String(contentsOfFile: titanLog, encoding: .utf8)) ?? ""
                port = log.range(of: "listening on 127.0.0.1:").map { String(log[$0.upperBound...].prefix { $0.isNumber }) }
                if port == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            let bound = try #require(port, "titan-local listens (log: \((try? String(contentsOfFile: titanLog, encoding: .utf8)) ?? ""))")
            env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(bound)"

            let started = try await Self.run(["batch-embed", "start", "--job-name", "catalog", "--input", dir.appendingPathComponent("in").path,
                                              "--output", dir.appendingPathComponent("out").path,
                                              "--role-arn", "arn:aws:iam::123456789012:role/BedrockBatch", "--quiet"], environment: env)
            #expect(started.code == 0 && started.output.contains("wrote 101 records"), "\(started.output)")
            let arn = try #require(started.output.split(separator: "\n").first { $0.hasPrefix("started ") }?.split(separator: " ").last.map(String.init))
            #expect(arn.contains(":model-invocation-job/"))

            let waited = try await Self.run(["batch-embed", "status", arn, "--wait", "--interval", "0.2"], environment: env)
            #expect(waited.code == 0 && waited.output.contains("Completed"), "\(waited.output)")
            let output = dir.appendingPathComponent("out/\(ModelInvocation.jobID(fromArn: arn))")
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("manifest.json.out").path))

            let ingested = try await Self.run(["batch-embed", "ingest", arn, "--json", "--quiet"], environment: env)
            #expect(ingested.code == 0, "\(ingested.output)")
            // stdout (the JSON report) after the stand-in notice the client logs on stderr.
            let json = ingested.output.range(of: "\n{").map { String(ingested.output[$0.lowerBound...]) } ?? ingested.output
            let report = try #require((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any], "\(ingested.output)")
            #expect(report["written"] as? Int == 101)
            let stored = try await pool.query("SELECT count(*) FROM item_embeddings WHERE space = 'default' AND dims = 256 AND kind = 'fused' AND vector_dims(embedding) = 256" as PostgresQuery).first?.int(0)
            #expect(stored == 101)
            // In the shared cache too, so streaming ingest through the same titan-local does not embed them again.
            let cached = try await pool.query("SELECT count(*) FROM embedding_cache WHERE dims = 256 AND model = \(bind: TitanModel.multimodalEmbeddingsV1)" as PostgresQuery).first?.int(0)
            #expect(cached == 101)
        }
    }
}
