import RecApp
import ArgumentParser
import BedrockClient
import Foundation

/// Helpers shared by the Bedrock job commands (`rec finetune start|status|list|stop|provision`, `rec batch-embed`).
enum JobCommandSupport {
    /// Prints `message` on stderr and exits 2 (usage error: nothing was sent).
    static func usage(_ message: String) -> ExitCode { usageFailure(message) }

    /// Prints a Bedrock failure on stderr (code, Bedrock's message, HTTP status, request id; never credentials) and
    /// exits 2 for a request refused before sending, else 1.
    static func failure(_ error: BedrockError) -> ExitCode {
        var text = "error: \(error)"
        switch error.code {
        case .invalidSignature, .unrecognizedClient, .expiredToken, .credentialsUnavailable:
            text += "\n  (authentication failed: check the AWS credentials and AWS_REGION this process uses)"
        case .accessDenied:
            text += "\n  (the identity lacks an IAM permission for this call: see docs/finetuning.md, IAM permissions)"
        default:
            break
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return ExitCode(error.code == .invalidInput || error.code == .configuration ? 2 : 1)
    }

    /// The control-plane client of this process's environment.
    static func client() throws -> BedrockControlPlaneClient {
        do { return try AppConfiguration.fromEnvironment().bedrockControlPlane() } catch let e as ConfigurationError {
            throw usage(e.description)
        }
    }

    /// Pretty JSON with sorted keys, for `--json`.
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A local path or `file://` URI as a `file://` URI (titan-local's local trainer and batch runner read them);
    /// `s3://` URIs unchanged.
    ///
    /// - Throws: usage failure for other schemes.
    static func location(_ text: String, option: String) throws -> String {
        if text.hasPrefix("s3://") {
            guard text.count > 5, !text.dropFirst(5).hasPrefix("/") else { throw usage("\(option) '\(text)' names no bucket") }
            return text
        }
        if text.hasPrefix("file://") { return text }
        guard !text.contains("://") else { throw usage("\(option) must be an s3:// URI, a file:// URI or a local path, not '\(text)'") }
        return URL(fileURLWithPath: text).standardizedFileURL.absoluteString
    }

    /// Polls `fetch` until `isTerminal`, printing a line on stderr whenever the status line changes.
    static func follow<Job>(every interval: Double, fetch: () async throws(BedrockError) -> Job, isTerminal: (Job) -> Bool,
                            line: (Job) -> String) async throws(BedrockError) -> Job {
        var last = ""
        let started = ContinuousClock.now
        while true {
            let job = try await fetch()
            let text = line(job)
            if text != last {
                let elapsed = Int((ContinuousClock.now - started).components.seconds)
                FileHandle.standardError.write(Data("[\(elapsed / 60)m\(String(format: "%02d", elapsed % 60))s] \(text)\n".utf8))
                last = text
            }
            if isTerminal(job) { return job }
            do { try await Task.sleep(for: .seconds(interval)) } catch { throw BedrockError(.cancelled, "stopped waiting") }
        }
    }
}

/// `rec finetune start`: CreateModelCustomizationJob for Titan Multimodal Embeddings G1.
struct FinetuneStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a Bedrock model customization (fine-tuning) job of amazon.titan-embed-image-v1.",
        discussion: """
            Sends CreateModelCustomizationJob to the Bedrock control plane (https://bedrock.<AWS_REGION>.amazonaws.com, or \
            AWS_ENDPOINT_URL_BEDROCK / AWS_ENDPOINT_URL, e.g. rec titan-local's local trainer). Data locations are s3:// URIs \
            for Bedrock; local paths and file:// URIs are passed as file:// URIs for titan-local. Hyperparameters are checked \
            against the model's ranges before anything is sent: --epochs 1...100 or Auto (required), --batch-size 256...9216 \
            (default 576), --learning-rate 5e-8...1 (default 5e-5). Prints the job ARN. Exit codes: 0 started, 1 refused by \
            Bedrock, 2 usage error.
            """
    )

    @Option(help: "Job name (1-63 letters, digits, '+', '-', '.').") var jobName: String
    @Option(help: "Name of the custom model the job creates.") var customModelName: String
    @Option(help: "IAM role Bedrock assumes to read the data and write the output (arn:aws:iam::<account>:role/<name>).") var roleArn: String
    @Option(help: "Training JSONL (s3://bucket/key, file:// URI or local path; rec finetune dataset export writes it).") var trainingData: String
    @Option(help: "Validation JSONL (optional; same forms).") var validationData: String?
    @Option(help: "Where the job writes its output (s3://bucket/prefix, file:// URI or local directory).") var output: String
    @Option(help: "Base model id.") var baseModel: String = TitanModel.multimodalEmbeddingsV1
    @Option(help: "epochCount: 1...100, or Auto.") var epochs: String
    @Option(help: "batchSize: 256...9216.") var batchSize: Int = TitanCustomizationHyperParameters.defaultBatchSize
    @Option(help: "learningRate: 5e-8...1.") var learningRate: Double = TitanCustomizationHyperParameters.defaultLearningRate
    @Flag(help: "Print the request body instead of sending it.") var dryRun = false
    @Flag(help: "One JSON document on stdout ({\"jobArn\"}).") var json = false

    func run() async throws {
        let hyperParameters: TitanCustomizationHyperParameters
        do {
            hyperParameters = try TitanCustomizationHyperParameters(epochCount: try TitanCustomizationHyperParameters.epochCount(parsing: epochs),
                                                                    batchSize: batchSize, learningRate: learningRate)
        } catch { throw JobCommandSupport.usage(error.message) }
        guard EmbeddingModelFamily.inferred(fromModelID: baseModel) == .titan else {
            throw JobCommandSupport.usage("--base-model must be a Titan Multimodal Embeddings G1 id (amazon.titan-embed-image-v1), not '\(baseModel)'")
        }
        let request = CreateModelCustomizationJobRequest(
            jobName: jobName, customModelName: customModelName, roleArn: roleArn, baseModelIdentifier: baseModel,
            clientRequestToken: UUID().uuidString, hyperParameters: hyperParameters.wireValues,
            trainingDataConfig: .init(s3Uri: try JobCommandSupport.location(trainingData, option: "--training-data")),
            validationDataConfig: try validationData.map { .init(validators: [.init(s3Uri: try JobCommandSupport.location($0, option: "--validation-data"))]) },
            outputDataConfig: .init(s3Uri: try JobCommandSupport.location(output, option: "--output")))
        if dryRun { print(JobCommandSupport.json(request)); return }
        let client = try JobCommandSupport.client()
        do {
            let arn = try await client.createModelCustomizationJob(request)
            print(json ? JobCommandSupport.json(CreatedJob(jobArn: arn)) : "started \(jobName): \(arn)\nfollow it with: rec finetune status \(jobName) --wait")
        } catch { throw JobCommandSupport.failure(error) }
    }
}

/// `rec finetune status`: GetModelCustomizationJob, optionally until the job ends.
struct FinetuneStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a customization job: status, failure message, custom model ARN, training and validation loss.",
        discussion: "With --wait, polls until Completed, Failed or Stopped, printing each change on stderr. Exit codes: 0 (with --wait: Completed), 1 failed/stopped or refused, 2 usage error."
    )

    @Argument(help: "Job name or ARN.") var job: String
    @Flag(help: "Poll until the job ends.") var wait = false
    @Option(help: "Seconds between polls with --wait.") var interval: Double = 30
    @Flag(help: "The GetModelCustomizationJob document as JSON on stdout.") var json = false

    static func line(_ j: BedrockClient.ModelCustomizationJob) -> String {
        var s = "\(j.jobName): \(j.status ?? "unknown")"
        if let loss = j.trainingMetrics?.trainingLoss { s += ", training loss \(loss)" }
        if let v = j.validationMetrics?.compactMap(\.validationLoss), !v.isEmpty { s += ", validation loss " + v.map { "\($0)" }.joined(separator: "/") }
        return s
    }

    static func text(_ j: BedrockClient.ModelCustomizationJob) -> String {
        var rows: [(String, String)] = [("job", j.jobName), ("arn", j.jobArn), ("status", j.status ?? "unknown")]
        if let m = j.failureMessage { rows.append(("failure", m)) }
        if let base = j.baseModelArn { rows.append(("base model", base)) }
        if let model = j.outputModelArn { rows.append(("custom model", model)) } else if let name = j.outputModelName { rows.append(("custom model", name + " (not created yet)")) }
        if let loss = j.trainingMetrics?.trainingLoss { rows.append(("training loss", "\(loss)")) }
        for (i, v) in (j.validationMetrics ?? []).enumerated() { rows.append(("validation loss" + (j.validationMetrics!.count > 1 ? " \(i + 1)" : ""), v.validationLoss.map { "\($0)" } ?? "-")) }
        if let h = j.hyperParameters { rows.append(("hyperparameters", h.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))) }
        if let t = j.creationTime { rows.append(("created", t)) }
        if let t = j.endTime { rows.append(("ended", t)) }
        if j.status == "Completed", let model = j.outputModelArn {
            rows.append(("next", "rec finetune provision --model \(model) --name <name> --model-units 1"))
        }
        return rows.map { $0.0.padding(toLength: 16, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

    func run() async throws {
        guard interval >= 0 else { throw JobCommandSupport.usage("--interval must not be negative") }
        let client = try JobCommandSupport.client()
        let result: BedrockClient.ModelCustomizationJob
        do {
            result = wait
                ? try await JobCommandSupport.follow(every: interval, fetch: { () async throws(BedrockError) in try await client.getModelCustomizationJob(job) },
                                                     isTerminal: \.isTerminal, line: Self.line)
                : try await client.getModelCustomizationJob(job)
        } catch { throw JobCommandSupport.failure(error) }
        print(json ? JobCommandSupport.json(result) : Self.text(result))
        if wait, result.status != "Completed" { throw ExitCode(1) }
    }
}

/// `rec finetune list`: ListModelCustomizationJobs.
struct FinetuneListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List customization jobs, newest first (filters: --status, --name-contains; pages with --next-token or --all).")

    @Option(help: "InProgress, Completed, Failed, Stopping or Stopped.") var status: String?
    @Option(help: "Only jobs whose name contains this.") var nameContains: String?
    @Option(help: "Jobs per page, 1...1000.") var maxResults: Int = 100
    @Option(help: "Continue after a previous page (its printed next token).") var nextToken: String?
    @Flag(help: "Follow every page.") var all = false
    @Flag(help: "The ListModelCustomizationJobs document(s) as JSON.") var json = false

    func run() async throws {
        guard (1...1000).contains(maxResults) else { throw JobCommandSupport.usage("--max-results must be 1...1000") }
        if let status, !["InProgress", "Completed", "Failed", "Stopping", "Stopped"].contains(status) {
            throw JobCommandSupport.usage("--status must be InProgress, Completed, Failed, Stopping or Stopped")
        }
        let client = try JobCommandSupport.client()
        var filter = JobListFilter(statusEquals: status, nameContains: nameContains, maxResults: maxResults, nextToken: nextToken, sortOrder: "Descending")
        var jobs: [ModelCustomizationJobSummary] = []
        var next: String?
        do {
            repeat {
                let page = try await client.listModelCustomizationJobs(filter)
                jobs += page.modelCustomizationJobSummaries
                next = page.nextToken
                filter.nextToken = next
            } while all && next != nil
        } catch { throw JobCommandSupport.failure(error) }
        if json { print(JobCommandSupport.json(ModelCustomizationJobList(modelCustomizationJobSummaries: jobs, nextToken: next))); return }
        for j in jobs {
            print([j.jobName, j.status, j.creationTime ?? "-", j.customModelArn ?? j.customModelName ?? "-"].joined(separator: "\t"))
        }
        if jobs.isEmpty { print("no customization jobs") }
        if let next { print("more: rec finetune list --next-token \(next)") }
    }
}

/// `rec finetune stop`: StopModelCustomizationJob.
struct FinetuneStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a running customization job (it goes Stopping, then Stopped; training so far is billed).")

    @Argument(help: "Job name or ARN.") var job: String

    func run() async throws {
        let client = try JobCommandSupport.client()
        do { try await client.stopModelCustomizationJob(job) } catch { throw JobCommandSupport.failure(error) }
        print("stopping \(job)")
    }
}

/// `rec finetune provision`: CreateProvisionedModelThroughput for a custom model, and its status.
struct FinetuneProvisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Buy Provisioned Throughput for a custom model (CreateProvisionedModelThroughput), or show one (--status).",
        discussion: """
            A custom model answers InvokeModel only through Provisioned Throughput. Prints the provisioned model ARN: set it as \
            BEDROCK_MODEL_ID (with BEDROCK_MODEL_FAMILY=titan) for a new embedding space (docs/finetuning.md). Billed per model \
            unit and hour from creation, with or without a commitment, until deleted in the Bedrock console or API.
            """
    )

    @Option(help: "The custom model ARN (rec finetune status shows it).") var model: String?
    @Option(help: "Name of the provisioned model.") var name: String?
    @Option(help: "Model units (1...).") var modelUnits: Int = 1
    @Option(help: "OneMonth or SixMonths (default: no commitment).") var commitment: String?
    @Option(help: "Show a provisioned model (name or ARN) instead of creating one.") var status: String?
    @Flag(help: "With --status: poll until InService or Failed.") var wait = false
    @Option(help: "Seconds between polls with --wait.") var interval: Double = 30
    @Flag(help: "JSON on stdout.") var json = false

    func run() async throws {
        if let status {
            let client = try JobCommandSupport.client()
            let p: ProvisionedModelThroughput
            do {
                p = wait
                    ? try await JobCommandSupport.follow(every: interval, fetch: { () async throws(BedrockError) in try await client.getProvisionedModelThroughput(status) },
                                                         isTerminal: { ["InService", "Failed"].contains($0.status) }, line: { "\($0.provisionedModelName): \($0.status)" })
                    : try await client.getProvisionedModelThroughput(status)
            } catch { throw JobCommandSupport.failure(error) }
            if json { print(JobCommandSupport.json(p)) } else {
                print("provisioned model  \(p.provisionedModelName)\narn                \(p.provisionedModelArn)\nstatus             \(p.status)\nmodel              \(p.modelArn)\nmodel units        \(p.modelUnits)"
                      + (p.failureMessage.map { "\nfailure            \($0)" } ?? "")
                      + (p.status == "InService" ? "\nuse it as          BEDROCK_MODEL_ID=\(p.provisionedModelArn) BEDROCK_MODEL_FAMILY=titan" : ""))
            }
            if wait, p.status != "InService" { throw ExitCode(1) }
            return
        }
        guard let model, let name else { throw JobCommandSupport.usage("give --model and --name to create Provisioned Throughput, or --status <name|arn>") }
        guard modelUnits >= 1 else { throw JobCommandSupport.usage("--model-units must be at least 1") }
        if let commitment, !CreateProvisionedModelThroughputRequest.commitmentDurations.contains(commitment) {
            throw JobCommandSupport.usage("--commitment must be OneMonth or SixMonths")
        }
        let client = try JobCommandSupport.client()
        let request = CreateProvisionedModelThroughputRequest(modelId: model, modelUnits: modelUnits, provisionedModelName: name,
                                                              commitmentDuration: commitment, clientRequestToken: UUID().uuidString)
        do {
            let arn = try await client.createProvisionedModelThroughput(request)
            print(json ? JobCommandSupport.json(CreatedProvisionedModel(provisionedModelArn: arn))
                       : "provisioned \(name): \(arn)\nwait for InService: rec finetune provision --status \(name) --wait\nthen: BEDROCK_MODEL_ID=\(arn) BEDROCK_MODEL_FAMILY=titan")
        } catch { throw JobCommandSupport.failure(error) }
    }
}
