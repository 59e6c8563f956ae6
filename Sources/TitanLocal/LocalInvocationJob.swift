import BedrockClient
import Foundation

/// One local batch inference job as `rec titan-local` keeps and persists it: the GetModelInvocationJob answer in the
/// client's wire type (``ModelInvocationJob``), and what only the runner needs.
public struct LocalInvocationJob: Sendable, Codable, Equatable {
    /// The 12-character id at the end of the ARN: the output goes to `<output>/<jobID>/`.
    public var jobID: String
    /// What GetModelInvocationJob answers (and ListModelInvocationJobs lists).
    public var job: ModelInvocationJob
    public var clientRequestToken: String?
    public var creationTime: Date

    /// `Submitted`, `InProgress`, `Completed`, `Failed`, `Stopping` or `Stopped` (Bedrock's names).
    public var status: String { job.status ?? "Submitted" }

    /// Moves to `status` now (ending the job when the status is terminal).
    mutating func set(_ status: String, message: String? = nil, at now: Date = Date()) {
        job.status = status
        if let message { job.message = message }
        job.lastModifiedTime = LocalCustomizationJob.timestamp(now)
        if job.isTerminal { job.endTime = LocalCustomizationJob.timestamp(now) }
    }
}
