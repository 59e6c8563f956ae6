import BedrockClient
import Foundation

/// A loopback Bedrock control plane for tests: model customization jobs, provisioned throughput and batch
/// inference jobs, on the REST paths and with the JSON shapes of the Bedrock API reference.
///
/// Every request's SigV4 signature is verified for service `bedrock` (``SigV4Verifier``; a failure answers as AWS
/// does: 403 with `InvalidSignatureException`, `UnrecognizedClientException` or `MissingAuthenticationTokenException`),
/// bodies are decoded strictly into the request types and checked like Bedrock checks them (ValidationException with a
/// message naming the member). Jobs are kept in memory and move on as they are polled: a customization job is
/// `InProgress` for ``pollsUntilDone`` GETs, then ends as ``customizationOutcome`` says, with training and validation
/// loss; a batch job goes `Submitted` → `InProgress` → `Completed`, and when its input and output are local
/// (`file://` or a path) the fake writes Bedrock's output there: `<output>/<job id>/<input file>.out`, one
/// `{"recordId","modelInput","modelOutput"}` line per input record (an `error` object instead for the record ids in
/// ``failingRecordIDs``), and `manifest.json.out`. Vectors are ``FakeBedrockEndpoint/expectedVector(text:dimensions:)``,
/// the runtime fake's, so batch and streaming results can be compared.
public final class FakeBedrockControlPlane: @unchecked Sendable {
    /// How a customization job ends.
    public enum Outcome: Sendable, Equatable {
        case completed(trainingLoss: Double, validationLoss: Double)
        case failed(message: String)
        /// Never leaves `InProgress` (for `stop`).
        case running
    }

    /// One request as received.
    public struct Received: Sendable {
        public var method: String
        public var rawPath: String
        public var rawQuery: String?
        public var body: [UInt8]
        /// The body as a JSON object (nil for none).
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    }

    public static let accountID = "123456789012"

    private let lock = NSLock()
    private var server: LoopbackHTTPServer!
    private let verifier: SigV4Verifier
    public let region: String
    private var customizations: [ModelCustomizationJob] = []
    private var customizationPolls: [String: Int] = [:]
    private var invocations: [ModelInvocationJob] = []
    private var invocationPolls: [String: Int] = [:]
    private var provisioned: [ProvisionedModelThroughput] = []
    private var faults: [BedrockErrorType] = []
    private var received: [Received] = []
    private var serial = 0

    /// GETs a job stays in progress before it ends. Default: 1.
    public var pollsUntilDone: Int {
        get { lock.lock(); defer { lock.unlock() }; return _pollsUntilDone }
        set { lock.lock(); _pollsUntilDone = newValue; lock.unlock() }
    }
    private var _pollsUntilDone = 1
    /// How customization jobs end. Default: completed with losses 0.25 / 0.3.
    public var customizationOutcome: Outcome {
        get { lock.lock(); defer { lock.unlock() }; return _outcome }
        set { lock.lock(); _outcome = newValue; lock.unlock() }
    }
    private var _outcome = Outcome.completed(trainingLoss: 0.25, validationLoss: 0.3)
    /// What `GET /health` answers as the stand-in's vector version; nil (default): answered as Bedrock (403).
    public var vectorVersion: String? {
        get { lock.lock(); defer { lock.unlock() }; return _vectorVersion }
        set { lock.lock(); _vectorVersion = newValue; lock.unlock() }
    }
    private var _vectorVersion: String?
    /// Batch records answered with an `error` object instead of a `modelOutput`.
    public var failingRecordIDs: Set<String> {
        get { lock.lock(); defer { lock.unlock() }; return _failing }
        set { lock.lock(); _failing = newValue; lock.unlock() }
    }
    private var _failing: Set<String> = []

    public init(region: String = "us-east-1") throws {
        self.region = region
        verifier = SigV4Verifier(secretsByAccessKeyID: [FakeBedrockEndpoint.accessKeyID: FakeBedrockEndpoint.secretAccessKey], region: region, service: "bedrock")
        server = try LoopbackHTTPServer { [weak self] request in self?.handle(request) ?? .close }
    }

    deinit { server.shutdown() }

    /// `http://127.0.0.1:<port>`.
    public var endpoint: String { server.baseURL }

    public func shutdown() { server.shutdown() }

    /// Answers the next requests (after their signature checks) with these errors, in order.
    public func enqueue(_ errors: BedrockErrorType...) { lock.lock(); faults += errors; lock.unlock() }

    /// Every request received, signed correctly or not.
    public var requests: [Received] { lock.lock(); defer { lock.unlock() }; return received }

    /// A client of this fake with the fake's credentials (retries without delay).
    public func client(secretAccessKey: String = FakeBedrockEndpoint.secretAccessKey, retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 0)) throws -> BedrockControlPlaneClient {
        try BedrockControlPlaneClient(region: region, endpoint: endpoint,
                                      credentialProvider: StaticCredentialProvider(AWSCredentials(accessKeyID: FakeBedrockEndpoint.accessKeyID, secretAccessKey: secretAccessKey)),
                                      transport: CurlHTTPTransport(maxConnections: 2), retryPolicy: retryPolicy)
    }

    // MARK: Routing

    private func handle(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        // The vector-version question (BedrockControlPlaneClient.vectorVersion()), outside the API calls recorded:
        // answered as Bedrock answers it, or as a stand-in with ``vectorVersion``.
        if request.method == "GET", request.rawPath == "/health" {
            guard let version = vectorVersion else { return Self.error(.missingAuthenticationToken, "Missing Authentication Token") }
            return .respond(status: 200, headers: [("Content-Type", "application/json")], body: Array(#"{"standIn":true,"vectorVersion":"\#(version)"}"#.utf8))
        }
        lock.lock()
        received.append(Received(method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, body: request.body))
        lock.unlock()
        if let (type, message) = verifier.rejection(of: request) { return Self.error(type, message) }
        lock.lock()
        let fault = faults.isEmpty ? nil : faults.removeFirst()
        lock.unlock()
        if let fault { return Self.error(fault, "Rate exceeded (injected \(fault.name))") }
        let parts = request.rawPath.split(separator: "/").map { SigV4Canonical.percentDecode($0) }
        let query = Dictionary(SigV4Canonical.queryItems(request.rawQuery).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        lock.lock(); defer { lock.unlock() }
        switch (request.method, parts.first, parts.count) {
        case ("POST", "model-customization-jobs", 1): return createCustomization(request.body)
        case ("GET", "model-customization-jobs", 1): return listCustomizations(query)
        case ("GET", "model-customization-jobs", 2): return getCustomization(parts[1])
        case ("POST", "model-customization-jobs", 3) where parts[2] == "stop": return stopCustomization(parts[1])
        case ("POST", "provisioned-model-throughput", 1): return createProvisioned(request.body)
        case ("GET", "provisioned-model-throughput", 2): return getProvisioned(parts[1])
        case ("POST", "model-invocation-job", 1): return createInvocation(request.body)
        case ("GET", "model-invocation-job", 2): return getInvocation(parts[1])
        case ("GET", "model-invocation-jobs", 1): return listInvocations(query)
        case ("POST", "model-invocation-job", 3) where parts[2] == "stop": return stopInvocation(parts[1])
        default: return Self.error(BedrockErrorType(name: "UnknownOperationException", httpStatus: 404), "unknown operation \(request.method) \(request.rawPath)")
        }
    }

    // MARK: Model customization

    private func createCustomization(_ body: [UInt8]) -> LoopbackHTTPServer.Reply {
        guard let r = try? JSONDecoder().decode(CreateModelCustomizationJobRequest.self, from: Data(body)) else {
            return Self.error(.validation, "1 validation error detected: the request body is not a CreateModelCustomizationJob document")
        }
        if let problem = Self.nameProblem(r.jobName, member: "jobName") ?? Self.nameProblem(r.customModelName, member: "customModelName") { return Self.error(.validation, problem) }
        guard r.roleArn.hasPrefix("arn:aws:iam::"), r.roleArn.contains(":role/") else {
            return Self.error(.validation, "1 validation error detected: Value '\(r.roleArn)' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")
        }
        guard EmbeddingModelFamily.inferred(fromModelID: r.baseModelIdentifier) == .titan else {
            return Self.error(.validation, "The base model \(r.baseModelIdentifier) does not support customization of this kind")
        }
        for (name, value) in r.hyperParameters {
            guard let problem = Self.hyperParameterProblem(name, value) else { continue }
            return Self.error(.validation, problem)
        }
        guard r.hyperParameters["epochCount"] != nil else { return Self.error(.validation, "Hyperparameter epochCount is required") }
        guard !customizations.contains(where: { $0.jobName == r.jobName }) else {
            return Self.error(.conflict, "A model customization job with the name \(r.jobName) already exists")
        }
        serial += 1
        let arn = "arn:aws:bedrock:\(region):\(Self.accountID):model-customization-job/amazon.titan-embed-image-v1:0/\(Self.id(serial))"
        customizations.append(ModelCustomizationJob(
            jobArn: arn, jobName: r.jobName, status: "InProgress",
            baseModelArn: "arn:aws:bedrock:\(region)::foundation-model/\(r.baseModelIdentifier)", customizationType: r.customizationType ?? "FINE_TUNING",
            outputModelName: r.customModelName, roleArn: r.roleArn, hyperParameters: r.hyperParameters,
            trainingDataConfig: r.trainingDataConfig, validationDataConfig: r.validationDataConfig, outputDataConfig: r.outputDataConfig,
            creationTime: Self.now(), lastModifiedTime: Self.now()))
        return Self.json(CreatedJob(jobArn: arn), status: 201)
    }

    private func customizationIndex(_ identifier: String) -> Int? {
        customizations.firstIndex { $0.jobArn == identifier || $0.jobName == identifier }
    }

    private func getCustomization(_ identifier: String) -> LoopbackHTTPServer.Reply {
        guard let i = customizationIndex(identifier) else { return Self.error(.resourceNotFound, "Could not find model customization job \(identifier)") }
        var job = customizations[i]
        let polls = customizationPolls[job.jobArn, default: 0] + 1
        customizationPolls[job.jobArn] = polls
        if job.status == "Stopping" {
            job.status = "Stopped"
            job.endTime = Self.now()
        } else if job.status == "InProgress", polls > _pollsUntilDone {
            switch _outcome {
            case .completed(let trainingLoss, let validationLoss):
                job.status = "Completed"
                job.outputModelArn = "arn:aws:bedrock:\(region):\(Self.accountID):custom-model/amazon.titan-embed-image-v1:0/\(Self.id(polls + serial * 7))"
                job.trainingMetrics = .init(trainingLoss: trainingLoss)
                job.validationMetrics = job.validationDataConfig.map { $0.validators.map { _ in .init(validationLoss: validationLoss) } }
                job.endTime = Self.now()
            case .failed(let message):
                job.status = "Failed"
                job.failureMessage = message
                job.endTime = Self.now()
            case .running:
                break
            }
        } else if job.status == "InProgress" {
            job.trainingMetrics = .init(trainingLoss: 1.0 / Double(polls + 1))
        }
        job.lastModifiedTime = Self.now()
        customizations[i] = job
        return Self.json(job)
    }

    private func listCustomizations(_ query: [String: String]) -> LoopbackHTTPServer.Reply {
        var jobs = customizations
        if let status = query["statusEquals"] { jobs = jobs.filter { $0.status == status } }
        if let name = query["nameContains"] { jobs = jobs.filter { $0.jobName.contains(name) } }
        if query["sortOrder"] == "Descending" { jobs.reverse() }
        let (page, next) = Self.page(jobs, query)
        return Self.json(ModelCustomizationJobList(modelCustomizationJobSummaries: page.map {
            ModelCustomizationJobSummary(jobArn: $0.jobArn, jobName: $0.jobName, status: $0.status ?? "InProgress", baseModelArn: $0.baseModelArn,
                                         customModelArn: $0.outputModelArn, customModelName: $0.outputModelName, customizationType: $0.customizationType,
                                         creationTime: $0.creationTime, lastModifiedTime: $0.lastModifiedTime, endTime: $0.endTime)
        }, nextToken: next))
    }

    private func stopCustomization(_ identifier: String) -> LoopbackHTTPServer.Reply {
        guard let i = customizationIndex(identifier) else { return Self.error(.resourceNotFound, "Could not find model customization job \(identifier)") }
        guard customizations[i].status == "InProgress" else {
            return Self.error(.validation, "The job \(customizations[i].jobName) is \(customizations[i].status ?? "unknown") and cannot be stopped")
        }
        customizations[i].status = "Stopping"
        return .respond(status: 200, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
    }

    // MARK: Provisioned throughput

    private func createProvisioned(_ body: [UInt8]) -> LoopbackHTTPServer.Reply {
        guard let r = try? JSONDecoder().decode(CreateProvisionedModelThroughputRequest.self, from: Data(body)) else {
            return Self.error(.validation, "1 validation error detected: the request body is not a CreateProvisionedModelThroughput document")
        }
        guard r.modelUnits >= 1 else { return Self.error(.validation, "1 validation error detected: Value '\(r.modelUnits)' at 'modelUnits' failed to satisfy constraint: Member must have value greater than or equal to 1") }
        if let problem = Self.nameProblem(r.provisionedModelName, member: "provisionedModelName") { return Self.error(.validation, problem) }
        if let c = r.commitmentDuration, !CreateProvisionedModelThroughputRequest.commitmentDurations.contains(c) {
            return Self.error(.validation, "1 validation error detected: Value '\(c)' at 'commitmentDuration' failed to satisfy constraint: Member must satisfy enum value set: [SixMonths, OneMonth]")
        }
        guard customizations.contains(where: { $0.outputModelArn == r.modelId }) || EmbeddingModelFamily.inferred(fromModelID: r.modelId) != nil else {
            return Self.error(.resourceNotFound, "Could not find model \(r.modelId)")
        }
        serial += 1
        let arn = "arn:aws:bedrock:\(region):\(Self.accountID):provisioned-model/\(Self.id(serial))"
        provisioned.append(ProvisionedModelThroughput(provisionedModelArn: arn, provisionedModelName: r.provisionedModelName, modelArn: r.modelId,
                                                      status: "Creating", modelUnits: r.modelUnits, desiredModelUnits: r.modelUnits,
                                                      commitmentDuration: r.commitmentDuration, creationTime: Self.now()))
        return Self.json(CreatedProvisionedModel(provisionedModelArn: arn), status: 201)
    }

    private func getProvisioned(_ identifier: String) -> LoopbackHTTPServer.Reply {
        guard let i = provisioned.firstIndex(where: { $0.provisionedModelArn == identifier || $0.provisionedModelName == identifier }) else {
            return Self.error(.resourceNotFound, "Could not find provisioned model \(identifier)")
        }
        let answer = provisioned[i]
        provisioned[i].status = "InService"
        return Self.json(answer)
    }

    // MARK: Batch inference

    private func createInvocation(_ body: [UInt8]) -> LoopbackHTTPServer.Reply {
        guard let r = try? JSONDecoder().decode(CreateModelInvocationJobRequest.self, from: Data(body)) else {
            return Self.error(.validation, "1 validation error detected: the request body is not a CreateModelInvocationJob document")
        }
        if let problem = Self.nameProblem(r.jobName, member: "jobName") { return Self.error(.validation, problem) }
        guard r.roleArn.hasPrefix("arn:aws:iam::") else { return Self.error(.validation, "1 validation error detected: Value '\(r.roleArn)' at 'roleArn' failed to satisfy constraint") }
        guard r.inputDataConfig.s3InputDataConfig.s3InputFormat ?? "JSONL" == "JSONL" else { return Self.error(.validation, "s3InputFormat must be JSONL") }
        for uri in [r.inputDataConfig.s3InputDataConfig.s3Uri, r.outputDataConfig.s3OutputDataConfig.s3Uri] where !(uri.hasPrefix("s3://") || Self.localPath(uri) != nil) {
            return Self.error(.validation, "1 validation error detected: Value '\(uri)' at 's3Uri' failed to satisfy constraint: Member must satisfy regular expression pattern: s3://…")
        }
        if let path = Self.localPath(r.inputDataConfig.s3InputDataConfig.s3Uri) {
            let count = (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").count ?? 0
            guard count >= ModelInvocation.minimumRecords else {
                return Self.error(.validation, "The input has \(count) records; a batch inference job needs at least \(ModelInvocation.minimumRecords)")
            }
        }
        guard !invocations.contains(where: { $0.jobName == r.jobName }) else { return Self.error(.conflict, "A batch inference job named \(r.jobName) already exists") }
        serial += 1
        let arn = "arn:aws:bedrock:\(region):\(Self.accountID):model-invocation-job/\(Self.id(serial))"
        invocations.append(ModelInvocationJob(jobArn: arn, jobName: r.jobName, modelId: r.modelId, roleArn: r.roleArn, status: "Submitted",
                                              inputDataConfig: r.inputDataConfig, outputDataConfig: r.outputDataConfig, submitTime: Self.now(), lastModifiedTime: Self.now()))
        return Self.json(CreatedJob(jobArn: arn))
    }

    private func invocationIndex(_ identifier: String) -> Int? {
        invocations.firstIndex { $0.jobArn == identifier || $0.jobName == identifier || ModelInvocation.jobID(fromArn: $0.jobArn) == identifier }
    }

    private func getInvocation(_ identifier: String) -> LoopbackHTTPServer.Reply {
        guard let i = invocationIndex(identifier) else { return Self.error(.resourceNotFound, "Could not find batch inference job \(identifier)") }
        var job = invocations[i]
        let polls = invocationPolls[job.jobArn, default: 0] + 1
        invocationPolls[job.jobArn] = polls
        switch job.status {
        case "Stopping":
            job.status = "Stopped"
            job.endTime = Self.now()
        case "Submitted":
            job.status = "InProgress"
        case "InProgress" where polls > _pollsUntilDone:
            job = complete(job)
        default:
            break
        }
        job.lastModifiedTime = Self.now()
        invocations[i] = job
        return Self.json(job)
    }

    private func listInvocations(_ query: [String: String]) -> LoopbackHTTPServer.Reply {
        var jobs = invocations
        if let status = query["statusEquals"] { jobs = jobs.filter { $0.status == status } }
        if let name = query["nameContains"] { jobs = jobs.filter { $0.jobName?.contains(name) ?? false } }
        if query["sortOrder"] == "Descending" { jobs.reverse() }
        let (page, next) = Self.page(jobs, query)
        return Self.json(ModelInvocationJobList(invocationJobSummaries: page, nextToken: next))
    }

    private func stopInvocation(_ identifier: String) -> LoopbackHTTPServer.Reply {
        guard let i = invocationIndex(identifier) else { return Self.error(.resourceNotFound, "Could not find batch inference job \(identifier)") }
        guard ["Submitted", "Validating", "Scheduled", "InProgress"].contains(invocations[i].status ?? "") else {
            return Self.error(.validation, "The job is \(invocations[i].status ?? "unknown") and cannot be stopped")
        }
        invocations[i].status = "Stopping"
        return .respond(status: 200, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
    }

    /// Runs a batch job: for local locations, reads the input and writes Bedrock's output files.
    private func complete(_ job: ModelInvocationJob) -> ModelInvocationJob {
        var job = job
        job.status = "Completed"
        job.endTime = Self.now()
        guard let input = job.inputDataConfig.flatMap({ Self.localPath($0.s3InputDataConfig.s3Uri) }),
              let output = job.outputDataConfig.flatMap({ Self.localPath($0.s3OutputDataConfig.s3Uri) }) else { return job }
        let files = ModelInvocationOutputWriter.inputFiles(atPath: input)
        guard !files.isEmpty, let contents = try? files.map({ try Data(contentsOf: $0) }) else {
            job.status = "Failed"
            job.message = "Could not read the input \(input)"
            return job
        }
        let records = contents.map(ModelInvocationOutputWriter.records(in:))
        var writer = ModelInvocationOutputWriter(outputDirectory: URL(fileURLWithPath: output), jobID: ModelInvocation.jobID(fromArn: job.jobArn),
                                                 totalRecordCount: records.map(\.count).reduce(0, +))
        for (file, fileRecords) in zip(files, records) {
            writer.startFile(file.lastPathComponent)
            for record in fileRecords {
                guard let input = record.modelInput, record.problem == nil,
                      let modelInput = (try? JSONSerialization.jsonObject(with: Data(input))) as? [String: Any] else {
                    writer.appendError(record, code: 400, message: record.problem ?? "Malformed input request")
                    continue
                }
                if _failing.contains(record.recordID) {
                    writer.appendError(record, code: 400, message: "Malformed input request: injected failure")
                    continue
                }
                let dimensions = (modelInput["embeddingConfig"] as? [String: Any])?["outputEmbeddingLength"] as? Int ?? 1024
                let text = modelInput["inputText"] as? String
                var modelOutput: [String: Any] = ["embedding": FakeBedrockEndpoint.expectedVector(text: text, dimensions: dimensions).map(Double.init)]
                if let text { modelOutput["inputTextTokenCount"] = FakeBedrockEndpoint.tokenCount(text) }
                writer.append(record, modelOutput: Array((try? JSONSerialization.data(withJSONObject: modelOutput)) ?? Data("{}".utf8)),
                              inputTokens: text.map(FakeBedrockEndpoint.tokenCount) ?? 0)
            }
        }
        try? writer.finish()
        let total = writer.manifest.totalRecordCount, errors = writer.manifest.errorRecordCount
        job.totalRecordCount = total
        job.processedRecordCount = total
        job.successRecordCount = total - errors
        job.errorRecordCount = errors
        return job
    }

    // MARK: Helpers

    static func localPath(_ uri: String) -> String? { ModelInvocationOutputWriter.localPath(uri) }

    /// Bedrock's name rule (`[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*`, 1...63 characters).
    static func nameProblem(_ name: String, member: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
        guard (1...63).contains(name.count), name.first.map({ $0.isLetter || $0.isNumber }) == true, name.allSatisfy(allowed.contains) else {
            return "1 validation error detected: Value '\(name)' at '\(member)' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\\+\\-\\.]){0,63}"
        }
        return nil
    }

    /// Titan Multimodal Embeddings G1's hyperparameter ranges, as Bedrock checks them.
    static func hyperParameterProblem(_ name: String, _ value: String) -> String? {
        switch name {
        case "epochCount":
            if value == "Auto" { return nil }
            guard let n = Int(value), TitanCustomizationHyperParameters.epochCountRange.contains(n) else { return "Hyperparameter epochCount must be an integer 1-100 or Auto, got \(value)" }
        case "batchSize":
            guard let n = Int(value), TitanCustomizationHyperParameters.batchSizeRange.contains(n) else { return "Hyperparameter batchSize must be an integer 256-9216, got \(value)" }
        case "learningRate":
            guard let x = Double(value), TitanCustomizationHyperParameters.learningRateRange.contains(x) else { return "Hyperparameter learningRate must be a float 5.00E-8-1, got \(value)" }
        default:
            return "Unknown hyperparameter \(name) for amazon.titan-embed-image-v1"
        }
        return nil
    }

    private static func page<T>(_ items: [T], _ query: [String: String]) -> ([T], String?) {
        let start = query["nextToken"].flatMap(Int.init) ?? 0
        let size = query["maxResults"].flatMap(Int.init) ?? 1000
        let end = min(items.count, start + size)
        guard start < end else { return ([], nil) }
        return (Array(items[start..<end]), end < items.count ? String(end) : nil)
    }

    private static func id(_ n: Int) -> String {
        let s = String(n, radix: 36)
        return String(repeating: "0", count: max(0, 12 - s.count)) + s
    }

    private static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    private static func json(_ value: some Encodable, status: Int = 200) -> LoopbackHTTPServer.Reply {
        let body = (try? JSONEncoder().encode(value)).map(Array.init) ?? []
        return .respond(status: status, headers: [("Content-Type", "application/json"), ("x-amzn-RequestId", UUID().uuidString)], body: body)
    }

    private static func error(_ type: BedrockErrorType, _ message: String) -> LoopbackHTTPServer.Reply {
        let (status, headers, body) = type.response(message: message)
        return .respond(status: status, headers: headers + [("x-amzn-RequestId", UUID().uuidString)], body: body)
    }
}
