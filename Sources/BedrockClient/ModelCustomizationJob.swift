/// The wire shapes of Bedrock's model customization jobs (`CreateModelCustomizationJob`, `GetModelCustomizationJob`,
/// `ListModelCustomizationJobs`), member names as the Bedrock API reference spells them. Timestamps stay the ISO 8601
/// strings Bedrock sends. Shared by ``BedrockControlPlaneClient`` and the servers that answer it (the loopback fake,
/// `rec titan-local`'s local trainer).
public enum ModelCustomization {
    /// `{"s3Uri": …}` (`trainingDataConfig`, `outputDataConfig`, a validator).
    public struct S3Location: Codable, Sendable, Equatable {
        public var s3Uri: String
        public init(s3Uri: String) { self.s3Uri = s3Uri }
    }

    /// `validationDataConfig`: `{"validators": [{"s3Uri": …}]}`.
    public struct ValidationDataConfig: Codable, Sendable, Equatable {
        public var validators: [S3Location]
        public init(validators: [S3Location]) { self.validators = validators }
    }

    /// `trainingMetrics`.
    public struct TrainingMetrics: Codable, Sendable, Equatable {
        public var trainingLoss: Double?
        public init(trainingLoss: Double?) { self.trainingLoss = trainingLoss }
    }

    /// One entry of `validationMetrics`.
    public struct ValidatorMetric: Codable, Sendable, Equatable {
        public var validationLoss: Double?
        public init(validationLoss: Double?) { self.validationLoss = validationLoss }
    }

    /// The job states: `InProgress`, `Completed`, `Failed`, `Stopping`, `Stopped`.
    public static let terminalStatuses: Set<String> = ["Completed", "Failed", "Stopped"]
}

/// `POST /model-customization-jobs` body.
public struct CreateModelCustomizationJobRequest: Codable, Sendable, Equatable {
    public var jobName: String
    public var customModelName: String
    public var roleArn: String
    public var baseModelIdentifier: String
    /// `FINE_TUNING` (Titan Multimodal Embeddings G1 supports only fine-tuning).
    public var customizationType: String?
    public var clientRequestToken: String?
    public var hyperParameters: [String: String]
    public var trainingDataConfig: ModelCustomization.S3Location
    public var validationDataConfig: ModelCustomization.ValidationDataConfig?
    public var outputDataConfig: ModelCustomization.S3Location

    public init(jobName: String, customModelName: String, roleArn: String, baseModelIdentifier: String = TitanModel.multimodalEmbeddingsV1,
                customizationType: String? = "FINE_TUNING", clientRequestToken: String? = nil, hyperParameters: [String: String],
                trainingDataConfig: ModelCustomization.S3Location, validationDataConfig: ModelCustomization.ValidationDataConfig?,
                outputDataConfig: ModelCustomization.S3Location) {
        self.jobName = jobName
        self.customModelName = customModelName
        self.roleArn = roleArn
        self.baseModelIdentifier = baseModelIdentifier
        self.customizationType = customizationType
        self.clientRequestToken = clientRequestToken
        self.hyperParameters = hyperParameters
        self.trainingDataConfig = trainingDataConfig
        self.validationDataConfig = validationDataConfig
        self.outputDataConfig = outputDataConfig
    }
}

/// `{"jobArn": …}`: the answer of `CreateModelCustomizationJob` (201) and `CreateModelInvocationJob` (200).
public struct CreatedJob: Codable, Sendable, Equatable {
    public var jobArn: String
    public init(jobArn: String) { self.jobArn = jobArn }
}

/// `GET /model-customization-jobs/{jobIdentifier}` answer (the members the product reads; others are ignored).
public struct ModelCustomizationJob: Codable, Sendable, Equatable {
    public var jobArn: String
    public var jobName: String
    public var status: String?
    public var failureMessage: String?
    public var baseModelArn: String?
    public var customizationType: String?
    public var outputModelArn: String?
    public var outputModelName: String?
    public var roleArn: String?
    public var hyperParameters: [String: String]?
    public var trainingDataConfig: ModelCustomization.S3Location?
    public var validationDataConfig: ModelCustomization.ValidationDataConfig?
    public var outputDataConfig: ModelCustomization.S3Location?
    public var trainingMetrics: ModelCustomization.TrainingMetrics?
    public var validationMetrics: [ModelCustomization.ValidatorMetric]?
    public var creationTime: String?
    public var lastModifiedTime: String?
    public var endTime: String?

    public init(jobArn: String, jobName: String, status: String?, failureMessage: String? = nil, baseModelArn: String? = nil,
                customizationType: String? = nil, outputModelArn: String? = nil, outputModelName: String? = nil, roleArn: String? = nil,
                hyperParameters: [String: String]? = nil, trainingDataConfig: ModelCustomization.S3Location? = nil,
                validationDataConfig: ModelCustomization.ValidationDataConfig? = nil, outputDataConfig: ModelCustomization.S3Location? = nil,
                trainingMetrics: ModelCustomization.TrainingMetrics? = nil, validationMetrics: [ModelCustomization.ValidatorMetric]? = nil,
                creationTime: String? = nil, lastModifiedTime: String? = nil, endTime: String? = nil) {
        self.jobArn = jobArn
        self.jobName = jobName
        self.status = status
        self.failureMessage = failureMessage
        self.baseModelArn = baseModelArn
        self.customizationType = customizationType
        self.outputModelArn = outputModelArn
        self.outputModelName = outputModelName
        self.roleArn = roleArn
        self.hyperParameters = hyperParameters
        self.trainingDataConfig = trainingDataConfig
        self.validationDataConfig = validationDataConfig
        self.outputDataConfig = outputDataConfig
        self.trainingMetrics = trainingMetrics
        self.validationMetrics = validationMetrics
        self.creationTime = creationTime
        self.lastModifiedTime = lastModifiedTime
        self.endTime = endTime
    }

    /// `Completed`, `Failed` or `Stopped`.
    public var isTerminal: Bool { status.map(ModelCustomization.terminalStatuses.contains) ?? false }
}

/// One entry of `ListModelCustomizationJobs`' `modelCustomizationJobSummaries`.
public struct ModelCustomizationJobSummary: Codable, Sendable, Equatable {
    public var jobArn: String
    public var jobName: String
    public var status: String
    public var baseModelArn: String?
    public var customModelArn: String?
    public var customModelName: String?
    public var customizationType: String?
    public var creationTime: String?
    public var lastModifiedTime: String?
    public var endTime: String?

    public init(jobArn: String, jobName: String, status: String, baseModelArn: String? = nil, customModelArn: String? = nil,
                customModelName: String? = nil, customizationType: String? = nil, creationTime: String? = nil,
                lastModifiedTime: String? = nil, endTime: String? = nil) {
        self.jobArn = jobArn
        self.jobName = jobName
        self.status = status
        self.baseModelArn = baseModelArn
        self.customModelArn = customModelArn
        self.customModelName = customModelName
        self.customizationType = customizationType
        self.creationTime = creationTime
        self.lastModifiedTime = lastModifiedTime
        self.endTime = endTime
    }
}

/// `GET /model-customization-jobs` answer.
public struct ModelCustomizationJobList: Codable, Sendable, Equatable {
    public var modelCustomizationJobSummaries: [ModelCustomizationJobSummary]
    public var nextToken: String?
    public init(modelCustomizationJobSummaries: [ModelCustomizationJobSummary], nextToken: String?) {
        self.modelCustomizationJobSummaries = modelCustomizationJobSummaries
        self.nextToken = nextToken
    }
}

/// The query of a list call (`ListModelCustomizationJobs`, `ListModelInvocationJobs`): `statusEquals`,
/// `nameContains`, `maxResults` (1...1000), `nextToken`, `sortOrder`.
public struct JobListFilter: Sendable, Equatable {
    public var statusEquals: String?
    public var nameContains: String?
    public var maxResults: Int?
    public var nextToken: String?
    /// `Ascending` or `Descending` (by creation or submit time).
    public var sortOrder: String?

    public init(statusEquals: String? = nil, nameContains: String? = nil, maxResults: Int? = nil, nextToken: String? = nil, sortOrder: String? = nil) {
        self.statusEquals = statusEquals
        self.nameContains = nameContains
        self.maxResults = maxResults
        self.nextToken = nextToken
        self.sortOrder = sortOrder
    }

    /// The query parameters, in a fixed order, absent ones left out.
    public var queryItems: [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        if let maxResults { out.append(("maxResults", String(maxResults))) }
        if let nameContains { out.append(("nameContains", nameContains)) }
        if let nextToken { out.append(("nextToken", nextToken)) }
        if let sortOrder { out.append(("sortBy", "CreationTime")); out.append(("sortOrder", sortOrder)) }
        if let statusEquals { out.append(("statusEquals", statusEquals)) }
        return out
    }
}
