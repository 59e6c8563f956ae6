import BedrockClient
import Foundation
import Logging
import ServiceLifecycle

/// The local trainer behind `rec titan-local`'s Bedrock control-plane routes: CreateModelCustomizationJob for local
/// datasets, Get/List/Stop, CreateProvisionedModelThroughput, and the custom models the jobs produce.
///
/// A job reads its dataset through the injected ``TrainingDataReader`` (the Finetuning module's rules), computes
/// the image descriptors and the frozen MiniLM caption vectors, and trains an ``ImageAdapter`` with
/// ``AdapterTrainer``. Jobs run one at a time, in order, from ``run()`` (a swift-service-lifecycle `Service`: it
/// returns when stopping, and a job still running then ends `Failed`, saying so); the CPU-bound work runs on a
/// dedicated thread. Jobs, models and provisioned throughputs are persisted by ``CustomModelStore``.
public final class ModelCustomizationJobs: Service, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Where jobs and models are kept; nil keeps them in memory only. Default: nil (`rec titan-local` sets
        /// `REC_TITAN_CUSTOM_MODELS_DIR`, default `.stack/titan-local/custom-models`).
        public var directory: URL?
        /// Region in the ARNs. Default: us-east-1.
        public var region: String
        /// Account in the ARNs. Default: 000000000000.
        public var accountID: String
        /// Seed of every job's initial weights and shuffles. Default: 0.
        public var seed: UInt64
        /// Softmax temperature of the contrastive loss. Default: 0.05.
        public var temperature: Float

        public init(directory: URL? = nil, region: String = "us-east-1", accountID: String = "000000000000",
                    seed: UInt64 = 0, temperature: Float = 0.05) {
            self.directory = directory
            self.region = region
            self.accountID = accountID
            self.seed = seed
            self.temperature = temperature
        }
    }

    /// What `epochCount` `Auto` means locally (Bedrock picks a number from the dataset's size).
    public static let autoEpochCount = 50

    public let configuration: Configuration
    let embedder: TitanEmbedder
    let reader: (any TrainingDataReader)?
    let logger: Logger
    private let store: CustomModelStore

    private let lock = NSLock()
    // Guarded by `lock`.
    private var jobs: [String: LocalCustomizationJob] = [:]
    private var models: [String: (record: CustomModelRecord, adapter: ImageAdapter)] = [:]
    private var provisioned: [String: ProvisionedModel] = [:]
    private var stopRequests: Set<String> = []
    private var shuttingDown = false

    private let queue = SerialJobQueue()

    static let conflict = BedrockErrorType(name: "ConflictException", httpStatus: 400)

    /// Loads what `configuration.directory` holds. A job that was running when titan-local stopped is marked
    /// `Failed` (its training cannot resume).
    public init(embedder: TitanEmbedder, reader: (any TrainingDataReader)?, configuration: Configuration = .init(),
                logger: Logger = Logger(label: "rec.titan-local.training")) {
        self.embedder = embedder
        self.reader = reader
        self.configuration = configuration
        self.logger = logger
        store = CustomModelStore(directory: configuration.directory)
        let loaded = store.load()
        for problem in loaded.problems { logger.warning("custom models: skipped \(problem)") }
        for (record, adapter) in loaded.models { models[record.modelID] = (record, adapter) }
        for p in loaded.provisioned { provisioned[p.id] = p }
        for var job in loaded.jobs {
            if job.status == .inProgress || job.status == .stopping {
                job.status = .failed
                job.failureMessage = "rec titan-local stopped while this job was running; create the job again"
                job.endTime = Date()
                job.lastModifiedTime = Date()
                try? store.save(job)
            }
            jobs[job.jobID] = job
        }
        if !models.isEmpty { logger.info("custom models: \(models.count) loaded from \(configuration.directory?.path ?? "memory")") }
    }

    // MARK: - Service

    /// Runs queued jobs one after another until graceful shutdown or cancellation.
    public func run() async throws {
        await queue.run({ await process($0) }) { [self] in
            lock.withLock {
                shuttingDown = true
                stopRequests.formUnion(jobs.values.filter { $0.status == .inProgress }.map(\.jobID))
            }
        }
        // Jobs left in the queue never started.
        let now = Date()
        let left: [LocalCustomizationJob] = lock.withLock {
            for id in jobs.keys where jobs[id]!.status == .inProgress {
                jobs[id]!.status = .failed
                jobs[id]!.failureMessage = "rec titan-local shut down before this job ran; create the job again"
                jobs[id]!.endTime = now
                jobs[id]!.lastModifiedTime = now
            }
            return Array(jobs.values)
        }
        for job in left { try? store.save(job) }
    }

    // MARK: - Control plane

    /// CreateModelCustomizationJob: validates the request and queues the job.
    ///
    /// - Returns: the job ARN.
    /// - Throws: ``TitanLocalError`` `ValidationException` for a malformed request, an `s3://` dataset, a missing
    ///   file or out-of-bounds hyperparameters; `ConflictException` for a job or model name in use.
    public func create(body: [UInt8]) throws(TitanLocalError) -> String {
        let request = try Self.decodeCreateRequest(body)
        let jobName = request.jobName, customModelName = request.customModelName, roleArn = request.roleArn
        for (field, value) in [("jobName", jobName), ("customModelName", customModelName)] where !Self.isValidName(value) {
            throw TitanLocalError(.validation, "1 validation error detected: Value '\(value)' at '\(field)' failed to satisfy constraint: Member must have length 1-63 and satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9\\+\\-\\.])*")
        }
        try Self.checkRoleArn(roleArn)
        guard Self.isTitanMultimodalBase(request.baseModelIdentifier) else {
            throw TitanLocalError(.validation, "rec titan-local fine-tunes \(TitanModel.multimodalEmbeddingsV1) only, not \(request.baseModelIdentifier)")
        }
        if let type = request.customizationType, type != "FINE_TUNING" {
            throw TitanLocalError(.validation, "customizationType \(type) is not supported for \(TitanModel.multimodalEmbeddingsV1); use FINE_TUNING")
        }
        let trainingURI = request.trainingDataConfig.s3Uri
        let trainingPath = try Self.localPath(trainingURI, field: "trainingDataConfig.s3Uri")
        let validators = request.validationDataConfig?.validators ?? []
        guard validators.count <= 10 else { throw TitanLocalError(.validation, "validationDataConfig.validators: at most 10 validators") }
        var validationPaths: [String] = []
        for (i, v) in validators.enumerated() {
            validationPaths.append(try Self.localPath(v.s3Uri, field: "validationDataConfig.validators[\(i)].s3Uri"))
        }
        let validationURIs = validators.map(\.s3Uri)
        let outputURI = request.outputDataConfig.s3Uri
        let hyper = request.hyperParameters
        let hyperparameters = try Self.hyperparameters(hyper, seed: configuration.seed, temperature: configuration.temperature)
        let token = request.clientRequestToken

        let now = Date()
        let id = Self.newID()
        let job = LocalCustomizationJob(
            jobID: id, jobArn: "arn:aws:bedrock:\(configuration.region):\(configuration.accountID):model-customization-job/\(TitanModel.multimodalEmbeddingsV1):0/\(id)",
            jobName: jobName, customModelName: customModelName, roleArn: roleArn, baseModelArn: baseModelArn,
            hyperParameters: hyper, trainingDataURI: trainingURI, validationDataURIs: validationURIs, outputDataURI: outputURI,
            clientRequestToken: token, status: .inProgress, phase: .queued, creationTime: now, lastModifiedTime: now,
            epochCount: hyperparameters.epochCount)
        let accepted: Result<String, TitanLocalError> = lock.withLock {
            // An idempotent retry (same token and name) gets the first job back.
            if let token, let same = jobs.values.first(where: { $0.clientRequestToken == token && $0.jobName == jobName }) {
                return .success(same.jobArn)
            }
            if jobs.values.contains(where: { $0.jobName == jobName }) {
                return .failure(TitanLocalError(Self.conflict, "A model customization job with the name \(jobName) already exists"))
            }
            if models.values.contains(where: { $0.record.modelName == customModelName })
                || jobs.values.contains(where: { $0.customModelName == customModelName && ($0.status == .inProgress || $0.status == .completed) }) {
                return .failure(TitanLocalError(Self.conflict, "A custom model with the name \(customModelName) already exists"))
            }
            jobs[id] = job
            return .success(job.jobArn)
        }
        let arn = try accepted.get()
        guard arn == job.jobArn else { return arn }
        try? store.save(job)
        pendingPaths.withLock { $0[id] = (trainingPath, validationPaths, hyperparameters) }
        logger.info("model customization job \(jobName) (\(id)) queued: \(trainingPath)\(validationPaths.isEmpty ? "" : ", validation \(validationPaths.joined(separator: ", "))")")
        queue.submit(id)
        return job.jobArn
    }

    /// GetModelCustomizationJob by ARN or name.
    ///
    /// - Throws: ``TitanLocalError`` `ResourceNotFoundException`.
    public func job(_ identifier: String) throws(TitanLocalError) -> LocalCustomizationJob {
        guard let job = lock.withLock({ find(identifier) }) else {
            throw TitanLocalError(.resourceNotFound, "The specified model customization job \(identifier) was not found")
        }
        return job
    }

    /// ListModelCustomizationJobs, newest first unless `ascending`.
    public func list(statusEquals: LocalCustomizationJob.Status? = nil, nameContains: String? = nil, ascending: Bool = false) -> [LocalCustomizationJob] {
        let all = lock.withLock { Array(jobs.values) }
        let matching = all.filter { job in
            (statusEquals.map { job.status == $0 } ?? true) && (nameContains.map { job.jobName.contains($0) } ?? true)
        }
        return SerialJobQueue.ordered(matching, ascending: ascending) { ($0.creationTime, $0.jobID) }
    }

    /// StopModelCustomizationJob: a queued job stops at once, a running one at its next step (`Stopping`, then `Stopped`).
    ///
    /// - Throws: ``TitanLocalError`` `ResourceNotFoundException`, or `ConflictException` when the job is not in progress.
    public func stop(_ identifier: String) throws(TitanLocalError) {
        let outcome: Result<LocalCustomizationJob, TitanLocalError> = lock.withLock {
            guard let job = find(identifier) else {
                return .failure(TitanLocalError(.resourceNotFound, "The specified model customization job \(identifier) was not found"))
            }
            guard job.status == .inProgress else {
                return .failure(TitanLocalError(Self.conflict, "The model customization job \(job.jobName) is \(job.status.rawValue); only InProgress jobs can be stopped"))
            }
            stopRequests.insert(job.jobID)
            var updated = job
            let now = Date()
            if job.phase == .queued {
                updated.status = .stopped
                updated.endTime = now
            } else {
                updated.status = .stopping
            }
            updated.lastModifiedTime = now
            jobs[job.jobID] = updated
            return .success(updated)
        }
        let job = try outcome.get()
        try? store.save(job)
        logger.info("model customization job \(job.jobName) (\(job.jobID)): stop requested")
    }

    /// CreateProvisionedModelThroughput for a custom model (by ARN or name).
    ///
    /// - Returns: the provisioned model ARN.
    /// - Throws: ``TitanLocalError`` `ValidationException`, `ResourceNotFoundException` for an unknown model,
    ///   `ConflictException` for a name in use.
    public func createProvisioned(body: [UInt8]) throws(TitanLocalError) -> String {
        let request = try Self.object(body)
        guard let name = request["provisionedModelName"] as? String, Self.isValidName(name) else {
            throw TitanLocalError(.validation, "1 validation error detected: Value at 'provisionedModelName' failed to satisfy constraint: Member must have length 1-63 and satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9\\+\\-\\.])*")
        }
        guard let modelID = request["modelId"] as? String, !modelID.isEmpty else {
            throw TitanLocalError(.validation, "1 validation error detected: Value null at 'modelId' failed to satisfy constraint: Member must not be null")
        }
        guard let units = request["modelUnits"] as? Int, units >= 1 else {
            throw TitanLocalError(.validation, "1 validation error detected: Value at 'modelUnits' failed to satisfy constraint: Member must be an integer >= 1")
        }
        let commitment = request["commitmentDuration"] as? String
        if let commitment, !["OneMonth", "SixMonths"].contains(commitment) {
            throw TitanLocalError(.validation, "1 validation error detected: Value '\(commitment)' at 'commitmentDuration' failed to satisfy constraint: Member must satisfy enum value set: [OneMonth, SixMonths]")
        }
        let id = Self.newID()
        let outcome: Result<ProvisionedModel, TitanLocalError> = lock.withLock {
            guard let model = models.values.first(where: { $0.record.modelArn == modelID || $0.record.modelName == modelID || $0.record.modelID == modelID }) else {
                return .failure(TitanLocalError(.resourceNotFound, "The specified custom model \(modelID) was not found (rec titan-local provisions its own custom models)"))
            }
            if provisioned.values.contains(where: { $0.name == name }) {
                return .failure(TitanLocalError(Self.conflict, "A provisioned model with the name \(name) already exists"))
            }
            let p = ProvisionedModel(id: id, arn: "arn:aws:bedrock:\(configuration.region):\(configuration.accountID):provisioned-model/\(id)",
                                     name: name, modelArn: model.record.modelArn, modelUnits: units, commitmentDuration: commitment, creationTime: Date())
            provisioned[id] = p
            return .success(p)
        }
        let p = try outcome.get()
        try? store.save(p)
        logger.info("provisioned model \(p.name) (\(p.arn)) serves \(p.modelArn)")
        return p.arn
    }

    /// GetProvisionedModelThroughput by ARN or name.
    ///
    /// - Throws: ``TitanLocalError`` `ResourceNotFoundException`.
    public func provisionedModel(_ identifier: String) throws(TitanLocalError) -> ProvisionedModel {
        guard let p = lock.withLock({ provisioned.values.first { $0.arn == identifier || $0.name == identifier || $0.id == identifier } }) else {
            throw TitanLocalError(.resourceNotFound, "The specified provisioned model \(identifier) was not found")
        }
        return p
    }

    /// The adapter InvokeModel applies for `modelID`: a custom model's ARN or name, or a provisioned model's ARN
    /// or name mapped onto one; nil when `modelID` names neither.
    public func adapter(forModelID modelID: String) -> ImageAdapter? {
        lock.withLock {
            let target = provisioned.values.first { $0.arn == modelID || $0.name == modelID }?.modelArn ?? modelID
            return models.values.first { $0.record.modelArn == target || $0.record.modelName == target }?.adapter
        }
    }

    /// Custom models this process serves.
    public var customModels: [CustomModelRecord] { lock.withLock { models.values.map(\.record).sorted { $0.creationTime < $1.creationTime } } }

    /// `arn:aws:bedrock:<region>::foundation-model/amazon.titan-embed-image-v1:0`.
    public var baseModelArn: String { "arn:aws:bedrock:\(configuration.region)::foundation-model/\(TitanModel.multimodalEmbeddingsV1):0" }

    // MARK: - Running a job

    /// Paths and hyperparameters of queued jobs (parsed at creation, used when they run).
    private let pendingPaths = LockedValue<[String: (training: String, validation: [String], hyperparameters: AdapterTrainer.Hyperparameters)]>([:])

    struct StopRequested: Error {}

    private func process(_ id: String) async {
        guard let pending = pendingPaths.withLock({ $0.removeValue(forKey: id) }),
              let job = lock.withLock({ jobs[id] }), job.status == .inProgress else { return }
        let started = ContinuousClock.now
        do {
            update(id) { $0.phase = .validating }
            guard let reader else {
                throw TrainingDataError("rec titan-local was started without a dataset reader (rec titan-local wires the Finetuning module's)")
            }
            let training = try await reader.read(path: pending.training, role: .training)
            var validationPairs: [TrainingPair] = []
            var notes = training.notes.map { "training: " + $0 }
            for path in pending.validation {
                let v = try await reader.read(path: path, role: .validation)
                validationPairs += v.pairs
                notes += v.notes.map { "validation: " + $0 }
            }
            guard training.pairs.count >= 2 else {
                throw TrainingDataError("the training file has \(training.pairs.count) usable record(s); contrastive training needs at least 2")
            }
            let batch = AdapterTrainer(pending.hyperparameters).effectiveBatchSize(pairs: training.pairs.count)
            if batch < pending.hyperparameters.batchSize {
                notes.append("batchSize \(pending.hyperparameters.batchSize) is more than the \(training.pairs.count) training records: trained with batches of \(batch) (one batch per epoch)")
            }
            for note in notes { logger.info("job \(job.jobName): \(note)") }
            update(id) {
                $0.phase = .processingData
                $0.notes = notes
                $0.trainingRecords = training.pairs.count
                $0.validationRecords = pending.validation.isEmpty ? nil : validationPairs.count
                $0.effectiveBatchSize = batch
            }
            try checkStop(id)
            let trainingSet = try await onThread("titan-train-data") { try self.features(training.pairs, jobID: id, label: "training") }
            let heldOut = validationPairs
            let validationSet = heldOut.count >= 2
                ? try await onThread("titan-train-data") { try self.features(heldOut, jobID: id, label: "validation") } : nil
            update(id) { $0.phase = .training }
            let trainer = AdapterTrainer(pending.hyperparameters)
            let name = job.jobName
            let outcome = try await onThread("titan-train") {
                trainer.train(trainingSet, validation: validationSet, shouldStop: { self.isStopRequested(id) }) { report in
                    self.update(id) {
                        $0.epochsCompleted = report.epoch
                        $0.trainingLoss = report.trainingLoss
                        $0.validationLoss = report.validationLoss
                    }
                    let validation = report.validationLoss.map { String(format: ", validation loss %.4f", $0) } ?? ""
                    self.logger.info("job \(name): epoch \(report.epoch)/\(report.epochCount), training loss \(String(format: "%.4f", report.trainingLoss))\(validation)")
                }
            }
            if outcome.stopped { throw StopRequested() }
            let modelID = Self.newID()
            let now = Date()
            let record = CustomModelRecord(
                modelID: modelID, modelArn: "arn:aws:bedrock:\(configuration.region):\(configuration.accountID):custom-model/\(TitanModel.multimodalEmbeddingsV1):0/\(modelID)",
                modelName: job.customModelName, jobArn: job.jobArn, jobName: job.jobName, baseModelArn: job.baseModelArn, creationTime: now,
                inputDimension: outcome.adapter.inputDimension, outputDimension: outcome.adapter.outputDimension,
                hyperparameters: pending.hyperparameters, epochs: outcome.epochs)
            do { try store.save(record, adapter: outcome.adapter) } catch {
                throw TrainingDataError("the trained model could not be saved: \(error)")
            }
            lock.withLock { models[modelID] = (record, outcome.adapter) }
            finish(id, .completed) {
                $0.phase = .done
                $0.outputModelID = modelID
                $0.outputModelArn = record.modelArn
            }
            logger.info("job \(job.jobName) completed in \(String(format: "%.1f", (ContinuousClock.now - started).seconds)) s: \(record.modelArn)")
        } catch is StopRequested {
            let shutdown = lock.withLock { shuttingDown }
            if shutdown {
                finish(id, .failed) { $0.failureMessage = "rec titan-local shut down during training; create the job again" }
            } else {
                finish(id, .stopped) { _ in }
            }
            logger.info("job \(job.jobName) \(shutdown ? "failed: shut down" : "stopped")")
        } catch {
            let message = (error as? TrainingDataError)?.message ?? (error as? TitanLocalError)?.message ?? "\(error)"
            finish(id, .failed) { $0.failureMessage = message }
            logger.warning("job \(job.jobName) failed: \(message)")
        }
    }

    /// Image descriptors and caption vectors of `pairs` (blocking: a dedicated thread).
    private func features(_ pairs: [TrainingPair], jobID: String, label: String) throws -> AdapterTrainer.Pairs {
        var images: [[Float]] = []
        images.reserveCapacity(pairs.count)
        var last = ContinuousClock.now
        for (i, pair) in pairs.enumerated() {
            if i % 64 == 0 { try checkStop(jobID) }
            let bytes: [UInt8]
            do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: pair.imagePath))) } catch {
                throw TrainingDataError("\(label) record \(i + 1): cannot read \(pair.imagePath)")
            }
            do {
                images.append(ImageDescriptor.describe(try ImageCodec.decode(bytes, minSide: ImageDescriptor.decodeMinSide)))
            } catch {
                throw TrainingDataError("\(label) record \(i + 1): \(pair.imagePath) could not be decoded (\(error))")
            }
            if ContinuousClock.now - last > .seconds(2) {
                last = ContinuousClock.now
                logger.info("job \(jobID): \(label) images \(i + 1)/\(pairs.count) described")
            }
        }
        var texts: [[Float]] = []
        texts.reserveCapacity(pairs.count)
        for start in stride(from: 0, to: pairs.count, by: 32) {
            try checkStop(jobID)
            texts += embedder.model.embed(pairs[start..<min(pairs.count, start + 32)].map(\.caption))
            if ContinuousClock.now - last > .seconds(2) {
                last = ContinuousClock.now
                logger.info("job \(jobID): \(label) captions \(min(pairs.count, start + 32))/\(pairs.count) embedded")
            }
        }
        return AdapterTrainer.Pairs(images: images, texts: texts)
    }

    private func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func isStopRequested(_ id: String) -> Bool { lock.withLock { stopRequests.contains(id) } }

    private func checkStop(_ id: String) throws {
        if isStopRequested(id) { throw StopRequested() }
    }

    private func update(_ id: String, _ change: (inout LocalCustomizationJob) -> Void) {
        let job: LocalCustomizationJob? = lock.withLock {
            guard var job = jobs[id] else { return nil }
            change(&job)
            job.lastModifiedTime = Date()
            jobs[id] = job
            return job
        }
        if let job { try? store.save(job) }
    }

    private func finish(_ id: String, _ status: LocalCustomizationJob.Status, _ change: (inout LocalCustomizationJob) -> Void) {
        update(id) {
            $0.status = status
            $0.endTime = Date()
            change(&$0)
        }
        lock.withLock { _ = stopRequests.remove(id) }
    }

    /// Lock held.
    private func find(_ identifier: String) -> LocalCustomizationJob? {
        jobs.values.first { $0.jobArn == identifier || $0.jobName == identifier || $0.jobID == identifier }
    }

    // MARK: - Request rules

    static func object(_ body: [UInt8]) throws(TitanLocalError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.isEmpty ? Array("{}".utf8) : body)),
              let dictionary = object as? [String: Any] else {
            throw TitanLocalError(.validation, "the request body is not a JSON object")
        }
        return dictionary
    }

    /// Hyperparameters by Bedrock's bounds for Titan Multimodal Embeddings G1, checked by the client's own rule
    /// (``TitanCustomizationHyperParameters``): `epochCount` 1...100 (required; `Auto` means ``autoEpochCount``
    /// here), `batchSize` 256...9,216 (default 576), `learningRate` 5e-8...1 (default 5e-5); no other keys.
    public static func hyperparameters(_ raw: [String: String], seed: UInt64 = 0, temperature: Float = 0.05) throws(TitanLocalError) -> AdapterTrainer.Hyperparameters {
        if let extra = raw.keys.filter({ !["epochCount", "batchSize", "learningRate"].contains($0) }).sorted().first {
            throw TitanLocalError(.validation, "hyperParameters: \(extra) is not a hyperparameter of \(TitanModel.multimodalEmbeddingsV1) (epochCount, batchSize, learningRate)")
        }
        guard let epochText = raw["epochCount"] else {
            throw TitanLocalError(.validation, "hyperParameters: epochCount is required for \(TitanModel.multimodalEmbeddingsV1) (an integer 1...100, or Auto)")
        }
        let checked: TitanCustomizationHyperParameters
        do throws(BedrockError) {
            var batch = TitanCustomizationHyperParameters.defaultBatchSize
            if let text = raw["batchSize"] {
                guard let b = Int(text) else { throw BedrockError(.invalidInput, "batchSize must be an integer (256...9216), not '\(text)'") }
                batch = b
            }
            var rate = TitanCustomizationHyperParameters.defaultLearningRate
            if let text = raw["learningRate"] {
                guard let r = Double(text) else { throw BedrockError(.invalidInput, "learningRate must be a number (5e-8...1), not '\(text)'") }
                rate = r
            }
            checked = try TitanCustomizationHyperParameters(epochCount: try TitanCustomizationHyperParameters.epochCount(parsing: epochText),
                                                            batchSize: batch, learningRate: rate)
        } catch {
            throw TitanLocalError(.validation, "hyperParameters: \(error.message)")
        }
        return AdapterTrainer.Hyperparameters(epochCount: checked.epochCount ?? autoEpochCount, batchSize: checked.batchSize,
                                              learningRate: checked.learningRate, temperature: temperature, seed: seed)
    }

    /// The CreateModelCustomizationJob body in the client's wire type, with Bedrock's wording for what is missing.
    static func decodeCreateRequest(_ body: [UInt8]) throws(TitanLocalError) -> CreateModelCustomizationJobRequest {
        try decodeRequest(CreateModelCustomizationJobRequest.self, body)
    }

    /// `roleArn` by Bedrock's pattern `^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$`.
    static func checkRoleArn(_ roleArn: String) throws(TitanLocalError) {
        guard roleArn.hasPrefix("arn:aws"), roleArn.contains(":iam::"), roleArn.contains(":role/") else {
            throw TitanLocalError(.validation, "1 validation error detected: Value '\(roleArn)' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$")
        }
    }

    /// A control-plane request body in the client's wire type, with Bedrock's wording for what is missing.
    static func decodeRequest<Request: Decodable>(_ type: Request.Type, _ body: [UInt8]) throws(TitanLocalError) -> Request {
        do {
            return try JSONDecoder().decode(Request.self, from: Data(body))
        } catch DecodingError.keyNotFound(let key, let context) {
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            throw TitanLocalError(.validation, "1 validation error detected: Value null at '\(path)' failed to satisfy constraint: Member must not be null")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw TitanLocalError(.validation, "1 validation error detected: Value at '\(path)' has the wrong type (hyperParameters are strings)")
        } catch {
            throw TitanLocalError(.validation, "the request body is not a JSON object")
        }
    }

    /// A dataset URI as a local path: an absolute path or a `file://` URI. `s3://` is refused (titan-local has no S3).
    static func localPath(_ uri: String, field: String) throws(TitanLocalError) -> String {
        let path: String
        if uri.lowercased().hasPrefix("s3://") {
            throw TitanLocalError(.validation, "\(field): rec titan-local trains on local files, not S3 (\(uri)); give the absolute path or a file:// URI of a JSON Lines file on this machine, e.g. from rec finetune dataset export --image-refs local")
        } else if uri.lowercased().hasPrefix("file://") {
            path = URL(string: uri)?.path ?? String(uri.dropFirst(7))
        } else if uri.hasPrefix("/") {
            path = uri
        } else {
            throw TitanLocalError(.validation, "\(field): \(uri) is neither an absolute path nor a file:// URI (rec titan-local trains on local files)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw TitanLocalError(.validation, "\(field): no file at \(path)")
        }
        return path
    }

    static func isTitanMultimodalBase(_ identifier: String) -> Bool {
        let id = identifier.hasPrefix("arn:") ? String(identifier.split(separator: "/", maxSplits: 1).last ?? "") : identifier
        return id == TitanModel.multimodalEmbeddingsV1 || id == TitanModel.multimodalEmbeddingsV1 + ":0"
    }

    /// Bedrock's name pattern `[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*`, 1...63 characters.
    static func isValidName(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.unicodeScalars.first,
              first.isASCII, CharacterSet.alphanumerics.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "+-.".unicodeScalars.contains($0)) }
    }

    /// 12 lowercase letters and digits, as Bedrock's job and model ids.
    static func newID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<12).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

/// A value behind a lock.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
