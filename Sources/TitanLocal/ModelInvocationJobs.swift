import BedrockClient
import Foundation
import Logging
import ServiceLifecycle

/// Batch inference behind `rec titan-local`'s Bedrock control-plane routes (CreateModelInvocationJob, Get, List,
/// Stop) for input and output on this machine (an absolute path or a `file://` URI; `s3://` is refused).
///
/// A job reads its JSON Lines input (a file, or the `.jsonl` files of a directory), answers each record's
/// `modelInput` through the InvokeModel route's own code (``LocalModelInvoker``: same model ids, same checks, same
/// vectors) and writes Bedrock's output with ``ModelInvocationOutputWriter``: `<output>/<job id>/<input file>.out` and
/// `manifest.json.out`. A record the model refuses gets an `error` line; it never ends the job. Jobs go `Submitted`
/// → `InProgress` → `Completed` (or `Failed`, with a `message`; `Stopping` → `Stopped` on request) and run one at a
/// time, in order, from ``run()`` (a swift-service-lifecycle `Service`). They are persisted beside the custom models
/// (`<directory>/invocation-jobs/<job id>.json`): after a restart a `Submitted` job runs, one that was running is
/// `Failed`.
public final class ModelInvocationJobs: Service, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Where jobs are kept; nil keeps them in memory only. Default: nil (`rec titan-local` uses
        /// `REC_TITAN_CUSTOM_MODELS_DIR`, like the customization jobs).
        public var directory: URL?
        /// Region in the ARNs. Default: us-east-1.
        public var region: String
        /// Account in the ARNs. Default: 000000000000.
        public var accountID: String
        /// Records answered at once (the embedder batches their texts). Default: 32.
        public var recordsAtOnce: Int
        /// A pause before each group of ``recordsAtOnce`` records, so that a test can see a job running. Default: 0.
        public var groupDelay: Duration

        public init(directory: URL? = nil, region: String = "us-east-1", accountID: String = "000000000000",
                    recordsAtOnce: Int = 32, groupDelay: Duration = .zero) {
            self.directory = directory
            self.region = region
            self.accountID = accountID
            self.recordsAtOnce = max(1, recordsAtOnce)
            self.groupDelay = max(.zero, groupDelay)
        }
    }

    /// Statuses a local job takes (ListModelInvocationJobs' `statusEquals` accepts all of Bedrock's).
    static let statuses = ["Submitted", "Validating", "Scheduled", "InProgress", "Completed", "PartiallyCompleted", "Failed", "Stopping", "Stopped", "Expired"]

    public let configuration: Configuration
    let invoker: LocalModelInvoker
    let logger: Logger
    private let store: CustomModelStore

    private let lock = NSLock()
    // Guarded by `lock`.
    private var jobs: [String: LocalInvocationJob] = [:]
    private var stopRequests: Set<String> = []
    private var shuttingDown = false

    private let queue = SerialJobQueue()

    init(invoker: LocalModelInvoker, configuration: Configuration, logger: Logger) {
        self.invoker = invoker
        self.configuration = configuration
        self.logger = logger
        store = CustomModelStore(directory: configuration.directory)
        let loaded = store.loadInvocationJobs()
        for problem in loaded.problems { logger.warning("batch inference jobs: skipped \(problem)") }
        for var job in loaded.jobs.sorted(by: { $0.creationTime < $1.creationTime }) {
            switch job.status {
            case "InProgress":
                job.set("Failed", message: "rec titan-local stopped while this job was running; create the job again")
                try? store.save(job)
            case "Stopping":
                job.set("Stopped")
                try? store.save(job)
            case "Submitted":
                queue.submit(job.jobID)
            default:
                break
            }
            jobs[job.jobID] = job
        }
    }

    // MARK: - Service

    /// Runs submitted jobs one after another until graceful shutdown or cancellation.
    public func run() async throws {
        await queue.run({ await process($0) }) { [self] in
            lock.withLock {
                shuttingDown = true
                stopRequests.formUnion(jobs.values.filter { $0.status == "InProgress" }.map(\.jobID))
            }
        }
    }

    // MARK: - Control plane

    /// CreateModelInvocationJob: validates the request and submits the job.
    ///
    /// - Returns: the job ARN.
    /// - Throws: ``TitanLocalError`` `ValidationException` for a malformed request, an `s3://` location, a missing
    ///   input or fewer records than Bedrock's minimum; `ResourceNotFoundException` for a model not served here;
    ///   `ConflictException` for a job name in use.
    public func create(body: [UInt8]) throws(TitanLocalError) -> String {
        let request = try ModelCustomizationJobs.decodeRequest(CreateModelInvocationJobRequest.self, body)
        guard ModelCustomizationJobs.isValidName(request.jobName) else {
            throw TitanLocalError(.validation, "1 validation error detected: Value '\(request.jobName)' at 'jobName' failed to satisfy constraint: Member must have length 1-63 and satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9\\+\\-\\.])*")
        }
        try ModelCustomizationJobs.checkRoleArn(request.roleArn)
        guard invoker.serves(request.modelId) else { throw LocalModelInvoker.notServed(request.modelId) }
        if let format = request.inputDataConfig.s3InputDataConfig.s3InputFormat, format != "JSONL" {
            throw TitanLocalError(.validation, "1 validation error detected: Value '\(format)' at 'inputDataConfig.s3InputDataConfig.s3InputFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSONL]")
        }
        if let hours = request.timeoutDurationInHours, !(24...168).contains(hours) {
            throw TitanLocalError(.validation, "1 validation error detected: Value '\(hours)' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value between 24 and 168")
        }
        let input = try Self.localPath(request.inputDataConfig.s3InputDataConfig.s3Uri, field: "inputDataConfig.s3InputDataConfig.s3Uri")
        let output = try Self.localPath(request.outputDataConfig.s3OutputDataConfig.s3Uri, field: "outputDataConfig.s3OutputDataConfig.s3Uri")
        let files = ModelInvocationOutputWriter.inputFiles(atPath: input)
        guard !files.isEmpty else { throw TitanLocalError(.validation, "inputDataConfig.s3InputDataConfig.s3Uri: no JSONL input at \(input)") }
        let count = files.reduce(0) { sum, file in sum + ((try? Data(contentsOf: file)).map(ModelInvocationOutputWriter.records(in:))?.count ?? 0) }
        guard count >= ModelInvocation.minimumRecords else {
            throw TitanLocalError(.validation, "The input has \(count) records; a batch inference job needs at least \(ModelInvocation.minimumRecords) (Bedrock's minimum, kept here)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw TitanLocalError(.validation, "outputDataConfig.s3OutputDataConfig.s3Uri: \(output) is a file, not a directory")
        }

        let now = Date()
        let id = ModelCustomizationJobs.newID()
        let arn = "arn:aws:bedrock:\(configuration.region):\(configuration.accountID):model-invocation-job/\(id)"
        let stamp = LocalCustomizationJob.timestamp(now)
        let job = LocalInvocationJob(
            jobID: id,
            job: ModelInvocationJob(jobArn: arn, jobName: request.jobName, modelId: request.modelId, roleArn: request.roleArn, status: "Submitted",
                                    inputDataConfig: request.inputDataConfig, outputDataConfig: request.outputDataConfig,
                                    submitTime: stamp, lastModifiedTime: stamp, totalRecordCount: count),
            clientRequestToken: request.clientRequestToken, creationTime: now)
        let accepted: Result<String, TitanLocalError> = lock.withLock {
            // An idempotent retry (same token and name) gets the first job back.
            if let token = request.clientRequestToken,
               let same = jobs.values.first(where: { $0.clientRequestToken == token && $0.job.jobName == request.jobName }) {
                return .success(same.job.jobArn)
            }
            if jobs.values.contains(where: { $0.job.jobName == request.jobName }) {
                return .failure(TitanLocalError(ModelCustomizationJobs.conflict, "A batch inference job with the name \(request.jobName) already exists"))
            }
            jobs[id] = job
            return .success(arn)
        }
        guard try accepted.get() == arn else { return try accepted.get() }
        try? store.save(job)
        logger.info("batch inference job \(request.jobName) (\(id)) submitted: \(count) records of \(input) through \(request.modelId)")
        queue.submit(id)
        return arn
    }

    /// GetModelInvocationJob by ARN, name or id.
    ///
    /// - Throws: ``TitanLocalError`` `ResourceNotFoundException`.
    public func job(_ identifier: String) throws(TitanLocalError) -> LocalInvocationJob {
        guard let job = lock.withLock({ find(identifier) }) else {
            throw TitanLocalError(.resourceNotFound, "The specified batch inference job \(identifier) was not found")
        }
        return job
    }

    /// ListModelInvocationJobs, newest first unless `ascending`.
    public func list(statusEquals: String? = nil, nameContains: String? = nil, ascending: Bool = false) -> [LocalInvocationJob] {
        let all = lock.withLock { Array(jobs.values) }
        let matching = all.filter { job in
            (statusEquals.map { job.status == $0 } ?? true) && (nameContains.map { job.job.jobName?.contains($0) ?? false } ?? true)
        }
        return SerialJobQueue.ordered(matching, ascending: ascending) { ($0.creationTime, $0.jobID) }
    }

    /// StopModelInvocationJob: a submitted job stops at once, a running one after the records in hand (`Stopping`,
    /// then `Stopped`, with the output of the records answered so far).
    ///
    /// - Throws: ``TitanLocalError`` `ResourceNotFoundException`, or `ValidationException` when the job has ended.
    public func stop(_ identifier: String) throws(TitanLocalError) {
        let outcome: Result<LocalInvocationJob, TitanLocalError> = lock.withLock {
            guard var job = find(identifier) else {
                return .failure(TitanLocalError(.resourceNotFound, "The specified batch inference job \(identifier) was not found"))
            }
            switch job.status {
            case "Submitted": job.set("Stopped")
            case "InProgress": job.set("Stopping")
            default:
                return .failure(TitanLocalError(.validation, "The batch inference job \(job.job.jobName ?? job.jobID) is \(job.status) and cannot be stopped"))
            }
            stopRequests.insert(job.jobID)
            jobs[job.jobID] = job
            return .success(job)
        }
        let job = try outcome.get()
        try? store.save(job)
        logger.info("batch inference job \(job.job.jobName ?? job.jobID): stop requested (\(job.status))")
    }

    // MARK: - Running a job

    private struct StopRequested: Error {}

    private func process(_ id: String) async {
        // A job stopped while submitted is not started.
        let started: LocalInvocationJob? = lock.withLock {
            guard var job = jobs[id], job.status == "Submitted" else { return nil }
            job.set("InProgress")
            jobs[id] = job
            return job
        }
        guard let job = started else { return }
        try? store.save(job)
        let name = job.job.jobName ?? id
        do {
            let input = try Self.localPath(job.job.inputDataConfig?.s3InputDataConfig.s3Uri ?? "", field: "input")
            let output = try Self.localPath(job.job.outputDataConfig?.s3OutputDataConfig.s3Uri ?? "", field: "output")
            let files = ModelInvocationOutputWriter.inputFiles(atPath: input)
            let contents: [Data]
            do { contents = try files.map { try Data(contentsOf: $0) } } catch { throw TitanLocalError(.validation, "Could not read the input \(input): \(error.localizedDescription)") }
            guard !files.isEmpty else { throw TitanLocalError(.validation, "Could not read the input \(input): no JSONL file there") }
            let records = contents.map(ModelInvocationOutputWriter.records(in:))
            var writer = ModelInvocationOutputWriter(outputDirectory: URL(fileURLWithPath: output), jobID: id, totalRecordCount: records.map(\.count).reduce(0, +))
            var stopped = false
            files: for (file, fileRecords) in zip(files, records) {
                writer.startFile(file.lastPathComponent)
                for start in stride(from: 0, to: fileRecords.count, by: configuration.recordsAtOnce) {
                    if configuration.groupDelay > .zero { try? await Task.sleep(for: configuration.groupDelay) }
                    if lock.withLock({ stopRequests.contains(id) }) {
                        stopped = true
                        break files
                    }
                    let group = Array(fileRecords[start..<min(fileRecords.count, start + configuration.recordsAtOnce)])
                    for (record, answer) in zip(group, await answers(group, modelID: job.job.modelId)) {
                        switch answer {
                        case .success(let a): writer.append(record, modelOutput: a.body, inputTokens: a.inputTokenCount ?? 0)
                        case .failure(let e): writer.appendError(record, code: e.type.httpStatus, message: e.message)
                        }
                    }
                    let manifest = writer.manifest
                    update(id) {
                        $0.job.processedRecordCount = manifest.processedRecordCount
                        $0.job.successRecordCount = manifest.successRecordCount
                        $0.job.errorRecordCount = manifest.errorRecordCount
                    }
                }
            }
            do { try writer.finish() } catch { throw TitanLocalError(.validation, "Could not write the output to \(writer.directory.path): \(error.localizedDescription)") }
            let shutdown = lock.withLock { shuttingDown }
            if stopped && shutdown {
                update(id) { $0.set("Failed", message: "rec titan-local shut down while this job was running; create the job again") }
            } else {
                update(id) { $0.set(stopped ? "Stopped" : "Completed") }
            }
            let m = writer.manifest
            logger.info("batch inference job \(name) \(stopped ? "stopped" : "completed"): \(m.successRecordCount) of \(m.totalRecordCount) records answered, \(m.errorRecordCount) failed, output in \(writer.directory.path)")
        } catch {
            let message = (error as? TitanLocalError)?.message ?? "\(error)"
            update(id) { $0.set("Failed", message: message) }
            logger.warning("batch inference job \(name) failed: \(message)")
        }
        _ = lock.withLock { stopRequests.remove(id) }
    }

    /// The InvokeModel answers to `records`, concurrently (the embedder batches their texts), in order.
    private func answers(_ records: [ModelInvocationOutputWriter.Record], modelID: String) async -> [Result<LocalModelInvoker.Answer, TitanLocalError>] {
        await withTaskGroup(of: (Int, Result<LocalModelInvoker.Answer, TitanLocalError>).self) { group in
            for (i, record) in records.enumerated() {
                group.addTask { [invoker] in
                    guard let body = record.modelInput else {
                        return (i, .failure(TitanLocalError(.validation, record.problem ?? "Malformed input request")))
                    }
                    do { return (i, .success(try await invoker.invoke(modelID: modelID, body: body))) } catch let e as TitanLocalError {
                        return (i, .failure(e))
                    } catch {
                        return (i, .failure(TitanLocalError(.internalServer, "The server encountered an internal error: \(error)")))
                    }
                }
            }
            var out = [Result<LocalModelInvoker.Answer, TitanLocalError>?](repeating: nil, count: records.count)
            for await (i, answer) in group { out[i] = answer }
            return out.map { $0! }
        }
    }

    private func update(_ id: String, _ change: (inout LocalInvocationJob) -> Void) {
        let job: LocalInvocationJob? = lock.withLock {
            guard var job = jobs[id] else { return nil }
            change(&job)
            if !job.job.isTerminal { job.job.lastModifiedTime = LocalCustomizationJob.timestamp(Date()) }
            jobs[id] = job
            return job
        }
        if let job { try? store.save(job) }
    }

    /// Lock held.
    private func find(_ identifier: String) -> LocalInvocationJob? {
        jobs[identifier] ?? jobs.values.first { $0.job.jobArn == identifier || $0.job.jobName == identifier }
    }

    /// A location as a local path: an absolute path or a `file://` URI. `s3://` is refused (titan-local has no S3).
    static func localPath(_ uri: String, field: String) throws(TitanLocalError) -> String {
        if uri.lowercased().hasPrefix("s3://") {
            throw TitanLocalError(.validation, "\(field): rec titan-local runs batch inference on local files, not S3 (\(uri)); give an absolute path or a file:// URI on this machine, e.g. rec batch-embed start --input /tmp/batch --output /tmp/batch/out")
        }
        guard let path = ModelInvocationOutputWriter.localPath(uri) else {
            throw TitanLocalError(.validation, "\(field): \(uri) is neither an absolute path nor a file:// URI (rec titan-local runs batch inference on local files)")
        }
        return path
    }
}
