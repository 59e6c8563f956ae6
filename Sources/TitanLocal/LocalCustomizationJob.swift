import Foundation

/// One local model customization job as `rec titan-local` keeps and persists it; answered in the shapes of
/// Bedrock's GetModelCustomizationJob and ListModelCustomizationJobs (``getResponse()``, ``summary()``).
public struct LocalCustomizationJob: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case inProgress = "InProgress", completed = "Completed", failed = "Failed", stopping = "Stopping", stopped = "Stopped"
    }

    /// What the job is doing, shown as Bedrock's `statusDetails` (validation, data processing, training).
    public enum Phase: String, Sendable, Codable {
        case queued, validating, processingData, training, done
    }

    /// The 12-character id at the end of ``jobArn``.
    public var jobID: String
    public var jobArn: String
    public var jobName: String
    public var customModelName: String
    public var roleArn: String
    public var baseModelArn: String
    public var customizationType = "FINE_TUNING"
    /// As sent (strings, as Bedrock takes them).
    public var hyperParameters: [String: String]
    public var trainingDataURI: String
    public var validationDataURIs: [String]
    public var outputDataURI: String
    public var clientRequestToken: String?
    public var status: Status
    public var phase: Phase
    public var failureMessage: String?
    /// The trained model's id (its ARN's last component), once completed.
    public var outputModelID: String?
    public var outputModelArn: String?
    public var creationTime: Date
    public var lastModifiedTime: Date
    public var endTime: Date?
    /// The last epoch's mean training loss.
    public var trainingLoss: Double?
    /// The last epoch's validation loss (when a validation file was given).
    public var validationLoss: Double?
    public var epochsCompleted = 0
    public var epochCount: Int
    /// The batch size used (the requested one capped at the number of training pairs).
    public var effectiveBatchSize: Int?
    public var trainingRecords: Int?
    public var validationRecords: Int?
    /// What the dataset check reported without refusing the data (e.g. fewer records than Bedrock's minimum).
    public var notes: [String] = []

    /// ISO 8601 with milliseconds, UTC (`2026-11-30T17:45:01.123Z`).
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// `statusDetails`: each phase `NotStarted`, `InProgress`, `Completed`, `Stopped` or `Failed`.
    func statusDetails() -> [String: Any] {
        let order: [Phase] = [.validating, .processingData, .training]
        let names = ["validationDetails", "dataProcessingDetails", "trainingDetails"]
        let current = order.firstIndex(of: phase) ?? (phase == .done ? order.count : -1)
        var out: [String: Any] = [:]
        for (i, name) in names.enumerated() {
            let state: String
            if i < current { state = "Completed" } else if i > current { state = "NotStarted" } else {
                switch status {
                case .inProgress: state = "InProgress"
                case .stopping: state = "Stopping"
                case .stopped: state = "Stopped"
                case .failed: state = "Failed"
                case .completed: state = "Completed"
                }
            }
            out[name] = ["status": state, "creationTime": Self.timestamp(creationTime), "lastModifiedTime": Self.timestamp(lastModifiedTime)]
        }
        return out
    }

    /// The GetModelCustomizationJob response body. Besides Bedrock's members it carries `localTraining` (epochs done
    /// of the total, the batch size used, record counts, notes), which clients that do not know it ignore.
    public func getResponse() -> [String: Any] {
        var out: [String: Any] = [
            "jobArn": jobArn, "jobName": jobName, "outputModelName": customModelName, "roleArn": roleArn,
            "status": status.rawValue, "baseModelArn": baseModelArn, "customizationType": customizationType,
            "hyperParameters": hyperParameters, "trainingDataConfig": ["s3Uri": trainingDataURI],
            "validationDataConfig": ["validators": validationDataURIs.map { ["s3Uri": $0] }],
            "outputDataConfig": ["s3Uri": outputDataURI],
            "creationTime": Self.timestamp(creationTime), "lastModifiedTime": Self.timestamp(lastModifiedTime),
            "statusDetails": statusDetails(),
        ]
        if let clientRequestToken { out["clientRequestToken"] = clientRequestToken }
        if let failureMessage { out["failureMessage"] = failureMessage }
        if let outputModelArn { out["outputModelArn"] = outputModelArn }
        if let endTime { out["endTime"] = Self.timestamp(endTime) }
        if let trainingLoss { out["trainingMetrics"] = ["trainingLoss": trainingLoss] }
        if let validationLoss { out["validationMetrics"] = [["validationLoss": validationLoss]] }
        var local: [String: Any] = ["epochsCompleted": epochsCompleted, "epochCount": epochCount, "phase": phase.rawValue, "notes": notes]
        if let effectiveBatchSize { local["batchSize"] = effectiveBatchSize }
        if let trainingRecords { local["trainingRecords"] = trainingRecords }
        if let validationRecords { local["validationRecords"] = validationRecords }
        out["localTraining"] = local
        return out
    }

    /// One `modelCustomizationJobSummaries` entry of ListModelCustomizationJobs.
    public func summary() -> [String: Any] {
        var out: [String: Any] = [
            "jobArn": jobArn, "jobName": jobName, "status": status.rawValue, "baseModelArn": baseModelArn,
            "customModelName": customModelName, "customizationType": customizationType,
            "creationTime": Self.timestamp(creationTime), "lastModifiedTime": Self.timestamp(lastModifiedTime),
            "statusDetails": statusDetails(),
        ]
        if let outputModelArn { out["customModelArn"] = outputModelArn }
        if let endTime { out["endTime"] = Self.timestamp(endTime) }
        return out
    }
}

/// A trained custom model as persisted beside its weights (`model.json`).
public struct CustomModelRecord: Sendable, Codable, Equatable {
    public var modelID: String
    public var modelArn: String
    public var modelName: String
    public var jobArn: String
    public var jobName: String
    public var baseModelArn: String
    public var creationTime: Date
    public var inputDimension: Int
    public var outputDimension: Int
    public var hyperparameters: AdapterTrainer.Hyperparameters
    public var epochs: [AdapterTrainer.EpochReport]
}

/// A provisioned throughput: another model id (ARN or name) under which a custom model is invoked.
public struct ProvisionedModel: Sendable, Codable, Equatable {
    public var id: String
    public var arn: String
    public var name: String
    /// The custom model's ARN.
    public var modelArn: String
    public var modelUnits: Int
    public var commitmentDuration: String?
    public var creationTime: Date

    /// The GetProvisionedModelThroughput response body (status `InService` at once: nothing to deploy locally).
    public func getResponse(foundationModelArn: String) -> [String: Any] {
        var out: [String: Any] = [
            "provisionedModelArn": arn, "provisionedModelName": name, "modelArn": modelArn, "desiredModelArn": modelArn,
            "foundationModelArn": foundationModelArn, "modelUnits": modelUnits, "desiredModelUnits": modelUnits,
            "status": "InService", "creationTime": LocalCustomizationJob.timestamp(creationTime),
            "lastModifiedTime": LocalCustomizationJob.timestamp(creationTime),
        ]
        if let commitmentDuration { out["commitmentDuration"] = commitmentDuration }
        return out
    }
}
