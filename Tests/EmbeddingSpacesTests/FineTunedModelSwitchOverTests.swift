import BedrockClient
import Foundation
import IntegrationTestSupport
import Postgres
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue #15's loop end to end, with the product's own commands only (docs/finetuning.md, docs/models.md): a
/// dataset from the demo catalog, a fine-tuning job on `rec titan-local`'s local trainer created and followed by
/// `rec finetune start`/`status --wait`, the custom model's recall measured against the base model's by `rec
/// finetune recall`, then the custom model's ARN as a new embedding space of the running product (`rec models
/// create`, `backfill`, `activate`) while `rec consume all` and `rec serve` run: search answers from it, a product
/// published afterwards lands in both spaces, and the fine-tuned vectors are the adapter's, not the base model's.
@Suite(.enabled(if: IntegrationStack.enabled), .serialized) struct FineTunedModelSwitchOverTests {
    static func json(_ text: String) -> [String: Any]? {
        guard let start = text.firstIndex(of: "{"), let end = text.lastIndex(of: "}") else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(text[start...end].utf8)) as? [String: Any]
    }

    @Test func aLocallyFineTunedModelBecomesTheLiveSpace() async throws {
        let rec = ModelSwitchOverTests.recBinary
        try #require(FileManager.default.isExecutableFile(atPath: rec), "build the rec executable first (swift build)")
        try IntegrationStack.ensureVector()
        try await IntegrationStack.withSchema { url in
            let catalogTopic = IntegrationStack.unique("it-ft-catalog"), eventsTopic = IntegrationStack.unique("it-ft-events")
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(IntegrationStack.unique("it-ft")).path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var env = try ModelSwitchOverTests.environment(url: url, catalogTopic: catalogTopic, eventsTopic: eventsTopic,
                                                          port: try IntegrationStack.freePort())
            // A titan-local of this test's own, with its own custom-model store (the stack's is left alone).
            let titanPort = try IntegrationStack.freePort()
            let titanURL = "http://127.0.0.1:\(titanPort)"
            let titan = try IntegrationStack.spawn(rec, ["titan-local", "--port", "\(titanPort)", "--custom-models-dir", "\(dir)/custom-models"],
                                                   environment: env, log: "\(dir)/titan.log")
            defer { kill(titan, SIGTERM) }
            env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = titanURL
            env["AWS_ENDPOINT_URL_BEDROCK"] = titanURL
            try #require(try await ModelSwitchOverTests.eventually(.seconds(60)) {
                (try? await ModelSwitchOverTests.get(titanURL + "/health").status) == 200
            }, "titan-local answers /health (\(dir)/titan.log)")
            func run(_ arguments: [String], _ name: String) async throws -> String {
                let r = try await ModelSwitchOverTests.rec(arguments, env, log: "\(dir)/\(name).log")
                try #require(r.status == 0, "rec \(arguments.joined(separator: " ")): exit \(r.status)\n\(r.output.suffix(2000))")
                return r.output
            }

            // ---- Fine-tune on the local trainer through the Bedrock control-plane commands.
            _ = try await run(["finetune", "dataset", "demo", "--out", "\(dir)/data", "--count", "400"], "dataset")
            _ = try await run(["finetune", "start", "--job-name", "it-ft", "--custom-model-name", "it-adapter",
                               "--role-arn", "arn:aws:iam::123456789012:role/finetune",
                               "--training-data", "\(dir)/data/train.jsonl", "--validation-data", "\(dir)/data/validation.jsonl",
                               "--output", "\(dir)/out", "--epochs", "20", "--batch-size", "256", "--learning-rate", "0.01"], "start")
            let job = try #require(Self.json(try await run(["finetune", "status", "it-ft", "--wait", "--interval", "1", "--json"], "status")))
            #expect(job["status"] as? String == "Completed", "\(job)")
            let arn = try #require(job["outputModelArn"] as? String, "\(job)")
            #expect(arn.contains(":custom-model/"))
            let training = (job["trainingMetrics"] as? [String: Any])?["trainingLoss"] as? Double
            #expect(training.map { $0.isFinite && $0 > 0 } == true, "training loss reported: \(job)")

            // The custom model finds a caption's image where the base model is at chance.
            func recall(_ model: String) async throws -> Double {
                let out = try await run(["finetune", "recall", "--data", "\(dir)/data/validation.jsonl", "--model-id", model,
                                         "--dimensions", "256", "--json"], "recall-\(model.count)")
                return try #require(Self.json(out)?["recall"] as? Double, "\(out)")
            }
            let base = try await recall(TitanModel.multimodalEmbeddingsV1), tuned = try await recall(arn)
            #expect(base < 0.3 && tuned > 0.6 && tuned > base + 0.3, "recall@10 base \(base), fine-tuned \(tuned)")
            print("fine-tune: text-to-image recall@10 at 256-d on \(dir)/data/validation.jsonl: base \(base), fine-tuned \(tuned)")

            // ---- The product: catalog in space `default`, then the custom model as space `ft`, switched to live.
            _ = try await run(["demo", "publish-catalog", "--count", "24"], "publish")
            let consumeLog = "\(dir)/consume.log", serveLog = "\(dir)/serve.log"
            let consumer = try IntegrationStack.spawn(rec, ["consume", "all", "--batch-size", "16"], environment: env, log: consumeLog)
            let server = try IntegrationStack.spawn(rec, ["serve"], environment: env, log: serveLog)
            defer { kill(consumer, SIGTERM); kill(server, SIGTERM) }
            let conn = try PGConnection(url: url)
            func count(_ sql: String) throws -> Int { try conn.query(sql).first!.int(0) }
            try #require(try await ModelSwitchOverTests.eventually(.seconds(120)) {
                try count("SELECT count(*) FROM item_embeddings WHERE space = 'default'") == 24
            }, "catalog ingested in space default (\(consumeLog))")

            _ = try await run(["models", "create", "ft", "--model-id", arn, "--dimensions", "256"], "create")
            let backfill = try await run(["models", "backfill", "ft"], "backfill")
            #expect(backfill.contains("24/24 items"), "\(backfill)")
            #expect(try count("SELECT count(*) FROM item_embeddings WHERE space = 'ft' AND model = '\(arn)' AND dims = 256") == 24)
            // Same input, another model: the image half of every fused vector went through the adapter.
            #expect(try count("""
                SELECT count(*) FROM item_embeddings a JOIN item_embeddings b ON a.item_id = b.item_id
                WHERE a.space = 'default' AND b.space = 'ft' AND a.embedding::text <> b.embedding::text
                """) == 24)
            _ = try await run(["models", "activate", "ft"], "activate")

            let serveURL = "http://127.0.0.1:\(env["REC_HTTP_PORT"]!)"
            let body = try JSONSerialization.data(withJSONObject: ["text": "red lamp", "limit": 5, "explain": true] as [String: Any])
            var last = ""
            let answered = try await ModelSwitchOverTests.eventually(.seconds(10)) {
                let r = try await CurlHTTPTransport().send(HTTPTransportRequest(
                    method: "POST", url: serveURL + "/v1/search", headers: [("Content-Type", "application/json")], body: Array(body), timeout: 30))
                last = "\(r.status) \(String(decoding: r.body.prefix(300), as: UTF8.self))"
                return r.status == 200 && ModelSwitchOverTests.space(r.body) == "ft"
            }
            #expect(answered, "search answers from the fine-tuned space: \(last)\n\((try? String(contentsOfFile: serveLog, encoding: .utf8))?.suffix(1500) ?? "")")

            // Streaming ingest writes the new model's vectors too.
            _ = try await run(["demo", "publish-catalog", "--count", "26"], "publish-more")
            #expect(try await ModelSwitchOverTests.eventually(.seconds(60)) {
                try count("SELECT count(*) FROM item_embeddings WHERE space = 'ft' AND model = '\(arn)'") == 26
                    && count("SELECT count(*) FROM item_embeddings WHERE space = 'default'") == 26
            }, "products published after the switch are in both spaces (\(consumeLog))")
        }
    }
}
