import BedrockClient
import Finetuning
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import TitanLocal

@Suite("rec titan-local local trainer over HTTP", .serialized,
       .enabled(if: TestResources.modelTestsEnabled, "model files absent (set REC_INTEGRATION=1 to require them)"))
struct LocalTrainerServerTests {
    /// 48 demo products at 128 px: 36-ish training and 12-ish validation records (far under Bedrock's minimums).
    static func withDataset(_ body: (URL) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rec-local-trainer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try DemoDatasetWriter(count: 48, imageSize: 128, split: try DatasetSplit(validationFraction: 0.25, seed: 0)).write(to: dir.path)
        try await body(dir)
    }

    static let role = "arn:aws:iam::123456789012:role/bedrock-finetune"

    static func createBody(name: String, training: String, validation: String? = nil,
                           hyperParameters: [String: String] = ["epochCount": "5", "learningRate": "0.01"]) -> ByteBuffer {
        var object: [String: Any] = [
            "jobName": name, "customModelName": name + "-model", "roleArn": role,
            "baseModelIdentifier": "amazon.titan-embed-image-v1", "customizationType": "FINE_TUNING",
            "trainingDataConfig": ["s3Uri": training], "outputDataConfig": ["s3Uri": "s3://bucket/out/"],
            "hyperParameters": hyperParameters,
        ]
        if let validation { object["validationDataConfig"] = ["validators": [["s3Uri": validation]]] }
        return ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    static func encoded(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~")))!
    }

    /// A server whose trainer runs while `body` does.
    static func withServer(directory: URL? = nil, authentication: TitanLocalConfiguration.Authentication = .none,
                           _ body: @escaping @Sendable (any TestClientProtocol, ModelCustomizationJobs) async throws -> Void) async throws {
        let embedder = try TitanLocalServerTests.embedder.get()
        let jobs = ModelCustomizationJobs(embedder: embedder, reader: LocalTrainingDataReader(), configuration: .init(directory: directory))
        let server = TitanLocalServer(embedder: embedder, configuration: TitanLocalConfiguration(port: 0, modelDirectory: embedder.model.directory,
                                                                                                 authentication: authentication),
                                      customization: jobs)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await jobs.run() }
            try await Application(router: server.makeRouter()).test(.router) { client in try await body(client, jobs) }
            group.cancelAll()
        }
    }

    /// Polls GetModelCustomizationJob until the status is one of `statuses`.
    static func wait(_ client: any TestClientProtocol, _ job: String, for statuses: Set<String>, timeout: Duration = .seconds(180)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let answer = try await client.execute(uri: "/model-customization-jobs/\(encoded(job))", method: .get, headers: [:], body: nil)
            #expect(answer.status == .ok)
            let object = try json(answer)
            if let status = object["status"] as? String, statuses.contains(status) { return object }
            guard ContinuousClock.now < deadline else { Issue.record("job \(job) still \(object["status"] ?? "?")"); return object }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func invoke(_ client: any TestClientProtocol, model: String, body: [String: Any]) async throws -> (HTTPResponse.Status, [Float]) {
        let response = try await client.execute(uri: "/model/\(encoded(model))/invoke", method: .post, headers: [:],
                                                body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        guard response.status == .ok else { return (response.status, []) }
        return (response.status, try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(buffer: response.body)).embedding)
    }

    @Test("create → InProgress → Completed with metrics; the custom model embeds images through the adapter, text as the base; provisioned ARN and restart serve it")
    func lifecycle() async throws {
        try await Self.withDataset { data in
            let store = FileManager.default.temporaryDirectory.appendingPathComponent("rec-custom-models-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: store) }
            let training = data.appendingPathComponent("train.jsonl").path
            let validation = "file://" + data.appendingPathComponent("validation.jsonl").path
            let png = try [UInt8](Data(contentsOf: data.appendingPathComponent("images/demo-0001.png")))
            let image = png.count > 0 ? Data(png).base64EncodedString() : ""
            let caption = "Red stoneware mug"
            let modelArn = LockedValue<String>("")
            let trainedAdapter = LockedValue<ImageAdapter?>(nil)
            try await Self.withServer(directory: store) { client, jobs in
                let created = try await client.execute(uri: "/model-customization-jobs", method: .post, headers: [:],
                                                       body: Self.createBody(name: "lifecycle", training: training, validation: validation,
                                                                             hyperParameters: ["epochCount": "8", "batchSize": "256", "learningRate": "0.01"]))
                #expect(created.status == .created)
                let jobArn = try #require(try Self.json(created)["jobArn"] as? String)
                #expect(jobArn.hasPrefix("arn:aws:bedrock:us-east-1:000000000000:model-customization-job/amazon.titan-embed-image-v1:0/"))
                #expect(jobArn.split(separator: "/").last?.count == 12)
                let first = try Self.json(try await client.execute(uri: "/model-customization-jobs/\(Self.encoded(jobArn))", method: .get, headers: [:], body: nil))
                #expect(first["status"] as? String == "InProgress")

                let done = try await Self.wait(client, "lifecycle", for: ["Completed", "Failed"])
                #expect(done["status"] as? String == "Completed", "\(done["failureMessage"] ?? "")")
                let metrics = try #require(done["trainingMetrics"] as? [String: Any])
                #expect((metrics["trainingLoss"] as? Double ?? 0) > 0)
                let validationMetrics = try #require(done["validationMetrics"] as? [[String: Any]])
                #expect((validationMetrics.first?["validationLoss"] as? Double ?? 0) > 0)
                #expect(done["endTime"] is String)
                let local = try #require(done["localTraining"] as? [String: Any])
                #expect(local["epochsCompleted"] as? Int == 8)
                let records = try #require(local["trainingRecords"] as? Int)
                #expect(local["batchSize"] as? Int == records, "batchSize 256 is capped at the \(records) records")
                let notes = local["notes"] as? [String] ?? []
                #expect(notes.contains { $0.contains("1,000") && $0.contains("local trainer accepts it") }, "\(notes)")
                let arn = try #require(done["outputModelArn"] as? String)
                #expect(arn.hasPrefix("arn:aws:bedrock:us-east-1:000000000000:custom-model/amazon.titan-embed-image-v1:0/"))
                modelArn.withLock { $0 = arn }
                trainedAdapter.withLock { $0 = jobs.adapter(forModelID: arn) }

                // The control-plane client's wire types read the answers (rec finetune status/list/provision).
                let typed = try JSONDecoder().decode(ModelCustomizationJob.self, from: Data(buffer: try await client.execute(
                    uri: "/model-customization-jobs/lifecycle", method: .get, headers: [:], body: nil).body))
                #expect(typed.isTerminal && typed.status == "Completed" && typed.outputModelArn == arn)
                #expect(typed.trainingMetrics?.trainingLoss != nil && typed.validationMetrics?.first?.validationLoss != nil)
                let typedList = try JSONDecoder().decode(ModelCustomizationJobList.self, from: Data(buffer: try await client.execute(
                    uri: "/model-customization-jobs?sortBy=CreationTime&sortOrder=Ascending", method: .get, headers: [:], body: nil).body))
                #expect(typedList.modelCustomizationJobSummaries.map(\.customModelArn) == [arn])
                let listed = try Self.json(try await client.execute(uri: "/model-customization-jobs?statusEquals=Completed&nameContains=life", method: .get, headers: [:], body: nil))
                let summaries = try #require(listed["modelCustomizationJobSummaries"] as? [[String: Any]])
                #expect(summaries.map { $0["jobArn"] as? String } == [jobArn])
                #expect(summaries.first?["customModelArn"] as? String == arn)

                // Images go through the adapter, text exactly as the base model embeds it.
                let embedder = try TitanLocalServerTests.embedder.get()
                let adapter = try #require(jobs.adapter(forModelID: arn))
                for dimension in [256, 384, 1024] {
                    let config = ["outputEmbeddingLength": dimension]
                    let (s1, customImage) = try await Self.invoke(client, model: arn, body: ["inputImage": image, "embeddingConfig": config])
                    let (_, baseImage) = try await Self.invoke(client, model: TitanModel.multimodalEmbeddingsV1, body: ["inputImage": image, "embeddingConfig": config])
                    let (_, customText) = try await Self.invoke(client, model: arn, body: ["inputText": caption, "embeddingConfig": config])
                    let (_, baseText) = try await Self.invoke(client, model: TitanModel.multimodalEmbeddingsV1, body: ["inputText": caption, "embeddingConfig": config])
                    #expect(s1 == .ok)
                    #expect(customImage.count == dimension)
                    #expect(customImage != baseImage)
                    // The same text path: equal up to the float rounding of the batch it shared with other tests' texts.
                    #expect(customText.count == baseText.count && zip(customText, baseText).allSatisfy { abs($0 - $1) < 1e-5 })
                    let descriptor = ImageDescriptor.describe(try ImageCodec.decode(png, minSide: ImageDescriptor.decodeMinSide))
                    #expect(customImage == TitanEmbedder.textProjectors[dimension]!.project(adapter.apply([descriptor])[0]))
                    #expect(baseImage == TitanEmbedder.imageProjectors[dimension]!.project(descriptor), "the base model's image vectors do not change")
                    let direct = try await embedder.embed(TitanEmbeddingRequest(inputImage: image, embeddingConfig: .init(outputEmbeddingLength: dimension)))
                    #expect(direct.embedding == baseImage)
                }

                // A provisioned throughput maps its ARN onto the custom model.
                let provisionBody: [String: Any] = ["provisionedModelName": "lifecycle-pt", "modelId": arn, "modelUnits": 1]
                let provisioned = try await client.execute(uri: "/provisioned-model-throughput", method: .post, headers: [:],
                                                           body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: provisionBody)))
                #expect(provisioned.status == .created)
                let provisionedArn = try #require(try Self.json(provisioned)["provisionedModelArn"] as? String)
                #expect(provisionedArn.hasPrefix("arn:aws:bedrock:us-east-1:000000000000:provisioned-model/"))
                let described = try Self.json(try await client.execute(uri: "/provisioned-model-throughput/\(Self.encoded(provisionedArn))", method: .get, headers: [:], body: nil))
                #expect(described["status"] as? String == "InService")
                #expect(described["modelArn"] as? String == arn)
                let typedProvisioned = try JSONDecoder().decode(ProvisionedModelThroughput.self, from: Data(buffer: try await client.execute(
                    uri: "/provisioned-model-throughput/lifecycle-pt", method: .get, headers: [:], body: nil).body))
                #expect(typedProvisioned.status == "InService" && typedProvisioned.modelArn == arn && typedProvisioned.provisionedModelArn == provisionedArn)
                let (_, viaCustom) = try await Self.invoke(client, model: arn, body: ["inputImage": image])
                let (_, viaProvisioned) = try await Self.invoke(client, model: provisionedArn, body: ["inputImage": image])
                #expect(viaProvisioned == viaCustom)
                let health = try JSONDecoder().decode(TitanLocalHealth.self, from: Data(buffer: try await client.execute(uri: "/health", method: .get, headers: [:], body: nil).body))
                #expect(health.customModels == [arn])
            }

            // A restarted titan-local serves the persisted adapter and still knows the job.
            let arn = modelArn.withLock { $0 }
            let embedder = try TitanLocalServerTests.embedder.get()
            let reloaded = ModelCustomizationJobs(embedder: embedder, reader: nil, configuration: .init(directory: store))
            #expect(reloaded.adapter(forModelID: arn) != nil)
            #expect(reloaded.adapter(forModelID: arn) == trainedAdapter.withLock { $0 })
            #expect(try reloaded.job("lifecycle").status == .completed)
            #expect(reloaded.adapter(forModelID: "lifecycle-pt") == trainedAdapter.withLock { $0 })
        }
    }

    @Test("StopModelCustomizationJob stops a running job (Stopping, then Stopped, no model); stopping it again is a ConflictException")
    func stop() async throws {
        try await Self.withDataset { data in
            try await Self.withServer { client, _ in
                let created = try await client.execute(uri: "/model-customization-jobs", method: .post, headers: [:],
                                                       body: Self.createBody(name: "stopped", training: data.appendingPathComponent("train.jsonl").path,
                                                                             hyperParameters: ["epochCount": "100", "learningRate": "0.001"]))
                #expect(created.status == .created)
                let stopped = try await client.execute(uri: "/model-customization-jobs/stopped/stop", method: .post, headers: [:], body: nil)
                #expect(stopped.status == .ok)
                #expect(stopped.body.readableBytes == 0)
                let after = try Self.json(try await client.execute(uri: "/model-customization-jobs/stopped", method: .get, headers: [:], body: nil))
                #expect(["Stopping", "Stopped"].contains(after["status"] as? String ?? ""))
                let done = try await Self.wait(client, "stopped", for: ["Stopped", "Completed", "Failed"])
                #expect(done["status"] as? String == "Stopped")
                #expect(done["outputModelArn"] == nil)
                let again = try await client.execute(uri: "/model-customization-jobs/stopped/stop", method: .post, headers: [:], body: nil)
                #expect(again.status == .badRequest)
                #expect(again.headers[HTTPField.Name(BedrockErrorType.headerName)!] == "ConflictException")
            }
        }
    }

    @Test("unknown jobs, provisioned models and custom models are ResourceNotFoundException 404")
    func notFound() async throws {
        try await Self.withServer { client, _ in
            for (uri, method) in [("/model-customization-jobs/nope", HTTPRequest.Method.get), ("/model-customization-jobs/nope/stop", .post),
                                  ("/provisioned-model-throughput/nope", .get)] {
                let answer = try await client.execute(uri: uri, method: method, headers: [:], body: nil)
                #expect(answer.status == .notFound, "\(uri)")
                #expect(answer.headers[HTTPField.Name(BedrockErrorType.headerName)!] == "ResourceNotFoundException")
                #expect(try TitanLocalServerTests.message(answer).contains("nope"))
            }
            let (status, _) = try await Self.invoke(client, model: "arn:aws:bedrock:us-east-1:000000000000:custom-model/amazon.titan-embed-image-v1:0/zzzzzzzzzzzz",
                                                    body: ["inputText": "hello"])
            #expect(status == .notFound)
        }
    }

    @Test("refused before any training: s3:// data, out-of-bounds hyperparameters (naming the bound), a duplicate name", arguments: [
        (["epochCount": "0"], "1...100"), (["epochCount": "101"], "1...100"), (["epochCount": "ten"], "1...100"), ([:], "epochCount is required"),
        (["epochCount": "5", "batchSize": "32"], "256...9216"), (["epochCount": "5", "batchSize": "10000"], "256...9216"),
        (["epochCount": "5", "learningRate": "2"], "5e-8...1"), (["epochCount": "5", "learningRate": "1e-9"], "5e-8...1"),
        (["epochCount": "5", "warmupSteps": "3"], "warmupSteps"),
    ])
    func refusals(hyperParameters: [String: String], expected: String) async throws {
        try await Self.withDataset { data in
            try await Self.withServer { client, _ in
                let answer = try await client.execute(uri: "/model-customization-jobs", method: .post, headers: [:],
                                                      body: Self.createBody(name: "bad", training: data.appendingPathComponent("train.jsonl").path,
                                                                            hyperParameters: hyperParameters))
                #expect(answer.status == .badRequest)
                #expect(answer.headers[HTTPField.Name(BedrockErrorType.headerName)!] == "ValidationException")
                #expect(try TitanLocalServerTests.message(answer).contains(expected))
            }
        }
    }

    @Test("an s3:// dataset is refused: titan-local trains on local files; a name in use is a ConflictException")
    func s3AndDuplicates() async throws {
        try await Self.withDataset { data in
            try await Self.withServer { client, _ in
                let s3 = try await client.execute(uri: "/model-customization-jobs", method: .post, headers: [:],
                                                  body: Self.createBody(name: "s3", training: "s3://bucket/train.jsonl"))
                #expect(s3.status == .badRequest)
                #expect(s3.headers[HTTPField.Name(BedrockErrorType.headerName)!] == "ValidationException")
                #expect(try TitanLocalServerTests.message(s3).contains("trains on local files"))
                let body = Self.createBody(name: "twice", training: data.appendingPathComponent("train.jsonl").path, hyperParameters: ["epochCount": "1"])
                #expect(try await client.execute(uri: "/model-customization-jobs", method: .post, headers: [:], body: body).status == .created)
                let again = try await client.execute(uri: "/model-customization-jobs", method: .post, headers: [:], body: body)
                #expect(again.status == .badRequest)
                #expect(again.headers[HTTPField.Name(BedrockErrorType.headerName)!] == "ConflictException")
                _ = try await Self.wait(client, "twice", for: ["Completed", "Failed"])
            }
        }
    }

    @Test("a dataset that breaks the rules fails the job with the line and rule in failureMessage")
    func badDataset() async throws {
        try await Self.withDataset { data in
            let file = data.appendingPathComponent("broken-train.jsonl")
            let good = try String(contentsOf: data.appendingPathComponent("train.jsonl"), encoding: .utf8).split(separator: "\n").prefix(3)
            try (good.joined(separator: "\n") + "\n{\"image-ref\":\"images/missing.png\",\"caption\":\"gone\"}\n").write(to: file, atomically: true, encoding: .utf8)
            try await Self.withServer { client, _ in
                let created = try await client.execute(uri: "/model-customization-jobs", method: .post, headers: [:],
                                                       body: Self.createBody(name: "broken", training: file.path))
                #expect(created.status == .created)
                let done = try await Self.wait(client, "broken", for: ["Completed", "Failed"])
                #expect(done["status"] as? String == "Failed")
                let message = done["failureMessage"] as? String ?? ""
                #expect(message.contains("line 4") && message.contains("unreadable-ref"), "\(message)")
            }
        }
    }

    @Test("with credentials configured, control-plane requests must be SigV4-signed for service bedrock")
    func signed() async throws {
        let verifier = SigV4Verifier(secretsByAccessKeyID: [TitanLocalServerTests.accessKey: TitanLocalServerTests.secret], region: "us-east-1", service: "bedrock")
        try await Self.withServer(authentication: .sigV4(verifier)) { client, _ in
            let unsigned = try await client.execute(uri: "/model-customization-jobs", method: .get, headers: [:], body: nil)
            #expect(unsigned.status == .forbidden)
            let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: TitanLocalServerTests.accessKey, secretAccessKey: TitanLocalServerTests.secret),
                                     region: "us-east-1", service: "bedrock")
            let signature = signer.sign(method: "GET", path: "/model-customization-jobs", headers: [("host", "localhost")], body: [], date: Date())
            var fields = HTTPFields()
            for (name, value) in signature.headersToAdd { fields[HTTPField.Name(name)!] = value }
            let signed = try await client.execute(uri: "/model-customization-jobs", method: .get, headers: fields, body: nil)
            #expect(signed.status == .ok)
            #expect(try Self.json(signed)["modelCustomizationJobSummaries"] is [Any])
        }
    }
}
