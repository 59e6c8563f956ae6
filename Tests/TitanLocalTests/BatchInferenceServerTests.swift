import BedrockClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import TitanLocal

@Suite("rec titan-local batch inference over HTTP, driven by BedrockControlPlaneClient", .serialized,
       .enabled(if: TestResources.modelTestsEnabled, "model files absent (set REC_INTEGRATION=1 to require them)"))
struct BatchInferenceServerTests {
    static let role = "arn:aws:iam::123456789012:role/BedrockBatch"
    /// This suite's own embedder: another suite's texts never share its batches (which would change the last bits of
    /// a vector, as concurrent InvokeModel calls do), so a record embedded alone equals InvokeModel bit for bit.
    static let embedder: Result<TitanEmbedder, any Error> = TestResources.model.map { TitanEmbedder(model: $0) }

    /// A SigV4-checking titan-local on a free loopback port whose batch jobs run while `body` does.
    static func withServer(batch: ModelInvocationJobs.Configuration = .init(),
                           _ body: @escaping @Sendable (_ client: BedrockControlPlaneClient, _ test: any TestClientProtocol, _ server: TitanLocalServer) async throws -> Void) async throws {
        let embedder = try Self.embedder.get()
        let verifier = SigV4Verifier(secretsByAccessKeyID: [TitanLocalServerTests.accessKey: TitanLocalServerTests.secret], region: "us-east-1", service: "bedrock")
        let server = TitanLocalServer(embedder: embedder, configuration: TitanLocalConfiguration(port: 0, modelDirectory: embedder.model.directory,
                                                                                                 authentication: .sigV4(verifier)),
                                      batch: batch)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.batch.run() }
            try await server.makeApplication().test(.live) { test in
                let port = try #require(test.port)
                let client = try Self.client(port: port)
                try await body(client, test, server)
            }
            group.cancelAll()
        }
    }

    static func client(port: Int, secret: String = TitanLocalServerTests.secret) throws -> BedrockControlPlaneClient {
        try BedrockControlPlaneClient(region: "us-east-1", endpoint: "http://127.0.0.1:\(port)",
                                      credentialProvider: StaticCredentialProvider(AWSCredentials(accessKeyID: TitanLocalServerTests.accessKey, secretAccessKey: secret)),
                                      retryPolicy: RetryPolicy(maxAttempts: 1, baseDelay: 0))
    }

    static func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rec-titan-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await body(dir)
    }

    /// `count` text records (`r-0`, `r-1`, …), at `dimensions`.
    static func textRecords(_ count: Int, dimensions: Int = 256) -> [String] {
        (0..<count).map { i in
            #"{"recordId":"r-\#(i)","modelInput":{"inputText":"hand-knitted wool scarf number \#(i)","embeddingConfig":{"outputEmbeddingLength":\#(dimensions)}}}"#
        }
    }

    static func write(_ lines: [String], to url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    static func outputLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// Polls GetModelInvocationJob (the client's type) until the status is one of `statuses`.
    static func wait(_ client: BedrockControlPlaneClient, _ arn: String, for statuses: Set<String>, timeout: Duration = .seconds(120)) async throws -> ModelInvocationJob {
        let deadline = ContinuousClock.now + timeout
        while true {
            let job = try await client.getModelInvocationJob(arn)
            if let status = job.status, statuses.contains(status) { return job }
            guard ContinuousClock.now < deadline else {
                Issue.record("job \(arn) still \(job.status ?? "?")")
                return job
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("a job's output lines carry the vectors InvokeModel answers for the same bodies; bad records get error lines, the others succeed")
    func outputEqualsInvokeModel() async throws {
        let png = try ImageCodec.encodePNG(TestPictures.stripes(width: 64, height: 64))
        try await Self.withDirectory { dir in
            let input = dir.appendingPathComponent("catalog.jsonl")
            var lines = Self.textRecords(100)
            lines.append(#"{"recordId":"with-image","modelInput":{"inputText":"striped mug","inputImage":"\#(Data(png).base64EncodedString())","embeddingConfig":{"outputEmbeddingLength":1024}}}"#)
            lines.append(#"{"recordId":"bad-length","modelInput":{"inputText":"wool hat","embeddingConfig":{"outputEmbeddingLength":100}}}"#)
            lines.append(#"this line is not JSON"#)
            lines.append(#"{"recordId":"no-input"}"#)
            try Self.write(lines, to: input)
            let output = dir.appendingPathComponent("out")
            // One record at a time, as one InvokeModel call: bit-identical vectors. (In groups, the default, MiniLM runs
            // the texts as one batch, which changes float summation order in the last bits, as it does for concurrent
            // InvokeModel calls; `persistence` checks those within 1e-5.)
            try await Self.withServer(batch: .init(recordsAtOnce: 1)) { client, test, _ in
                let arn = try await client.createModelInvocationJob(CreateModelInvocationJobRequest(
                    jobName: "catalog-1", roleArn: Self.role, modelId: TitanModel.multimodalEmbeddingsV1,
                    inputS3Uri: "file://" + input.path, outputS3Uri: output.path, clientRequestToken: "token-1"))
                #expect(arn.hasPrefix("arn:aws:bedrock:us-east-1:000000000000:model-invocation-job/"))
                // An idempotent retry gets the same job.
                let again = try await client.createModelInvocationJob(CreateModelInvocationJobRequest(
                    jobName: "catalog-1", roleArn: Self.role, modelId: TitanModel.multimodalEmbeddingsV1,
                    inputS3Uri: "file://" + input.path, outputS3Uri: output.path, clientRequestToken: "token-1"))
                #expect(again == arn)

                let done = try await Self.wait(client, arn, for: ModelInvocation.terminalStatuses)
                #expect(done.status == "Completed", "\(done.message ?? "")")
                #expect(done.totalRecordCount == 104)
                #expect(done.processedRecordCount == 104)
                #expect(done.successRecordCount == 101)
                #expect(done.errorRecordCount == 3)
                #expect(done.endTime != nil && done.submitTime != nil)
                #expect(done.inputDataConfig?.s3InputDataConfig.s3Uri == "file://" + input.path)

                let folder = output.appendingPathComponent(ModelInvocation.jobID(fromArn: arn))
                let records = try Self.outputLines(folder.appendingPathComponent("catalog.jsonl.out"))
                #expect(records.count == 104)
                let manifest = try JSONDecoder().decode(ModelInvocationOutputWriter.Manifest.self,
                                                        from: Data(contentsOf: folder.appendingPathComponent("manifest.json.out")))
                #expect(manifest.totalRecordCount == 104 && manifest.successRecordCount == 101 && manifest.errorRecordCount == 3)
                #expect(manifest.inputTokenCount > 100)

                var compared = 0
                for record in records {
                    let id = try #require(record["recordId"] as? String)
                    if let error = record["error"] as? [String: Any] {
                        #expect(["bad-length", "no-input", "00000000103"].contains(id), "\(id): \(error)")
                        #expect(error["errorCode"] as? Int == 400)
                        #expect((error["errorMessage"] as? String ?? "").contains("Malformed input request"))
                        continue
                    }
                    let modelInput = try #require(record["modelInput"] as? [String: Any])
                    let modelOutput = try JSONSerialization.data(withJSONObject: try #require(record["modelOutput"]))
                    let batch = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: modelOutput)
                    // The same body through InvokeModel, signed.
                    let body = String(decoding: try JSONSerialization.data(withJSONObject: modelInput), as: UTF8.self)
                    let answer = try await test.execute(uri: TitanLocalServerTests.invokePath, method: .post,
                                                        headers: TitanLocalServerTests.signedHeaders(body: body), body: ByteBuffer(string: body))
                    #expect(answer.status == .ok)
                    let invoked = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(buffer: answer.body))
                    #expect(batch.embedding == invoked.embedding, "\(id)")
                    #expect(batch.inputTextTokenCount == invoked.inputTextTokenCount)
                    compared += 1
                }
                #expect(compared == 101)
                let withImage = try #require(records.first { $0["recordId"] as? String == "with-image" })
                #expect(((withImage["modelOutput"] as? [String: Any])?["embedding"] as? [Any])?.count == 1024)
            }
        }
    }

    @Test("Submitted → InProgress → Stopping/Stopped on stop, with the records answered so far; a queued job stops at once; a missing input fails the job; list filters")
    func statusesAndStop() async throws {
        try await Self.withDirectory { dir in
            let input = dir.appendingPathComponent("in.jsonl")
            try Self.write(Self.textRecords(120), to: input)
            let gone = dir.appendingPathComponent("gone.jsonl")
            try Self.write(Self.textRecords(100), to: gone)
            let output = dir.appendingPathComponent("out")
            try await Self.withServer(batch: .init(recordsAtOnce: 2, groupDelay: .milliseconds(100))) { client, _, _ in
                func create(_ name: String, _ file: URL) async throws -> String {
                    try await client.createModelInvocationJob(CreateModelInvocationJobRequest(
                        jobName: name, roleArn: Self.role, modelId: TitanModel.multimodalEmbeddingsV1, inputS3Uri: file.path, outputS3Uri: "file://" + output.path))
                }
                let running = try await create("running", input)
                let queued = try await create("queued", input)
                let failing = try await create("failing", gone)
                try FileManager.default.removeItem(at: gone)

                let first = try await Self.wait(client, running, for: ["InProgress"])
                #expect(first.status == "InProgress")
                #expect(try await client.getModelInvocationJob(queued).status == "Submitted")
                let deadline = ContinuousClock.now + .seconds(60)
                while try await client.getModelInvocationJob(running).processedRecordCount ?? 0 == 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                // One job at a time: the others wait.
                #expect(try await client.listModelInvocationJobs(JobListFilter(statusEquals: "Submitted")).invocationJobSummaries.count == 2)

                try await client.stopModelInvocationJob(queued)
                let stoppedQueued = try await client.getModelInvocationJob(queued)
                #expect(stoppedQueued.status == "Stopped")
                #expect(stoppedQueued.endTime != nil)

                try await client.stopModelInvocationJob(running)
                let stopping = try await client.getModelInvocationJob(running).status
                #expect(stopping == "Stopping" || stopping == "Stopped")
                let stopped = try await Self.wait(client, running, for: ["Stopped"])
                let processed = try #require(stopped.processedRecordCount)
                #expect(processed > 0 && processed < 120, "stopped part way: \(processed)")
                let lines = try Self.outputLines(output.appendingPathComponent(ModelInvocation.jobID(fromArn: running)).appendingPathComponent("in.jsonl.out"))
                #expect(lines.count == processed)

                let again = await #expect(throws: BedrockError.self) { try await client.stopModelInvocationJob(running) }
                #expect(again?.httpStatus == 400)

                let failed = try await Self.wait(client, failing, for: ["Failed", "Completed"])
                #expect(failed.status == "Failed")
                #expect((failed.message ?? "").contains("Could not read the input"), "\(failed.message ?? "")")

                let list = try await client.listModelInvocationJobs(JobListFilter(statusEquals: "Stopped"))
                #expect(Set(list.invocationJobSummaries.compactMap(\.jobName)) == ["running", "queued"])
                let named = try await client.listModelInvocationJobs(JobListFilter(nameContains: "fail"))
                #expect(named.invocationJobSummaries.map(\.jobArn) == [failing])
            }
        }
    }

    @Test("s3:// locations, too few records, unknown models and bad signatures are refused as Bedrock refuses them")
    func refusals() async throws {
        try await Self.withDirectory { dir in
            let input = dir.appendingPathComponent("in.jsonl")
            try Self.write(Self.textRecords(100), to: input)
            let small = dir.appendingPathComponent("small.jsonl")
            try Self.write(Self.textRecords(99), to: small)
            try await Self.withServer { client, _, server in
                func create(model: String = TitanModel.multimodalEmbeddingsV1, input: String, output: String? = nil,
                            with client: BedrockControlPlaneClient) async -> BedrockError? {
                    await #expect(throws: BedrockError.self) {
                        _ = try await client.createModelInvocationJob(CreateModelInvocationJobRequest(
                            jobName: "refused", roleArn: Self.role, modelId: model, inputS3Uri: input, outputS3Uri: output ?? dir.path))
                    }
                }
                let s3In = await create(input: "s3://bucket/batch/in.jsonl", with: client)
                #expect(s3In?.code == .validation)
                #expect(s3In?.httpStatus == 400)
                #expect(s3In?.message.contains("local files, not S3") == true, "\(s3In?.message ?? "")")
                let s3Out = await create(input: input.path, output: "s3://bucket/batch/out/", with: client)
                #expect(s3Out?.code == .validation)
                #expect(s3Out?.message.contains("outputDataConfig") == true)
                let few = await create(input: small.path, with: client)
                #expect(few?.code == .validation)
                #expect(few?.message.contains("99 records") == true, "\(few?.message ?? "")")
                let model = await create(model: "amazon.titan-embed-text-v2:0", input: input.path, with: client)
                #expect(model?.code == .resourceNotFound)
                let port = try #require(URLComponents(string: client.endpoint)?.port)
                let unsigned = await create(input: input.path, with: try Self.client(port: port, secret: "wrong"))
                #expect(unsigned?.httpStatus == 403)
                #expect(server.batch.list().isEmpty, "nothing was created")
            }
        }
    }

    @Test("jobs persist under the custom-models directory: a restarted server lists them and runs a job still Submitted")
    func persistence() async throws {
        try await Self.withDirectory { dir in
            let input = dir.appendingPathComponent("in.jsonl")
            try Self.write(Self.textRecords(100), to: input)
            let store = dir.appendingPathComponent("custom-models")
            let embedder = try Self.embedder.get()
            let invoker = LocalModelInvoker(embedder: embedder, customization: ModelCustomizationJobs(embedder: embedder, reader: nil))
            let body = try JSONEncoder().encode(CreateModelInvocationJobRequest(jobName: "later", roleArn: Self.role, modelId: TitanModel.multimodalEmbeddingsV1,
                                                                                inputS3Uri: input.path, outputS3Uri: dir.appendingPathComponent("out").path))
            // Not running: the job stays Submitted.
            let first = ModelInvocationJobs(invoker: invoker, configuration: .init(directory: store), logger: .init(label: "test"))
            let arn = try first.create(body: Array(body))
            #expect(try first.job(arn).status == "Submitted")

            let second = ModelInvocationJobs(invoker: invoker, configuration: .init(directory: store), logger: .init(label: "test"))
            #expect(try second.job(arn).status == "Submitted")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await second.run() }
                let deadline = ContinuousClock.now + .seconds(120)
                while try second.job(arn).status != "Completed", ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                group.cancelAll()
            }
            #expect(try second.job(arn).job.successRecordCount == 100)
            // Records answered in groups of 32 equal single InvokeModel answers within float rounding.
            let out = dir.appendingPathComponent("out/\(ModelInvocation.jobID(fromArn: arn))/in.jsonl.out")
            for record in try Self.outputLines(out).prefix(5) {
                let body = try JSONSerialization.data(withJSONObject: try #require(record["modelInput"]))
                let single = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(try await invoker.invoke(modelID: TitanModel.multimodalEmbeddingsV1, body: Array(body)).body))
                let batch = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: JSONSerialization.data(withJSONObject: try #require(record["modelOutput"])))
                #expect(batch.embedding.count == single.embedding.count)
                #expect(zip(batch.embedding, single.embedding).allSatisfy { abs($0 - $1) < 1e-5 })
            }
            let third = ModelInvocationJobs(invoker: invoker, configuration: .init(directory: store), logger: .init(label: "test"))
            #expect(try third.job("later").status == "Completed")
        }
    }
}
