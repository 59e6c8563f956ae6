import BedrockClient
import BedrockTestSupport
import Foundation
import IntegrationTestSupport
import Testing

/// `rec finetune start|status|list|stop|provision` and `rec batch-embed status|stop` as processes against the loopback
/// control plane (AWS_ENDPOINT_URL_BEDROCK), which verifies their signatures: exit codes, output, and what was sent.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: RecBinary.path)))
struct FinetuneJobCommandTests {
    /// Runs `rec` against `fake` with its credentials; returns the exit code and stdout+stderr.
    static func run(_ arguments: [String], fake: FakeBedrockControlPlane, secret: String = FakeBedrockEndpoint.secretAccessKey) async throws -> (code: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rec-jobs-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("REC_") && !$0.key.hasPrefix("BEDROCK_") }
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_CONFIG_FILE"] = "/nonexistent"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
        env["AWS_REGION"] = fake.region
        env["AWS_ACCESS_KEY_ID"] = FakeBedrockEndpoint.accessKeyID
        env["AWS_SECRET_ACCESS_KEY"] = secret
        env["AWS_ENDPOINT_URL_BEDROCK"] = fake.endpoint
        env["AWS_MAX_ATTEMPTS"] = "2"
        let status = await IntegrationStack.wait(try IntegrationStack.spawn(RecBinary.path, arguments, environment: env, log: log))
        return ((status >> 8) & 0xFF, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    static let start = ["finetune", "start", "--job-name", "shop-ft", "--custom-model-name", "shop-titan", "--role-arn", "arn:aws:iam::123456789012:role/Ft",
                        "--training-data", "s3://bucket/train.jsonl", "--validation-data", "s3://bucket/validation.jsonl", "--output", "s3://bucket/out/"]

    @Test func hyperparametersOutOfRangeAreRefusedBeforeSending() async throws {
        let fake = try FakeBedrockControlPlane()
        for (extra, bound) in [(["--epochs", "0"], "epochCount must be at least 1"), (["--epochs", "101"], "epochCount must be at most 100"),
                               (["--epochs", "3", "--batch-size", "255"], "batchSize must be at least 256"),
                               (["--epochs", "3", "--batch-size", "9217"], "batchSize must be at most 9216"),
                               (["--epochs", "3", "--learning-rate", "4e-8"], "learningRate must be at least 5e-8"),
                               (["--epochs", "3", "--learning-rate", "1.5"], "learningRate must be at most 1")] {
            let r = try await Self.run(Self.start + extra, fake: fake)
            #expect(r.code == 2 && r.output.contains(bound), "\(extra): \(r.output)")
        }
        #expect(fake.requests.isEmpty, "nothing was sent")
    }

    @Test func startWaitForCompletionListAndProvision() async throws {
        let fake = try FakeBedrockControlPlane()
        fake.pollsUntilDone = 2
        let started = try await Self.run(Self.start + ["--epochs", "100", "--batch-size", "9216", "--learning-rate", "5e-8"], fake: fake)
        #expect(started.code == 0 && started.output.contains("arn:aws:bedrock:us-east-1:123456789012:model-customization-job/"), "\(started.output)")
        #expect(fake.requests.first?.json?["hyperParameters"] as? [String: String] == ["epochCount": "100", "batchSize": "9216", "learningRate": "5e-08"])

        let waited = try await Self.run(["finetune", "status", "shop-ft", "--wait", "--interval", "0.05"], fake: fake)
        #expect(waited.code == 0, "\(waited.output)")
        #expect(waited.output.contains("shop-ft: InProgress") && waited.output.contains("Completed"))
        #expect(waited.output.contains("training loss   0.25") && waited.output.contains("validation loss 0.3"), "\(waited.output)")
        let model = try #require(waited.output.split(separator: "\n").first { $0.hasPrefix("custom model") }?.split(separator: " ").last.map(String.init))

        let json = try await Self.run(["finetune", "status", "shop-ft", "--json"], fake: fake)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(doc["status"] as? String == "Completed" && doc["outputModelArn"] as? String == model)
        #expect((doc["trainingMetrics"] as? [String: Double])?["trainingLoss"] == 0.25)

        let listed = try await Self.run(["finetune", "list", "--status", "Completed", "--name-contains", "shop"], fake: fake)
        #expect(listed.code == 0 && listed.output.contains("shop-ft\tCompleted"), "\(listed.output)")
        #expect(fake.requests.last?.rawQuery == "maxResults=100&nameContains=shop&sortBy=CreationTime&sortOrder=Descending&statusEquals=Completed")

        let provisioned = try await Self.run(["finetune", "provision", "--model", model, "--name", "shop-pt", "--model-units", "2"], fake: fake)
        #expect(provisioned.code == 0 && provisioned.output.contains("BEDROCK_MODEL_ID=arn:aws:bedrock:us-east-1:123456789012:provisioned-model/"), "\(provisioned.output)")
        let inService = try await Self.run(["finetune", "provision", "--status", "shop-pt", "--wait", "--interval", "0.05"], fake: fake)
        #expect(inService.code == 0 && inService.output.contains("InService"), "\(inService.output)")
    }

    @Test func aFailedJobExitsOneWithItsMessage() async throws {
        let fake = try FakeBedrockControlPlane()
        fake.customizationOutcome = .failed(message: "The training data has 12 records; at least 1000 are required")
        _ = try await Self.run(Self.start + ["--epochs", "auto"], fake: fake)
        #expect(fake.requests.first?.json?["hyperParameters"] as? [String: String] == ["epochCount": "Auto", "batchSize": "576", "learningRate": "5e-05"])
        let r = try await Self.run(["finetune", "status", "shop-ft", "--wait", "--interval", "0.05"], fake: fake)
        #expect(r.code == 1 && r.output.contains("Failed") && r.output.contains("at least 1000 are required"), "\(r.output)")
    }

    @Test func stopAndAuthenticationFailures() async throws {
        let fake = try FakeBedrockControlPlane()
        fake.customizationOutcome = .running
        _ = try await Self.run(Self.start + ["--epochs", "2"], fake: fake)
        let stopped = try await Self.run(["finetune", "stop", "shop-ft"], fake: fake)
        #expect(stopped.code == 0, "\(stopped.output)")
        let status = try await Self.run(["finetune", "status", "shop-ft", "--wait", "--interval", "0.05"], fake: fake)
        #expect(status.code == 1 && status.output.contains("Stopped"), "\(status.output)")
        let denied = try await Self.run(["finetune", "list"], fake: fake, secret: "wrong-secret")
        #expect(denied.code == 1 && denied.output.contains("invalidSignature") && denied.output.contains("authentication failed"), "\(denied.output)")
        #expect(!denied.output.contains("wrong-secret"), "no secret in the output")
        let missing = try await Self.run(["finetune", "status", "nope"], fake: fake)
        #expect(missing.code == 1 && missing.output.contains("resourceNotFound"), "\(missing.output)")
    }

    @Test func localDataLocationsTravelAsFileURIs() async throws {
        let fake = try FakeBedrockControlPlane()
        let r = try await Self.run(["finetune", "start", "--job-name", "local", "--custom-model-name", "local-model", "--role-arn", "arn:aws:iam::123456789012:role/Ft",
                                    "--training-data", "/data/train.jsonl", "--output", "file:///data/out", "--epochs", "1", "--dry-run"], fake: fake)
        #expect(r.code == 0 && fake.requests.isEmpty, "\(r.output)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        #expect((doc["trainingDataConfig"] as? [String: String])?["s3Uri"] == "file:///data/train.jsonl")
        #expect((doc["outputDataConfig"] as? [String: String])?["s3Uri"] == "file:///data/out")
        #expect(doc["validationDataConfig"] == nil)
        let bad = try await Self.run(["finetune", "start", "--job-name", "x", "--custom-model-name", "y", "--role-arn", "arn:aws:iam::1:role/r",
                                      "--training-data", "https://example.com/t.jsonl", "--output", "s3://b/o", "--epochs", "1"], fake: fake)
        #expect(bad.code == 2 && bad.output.contains("--training-data"), "\(bad.output)")
    }

    @Test func batchJobStatusWaitsForTheEnd() async throws {
        let fake = try FakeBedrockControlPlane()
        let dir = try Fixtures.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.jsonl")
        try (0..<100).map { #"{"recordId":"r\#($0)","modelInput":{"inputText":"t\#($0)","embeddingConfig":{"outputEmbeddingLength":256}}}"# }
            .joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let arn = try await fake.client().createModelInvocationJob(.init(jobName: "b1", roleArn: "arn:aws:iam::123456789012:role/B", modelId: TitanModel.multimodalEmbeddingsV1,
                                                                        inputS3Uri: input.absoluteString, outputS3Uri: dir.appendingPathComponent("out").absoluteString))
        let r = try await Self.run(["batch-embed", "status", arn, "--wait", "--interval", "0.05"], fake: fake)
        #expect(r.code == 0 && r.output.contains("b1: InProgress") && r.output.contains("100 total, 100 processed, 100 succeeded, 0 failed"), "\(r.output)")
        let stop = try await Self.run(["batch-embed", "stop", arn], fake: fake)
        #expect(stop.code == 1 && stop.output.contains("validation"), "a finished job cannot be stopped: \(stop.output)")
    }
}
