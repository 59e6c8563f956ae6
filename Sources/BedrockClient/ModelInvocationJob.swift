/// The wire shapes of Bedrock batch inference (`CreateModelInvocationJob`, `GetModelInvocationJob`,
/// `ListModelInvocationJobs`), member names as the Bedrock API reference spells them.
public enum ModelInvocation {
    /// `inputDataConfig`: `{"s3InputDataConfig": {"s3Uri", "s3InputFormat": "JSONL"}}`.
    public struct InputDataConfig: Codable, Sendable, Equatable {
        public struct S3: Codable, Sendable, Equatable {
            public var s3Uri: String
            public var s3InputFormat: String?
            public init(s3Uri: String, s3InputFormat: String? = "JSONL") {
                self.s3Uri = s3Uri
                self.s3InputFormat = s3InputFormat
            }
        }
        public var s3InputDataConfig: S3
        public init(s3Uri: String) { s3InputDataConfig = S3(s3Uri: s3Uri) }
    }

    /// `outputDataConfig`: `{"s3OutputDataConfig": {"s3Uri"}}`.
    public struct OutputDataConfig: Codable, Sendable, Equatable {
        public struct S3: Codable, Sendable, Equatable {
            public var s3Uri: String
            public init(s3Uri: String) { self.s3Uri = s3Uri }
        }
        public var s3OutputDataConfig: S3
        public init(s3Uri: String) { s3OutputDataConfig = S3(s3Uri: s3Uri) }
    }

    /// States that do not change any more.
    public static let terminalStatuses: Set<String> = ["Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"]

    /// Bedrock batch inference refuses jobs with fewer records (the quota "minimum number of records per batch
    /// inference job", 100 at the time of writing).
    public static let minimumRecords = 100

    /// The id at the end of a job ARN (`arn:…:model-invocation-job/abc123def456` → `abc123def456`): Bedrock writes a
    /// job's output under `<output s3Uri>/<job id>/`.
    public static func jobID(fromArn arn: String) -> String {
        arn.split(separator: "/").last.map(String.init) ?? arn
    }
}

/// `POST /model-invocation-job` body.
public struct CreateModelInvocationJobRequest: Codable, Sendable, Equatable {
    public var jobName: String
    public var roleArn: String
    public var modelId: String
    public var inputDataConfig: ModelInvocation.InputDataConfig
    public var outputDataConfig: ModelInvocation.OutputDataConfig
    public var clientRequestToken: String?
    public var timeoutDurationInHours: Int?

    public init(jobName: String, roleArn: String, modelId: String, inputS3Uri: String, outputS3Uri: String,
                clientRequestToken: String? = nil, timeoutDurationInHours: Int? = nil) {
        self.jobName = jobName
        self.roleArn = roleArn
        self.modelId = modelId
        inputDataConfig = .init(s3Uri: inputS3Uri)
        outputDataConfig = .init(s3Uri: outputS3Uri)
        self.clientRequestToken = clientRequestToken
        self.timeoutDurationInHours = timeoutDurationInHours
    }
}

/// `GET /model-invocation-job/{jobIdentifier}` answer, and one entry of `invocationJobSummaries`.
public struct ModelInvocationJob: Codable, Sendable, Equatable {
    public var jobArn: String
    public var jobName: String?
    public var modelId: String
    public var roleArn: String?
    /// `Submitted`, `Validating`, `Scheduled`, `InProgress`, `Completed`, `PartiallyCompleted`, `Failed`, `Stopping`,
    /// `Stopped`, `Expired`.
    public var status: String?
    /// Why the job failed, when it did.
    public var message: String?
    public var inputDataConfig: ModelInvocation.InputDataConfig?
    public var outputDataConfig: ModelInvocation.OutputDataConfig?
    public var submitTime: String?
    public var lastModifiedTime: String?
    public var endTime: String?
    public var totalRecordCount: Int?
    public var processedRecordCount: Int?
    public var successRecordCount: Int?
    public var errorRecordCount: Int?

    public init(jobArn: String, jobName: String?, modelId: String, roleArn: String? = nil, status: String?, message: String? = nil,
                inputDataConfig: ModelInvocation.InputDataConfig? = nil, outputDataConfig: ModelInvocation.OutputDataConfig? = nil,
                submitTime: String? = nil, lastModifiedTime: String? = nil, endTime: String? = nil, totalRecordCount: Int? = nil,
                processedRecordCount: Int? = nil, successRecordCount: Int? = nil, errorRecordCount: Int? = nil) {
        self.jobArn = jobArn
        self.jobName = jobName
        self.modelId = modelId
        self.roleArn = roleArn
        self.status = status
        self.message = message
        self.inputDataConfig = inputDataConfig
        self.outputDataConfig = outputDataConfig
        self.submitTime = submitTime
        self.lastModifiedTime = lastModifiedTime
        self.endTime = endTime
        self.totalRecordCount = totalRecordCount
        self.processedRecordCount = processedRecordCount
        self.successRecordCount = successRecordCount
        self.errorRecordCount = errorRecordCount
    }

    public var isTerminal: Bool { status.map(ModelInvocation.terminalStatuses.contains) ?? false }
}

/// `GET /model-invocation-jobs` answer.
public struct ModelInvocationJobList: Codable, Sendable, Equatable {
    public var invocationJobSummaries: [ModelInvocationJob]
    public var nextToken: String?
    public init(invocationJobSummaries: [ModelInvocationJob], nextToken: String?) {
        self.invocationJobSummaries = invocationJobSummaries
        self.nextToken = nextToken
    }
}
