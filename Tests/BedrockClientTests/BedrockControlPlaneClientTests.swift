import BedrockTestSupport
import Foundation
import Testing
@testable import BedrockClient

/// The error `body` throws as a ``BedrockError`` (nil when it does not throw one).
func thrown<T>(_ body: () throws -> T) -> BedrockError? {
    do { _ = try body(); return nil } catch { return error as? BedrockError }
}

func thrown<T>(_ body: () async throws -> T) async -> BedrockError? {
    do { _ = try await body(); return nil } catch { return error as? BedrockError }
}

/// Titan customization hyperparameters: every bound, just inside and just outside, refused before sending.
@Suite struct TitanCustomizationHyperParametersTests {
    @Test func epochCountBounds() throws {
        #expect(try TitanCustomizationHyperParameters(epochCount: 1).epochCount == 1)
        #expect(try TitanCustomizationHyperParameters(epochCount: 100).epochCount == 100)
        for bad in [0, 101, -3] {
            #expect(thrown { try TitanCustomizationHyperParameters(epochCount: bad) }.map { e in
                e.code == .invalidInput && e.message.contains("epochCount") && e.message.contains(bad < 1 ? "at least 1" : "at most 100")
            } == true)
        }
        #expect(try TitanCustomizationHyperParameters(epochCount: nil).wireValues["epochCount"] == "Auto")
        #expect(try TitanCustomizationHyperParameters.epochCount(parsing: "auto") == nil)
        #expect(try TitanCustomizationHyperParameters.epochCount(parsing: "7") == 7)
        #expect(throws: BedrockError.self) { try TitanCustomizationHyperParameters.epochCount(parsing: "7.5") }
    }

    @Test func batchSizeBounds() throws {
        #expect(try TitanCustomizationHyperParameters(epochCount: 1, batchSize: 256).batchSize == 256)
        #expect(try TitanCustomizationHyperParameters(epochCount: 1, batchSize: 9_216).batchSize == 9_216)
        #expect(try TitanCustomizationHyperParameters(epochCount: 1).batchSize == 576, "the model's default")
        for (bad, bound) in [(255, "at least 256"), (9_217, "at most 9216")] {
            #expect(thrown { try TitanCustomizationHyperParameters(epochCount: 1, batchSize: bad) }.map { e in
                e.message.contains("batchSize must be \(bound)")
            } == true)
        }
    }

    @Test func learningRateBounds() throws {
        #expect(try TitanCustomizationHyperParameters(epochCount: 1, learningRate: 5e-8).learningRate == 5e-8)
        #expect(try TitanCustomizationHyperParameters(epochCount: 1, learningRate: 1).learningRate == 1)
        #expect(try TitanCustomizationHyperParameters(epochCount: 1).learningRate == 5e-5, "the model's default")
        for (bad, bound) in [(4.9e-8, "at least 5e-8"), (1.0000001, "at most 1"), (Double.nan, "a number"), (0, "at least 5e-8")] {
            #expect(thrown { try TitanCustomizationHyperParameters(epochCount: 1, learningRate: bad) }.map { e in
                e.message.contains("learningRate must be \(bound)")
            } == true)
        }
    }

    @Test func wireValuesAreStrings() throws {
        let h = try TitanCustomizationHyperParameters(epochCount: 3, batchSize: 1024, learningRate: 1e-4)
        #expect(h.wireValues == ["epochCount": "3", "batchSize": "1024", "learningRate": "0.0001"])
        #expect(Double(try TitanCustomizationHyperParameters(epochCount: 1).wireValues["learningRate"]!) == 5e-5)
    }
}

/// The control-plane client against the loopback fake, which verifies every signature and request shape.
@Suite struct BedrockControlPlaneClientTests {
    static func request(_ name: String, validation: Bool = true) throws -> CreateModelCustomizationJobRequest {
        CreateModelCustomizationJobRequest(
            jobName: name, customModelName: name + "-model", roleArn: "arn:aws:iam::123456789012:role/BedrockFinetune",
            clientRequestToken: "token-\(name)", hyperParameters: try TitanCustomizationHyperParameters(epochCount: 2).wireValues,
            trainingDataConfig: .init(s3Uri: "s3://bucket/train.jsonl"),
            validationDataConfig: validation ? .init(validators: [.init(s3Uri: "s3://bucket/validation.jsonl")]) : nil,
            outputDataConfig: .init(s3Uri: "s3://bucket/out/"))
    }

    @Test func endpointsFollowTheSDKConvention() throws {
        #expect(BedrockControlPlaneClient.defaultEndpoint(region: "eu-west-1") == "https://bedrock.eu-west-1.amazonaws.com")
        #expect(BedrockControlPlaneClient.endpointOverride(["AWS_ENDPOINT_URL_BEDROCK": "http://a", "AWS_ENDPOINT_URL": "http://b"]) == "http://a")
        #expect(BedrockControlPlaneClient.endpointOverride(["AWS_ENDPOINT_URL_BEDROCK": " ", "AWS_ENDPOINT_URL": "http://b"]) == "http://b")
        #expect(BedrockControlPlaneClient.endpointOverride(["AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://c"]) == nil, "the runtime's override is not the control plane's")
        let client = try BedrockControlPlaneClient.fromEnvironment(["AWS_REGION": "ap-south-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"])
        #expect(client.endpoint == "https://bedrock.ap-south-1.amazonaws.com" && client.region == "ap-south-1")
        #expect(throws: BedrockError.self) { try BedrockControlPlaneClient.fromEnvironment(["AWS_ENDPOINT_URL_BEDROCK": "ftp://x"]) }
    }

    @Test func batchVectorsAreHashedUnderTheEndpointsVectorVersion() async throws {
        let fake = try FakeBedrockControlPlane()
        #expect(try await fake.client().hashModel(of: "amazon.titan-embed-image-v1") == "amazon.titan-embed-image-v1", "answered as Bedrock: the model id alone")
        fake.vectorVersion = "stand-in-7"
        #expect(try await fake.client().hashModel(of: "amazon.titan-embed-image-v1") == "amazon.titan-embed-image-v1@stand-in-7")
        #expect(fake.requests.isEmpty, "not an API call")
        let aws = try BedrockControlPlaneClient(region: "us-east-1", credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials),
                                                transport: RefusingTransport())
        #expect(try await aws.hashModel(of: "m") == "m", "Bedrock's own endpoint is not asked")
    }

    /// A transport that must not be used.
    struct RefusingTransport: HTTPTransport {
        func send(_ request: HTTPTransportRequest) async throws(BedrockError) -> HTTPTransportResponse {
            Issue.record("unexpected request to \(request.url)")
            throw BedrockError(.transport, "refused")
        }
    }

    @Test func createSendsTheDocumentedShape() async throws {
        let fake = try FakeBedrockControlPlane()
        let arn = try await fake.client().createModelCustomizationJob(try Self.request("shape-1"))
        #expect(arn.hasPrefix("arn:aws:bedrock:us-east-1:123456789012:model-customization-job/"))
        let sent = try #require(fake.requests.last)
        #expect(sent.method == "POST" && sent.rawPath == "/model-customization-jobs" && sent.rawQuery == nil)
        let body = try #require(sent.json)
        #expect(Set(body.keys) == ["jobName", "customModelName", "roleArn", "baseModelIdentifier", "customizationType", "clientRequestToken",
                                   "hyperParameters", "trainingDataConfig", "validationDataConfig", "outputDataConfig"])
        #expect(body["baseModelIdentifier"] as? String == "amazon.titan-embed-image-v1")
        #expect(body["customizationType"] as? String == "FINE_TUNING")
        #expect(body["hyperParameters"] as? [String: String] == ["epochCount": "2", "batchSize": "576", "learningRate": "5e-05"])
        #expect((body["trainingDataConfig"] as? [String: String])?["s3Uri"] == "s3://bucket/train.jsonl")
        #expect(((body["validationDataConfig"] as? [String: Any])?["validators"] as? [[String: String]])?.first?["s3Uri"] == "s3://bucket/validation.jsonl")
        #expect((body["outputDataConfig"] as? [String: String])?["s3Uri"] == "s3://bucket/out/")
        // Without validation data the member is absent, not null.
        _ = try await fake.client().createModelCustomizationJob(try Self.request("shape-2", validation: false))
        #expect(fake.requests.last?.json?.keys.contains("validationDataConfig") == false)
    }

    @Test func aBadSignatureIsAClearAuthenticationError() async throws {
        let fake = try FakeBedrockControlPlane()
        let client = try fake.client(secretAccessKey: "not-the-secret")
        #expect(await thrown { try await client.createModelCustomizationJob(try Self.request("sig")) }.map { e in
                e.code == .invalidSignature && e.httpStatus == 403 && e.message.contains("signature") && e.attempts == 1
        } == true)
        let list = try await fake.client().listModelCustomizationJobs()
        #expect(list.modelCustomizationJobSummaries.isEmpty, "nothing was created")
    }

    @Test func validationErrorsCarryBedrocksMessage() async throws {
        let fake = try FakeBedrockControlPlane()
        var r = try Self.request("bad")
        r.hyperParameters["batchSize"] = "100"
        #expect(await thrown { try await fake.client().createModelCustomizationJob(r) }.map { e in
                e.code == .validation && e.httpStatus == 400 && e.message.contains("batchSize")
        } == true)
        r = try Self.request("dup")
        _ = try await fake.client().createModelCustomizationJob(r)
        #expect(await thrown { try await fake.client().createModelCustomizationJob(r) }.map { $0.code == .conflict } == true)
        #expect(await thrown { try await fake.client().getModelCustomizationJob("nope") }.map { $0.code == .resourceNotFound } == true)
    }

    @Test func statusFollowsTheJobToCompletionWithMetrics() async throws {
        let fake = try FakeBedrockControlPlane()
        fake.pollsUntilDone = 2
        let client = try fake.client()
        let arn = try await client.createModelCustomizationJob(try Self.request("metrics"))
        var job = try await client.getModelCustomizationJob(arn)  // by ARN: ':' and '/' travel percent-encoded and signed
        #expect(job.status == "InProgress" && !job.isTerminal && job.outputModelArn == nil)
        _ = try await client.getModelCustomizationJob("metrics")
        job = try await client.getModelCustomizationJob("metrics")
        #expect(job.status == "Completed" && job.isTerminal)
        #expect(job.trainingMetrics?.trainingLoss == 0.25)
        #expect(job.validationMetrics?.map(\.validationLoss) == [0.3])
        #expect(job.outputModelArn?.contains(":custom-model/") == true)
        #expect(fake.requests.contains { $0.rawPath.hasPrefix("/model-customization-jobs/arn%3Aaws%3Abedrock%3A") && $0.rawPath.contains("%2F") })
    }

    @Test func aFailedJobSaysWhy() async throws {
        let fake = try FakeBedrockControlPlane()
        fake.customizationOutcome = .failed(message: "Training data has 12 records; at least 1000 are required")
        let client = try fake.client()
        _ = try await client.createModelCustomizationJob(try Self.request("fails"))
        _ = try await client.getModelCustomizationJob("fails")
        let job = try await client.getModelCustomizationJob("fails")
        #expect(job.status == "Failed" && job.failureMessage?.contains("1000") == true && job.outputModelArn == nil)
    }

    @Test func listFiltersAndPages() async throws {
        let fake = try FakeBedrockControlPlane()
        let client = try fake.client()
        for name in ["alpha-1", "alpha-2", "alpha-3", "beta-1"] { _ = try await client.createModelCustomizationJob(try Self.request(name)) }
        let first = try await client.listModelCustomizationJobs(JobListFilter(nameContains: "alpha", maxResults: 2, sortOrder: "Ascending"))
        #expect(first.modelCustomizationJobSummaries.map(\.jobName) == ["alpha-1", "alpha-2"])
        let token = try #require(first.nextToken)
        let second = try await client.listModelCustomizationJobs(JobListFilter(nameContains: "alpha", maxResults: 2, nextToken: token, sortOrder: "Ascending"))
        #expect(second.modelCustomizationJobSummaries.map(\.jobName) == ["alpha-3"] && second.nextToken == nil)
        let sent = try #require(fake.requests.last)
        #expect(sent.method == "GET" && sent.rawPath == "/model-customization-jobs")
        #expect(sent.rawQuery == "maxResults=2&nameContains=alpha&nextToken=\(token)&sortBy=CreationTime&sortOrder=Ascending")
        try await client.stopModelCustomizationJob("beta-1")
        let stopping = try await client.listModelCustomizationJobs(JobListFilter(statusEquals: "Stopping"))
        #expect(stopping.modelCustomizationJobSummaries.map(\.jobName) == ["beta-1"])
    }

    @Test func stopRoundTrip() async throws {
        let fake = try FakeBedrockControlPlane()
        fake.customizationOutcome = .running
        let client = try fake.client()
        let arn = try await client.createModelCustomizationJob(try Self.request("stop-me"))
        try await client.stopModelCustomizationJob(arn)
        #expect(fake.requests.last.map { $0.method == "POST" && $0.rawPath.hasSuffix("/stop") && $0.rawPath.hasPrefix("/model-customization-jobs/arn%3A") } == true)
        let job = try await client.getModelCustomizationJob(arn)
        #expect(job.status == "Stopped")
        #expect(await thrown { try await client.stopModelCustomizationJob(arn) }.map { $0.code == .validation } == true)
    }

    @Test func throttlingIsRetriedAndThenSurfaces() async throws {
        let fake = try FakeBedrockControlPlane()
        fake.enqueue(.throttling, .throttling)
        let list = try await fake.client().listModelCustomizationJobs()
        #expect(list.modelCustomizationJobSummaries.isEmpty && fake.requests.count == 3)
        fake.enqueue(.throttling)
        #expect(await thrown { try await fake.client(retryPolicy: .none).listModelCustomizationJobs() }.map { e in
                e.code == .throttling && e.httpStatus == 429 && e.isRetriable
        } == true)
    }

    @Test func provisionedThroughputForTheCustomModel() async throws {
        let fake = try FakeBedrockControlPlane()
        let client = try fake.client()
        _ = try await client.createModelCustomizationJob(try Self.request("prov"))
        _ = try await client.getModelCustomizationJob("prov")
        let model = try #require(try await client.getModelCustomizationJob("prov").outputModelArn)
        let arn = try await client.createProvisionedModelThroughput(.init(modelId: model, modelUnits: 1, provisionedModelName: "prov-pt", commitmentDuration: "OneMonth"))
        let body = try #require(fake.requests.last?.json)
        #expect(fake.requests.last?.rawPath == "/provisioned-model-throughput")
        #expect(body["modelId"] as? String == model && body["modelUnits"] as? Int == 1 && body["provisionedModelName"] as? String == "prov-pt"
                && body["commitmentDuration"] as? String == "OneMonth")
        #expect(try await client.getProvisionedModelThroughput(arn).status == "Creating")
        let p = try await client.getProvisionedModelThroughput("prov-pt")
        #expect(p.status == "InService" && p.provisionedModelArn == arn && p.modelArn == model)
        // The provisioned ARN is what InvokeModel takes as model id: its URL percent-encodes it.
        let runtime = try BedrockClientConfiguration(modelID: arn, family: .titan)
        #expect(runtime.invokeURL().hasSuffix("/model/" + SigV4Canonical.uriEncode(arn) + "/invoke"))
        #expect(await thrown { try await client.createProvisionedModelThroughput(.init(modelId: model, modelUnits: 0, provisionedModelName: "x")) }.map {
            $0.code == .validation
        } == true)
    }

    @Test func batchInferenceRoundTripWithLocalFiles() async throws {
        let fake = try FakeBedrockControlPlane()
        fake.failingRecordIDs = ["r-3"]
        let client = try fake.client()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rec-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.jsonl")
        func records(_ n: Int) -> String {
            (0..<n).map { #"{"recordId":"r-\#($0)","modelInput":{"inputText":"item \#($0)","embeddingConfig":{"outputEmbeddingLength":256}}}"# }.joined(separator: "\n")
        }
        try records(99).write(to: input, atomically: true, encoding: .utf8)
        let request = CreateModelInvocationJobRequest(jobName: "embed-small", roleArn: "arn:aws:iam::123456789012:role/Batch", modelId: "amazon.titan-embed-image-v1",
                                                      inputS3Uri: input.absoluteString, outputS3Uri: dir.appendingPathComponent("out").absoluteString)
        #expect(await thrown { try await client.createModelInvocationJob(request) }.map { $0.message.contains("at least 100") } == true)
        try records(120).write(to: input, atomically: true, encoding: .utf8)
        var r = request
        r.jobName = "embed-ok"
        let arn = try await client.createModelInvocationJob(r)
        let body = try #require(fake.requests.last?.json)
        #expect(fake.requests.last?.rawPath == "/model-invocation-job")
        #expect(((body["inputDataConfig"] as? [String: Any])?["s3InputDataConfig"] as? [String: String]) == ["s3Uri": input.absoluteString, "s3InputFormat": "JSONL"])
        #expect(((body["outputDataConfig"] as? [String: Any])?["s3OutputDataConfig"] as? [String: String])?["s3Uri"] == dir.appendingPathComponent("out").absoluteString)
        #expect(body["modelId"] as? String == "amazon.titan-embed-image-v1" && body["roleArn"] as? String == "arn:aws:iam::123456789012:role/Batch")
        #expect(try await client.getModelInvocationJob(arn).status == "InProgress")
        let done = try await client.getModelInvocationJob(arn)
        #expect(done.status == "Completed" && done.totalRecordCount == 120 && done.errorRecordCount == 1)
        let out = dir.appendingPathComponent("out").appendingPathComponent(ModelInvocation.jobID(fromArn: arn)).appendingPathComponent("in.jsonl.out")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 120)
        #expect((lines[3]["error"] as? [String: Any])?["errorCode"] as? Int == 400 && lines[3]["modelOutput"] == nil)
        #expect(((lines[5]["modelOutput"] as? [String: Any])?["embedding"] as? [Double])?.count == 256)
        let listed = try await client.listModelInvocationJobs(JobListFilter(statusEquals: "Completed"))
        #expect(listed.invocationJobSummaries.map(\.jobArn) == [arn])
        #expect(fake.requests.last?.rawPath == "/model-invocation-jobs" && fake.requests.last?.rawQuery == "statusEquals=Completed")
        #expect(await thrown { try await client.stopModelInvocationJob(arn) }.map { $0.code == .validation } == true)
    }
}
