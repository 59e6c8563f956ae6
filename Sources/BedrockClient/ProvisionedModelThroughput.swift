/// `POST /provisioned-model-throughput` body (`CreateProvisionedModelThroughput`).
public struct CreateProvisionedModelThroughputRequest: Codable, Sendable, Equatable {
    /// The custom model's ARN (or a base model id).
    public var modelId: String
    public var modelUnits: Int
    public var provisionedModelName: String
    /// `OneMonth` or `SixMonths`; absent: no commitment (hourly).
    public var commitmentDuration: String?
    public var clientRequestToken: String?

    public static let commitmentDurations: Set<String> = ["OneMonth", "SixMonths"]

    public init(modelId: String, modelUnits: Int, provisionedModelName: String, commitmentDuration: String? = nil, clientRequestToken: String? = nil) {
        self.modelId = modelId
        self.modelUnits = modelUnits
        self.provisionedModelName = provisionedModelName
        self.commitmentDuration = commitmentDuration
        self.clientRequestToken = clientRequestToken
    }
}

/// `{"provisionedModelArn": …}` (201).
public struct CreatedProvisionedModel: Codable, Sendable, Equatable {
    public var provisionedModelArn: String
    public init(provisionedModelArn: String) { self.provisionedModelArn = provisionedModelArn }
}

/// `GET /provisioned-model-throughput/{provisionedModelId}` answer.
public struct ProvisionedModelThroughput: Codable, Sendable, Equatable {
    public var provisionedModelArn: String
    public var provisionedModelName: String
    public var modelArn: String
    /// `Creating`, `InService`, `Updating`, `Failed`.
    public var status: String
    public var modelUnits: Int
    public var desiredModelUnits: Int?
    public var commitmentDuration: String?
    public var failureMessage: String?
    public var creationTime: String?

    public init(provisionedModelArn: String, provisionedModelName: String, modelArn: String, status: String, modelUnits: Int,
                desiredModelUnits: Int? = nil, commitmentDuration: String? = nil, failureMessage: String? = nil, creationTime: String? = nil) {
        self.provisionedModelArn = provisionedModelArn
        self.provisionedModelName = provisionedModelName
        self.modelArn = modelArn
        self.status = status
        self.modelUnits = modelUnits
        self.desiredModelUnits = desiredModelUnits
        self.commitmentDuration = commitmentDuration
        self.failureMessage = failureMessage
        self.creationTime = creationTime
    }
}
