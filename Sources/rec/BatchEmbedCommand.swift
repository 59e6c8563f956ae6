import RecApp
import ArgumentParser
import BedrockClient
import Consumers
import EmbeddingSpaces
import Finetuning
import Foundation
import Logging
import Postgres

/// `rec batch-embed …`: embedding the catalog with Bedrock batch inference (CreateModelInvocationJob).
struct BatchEmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-embed",
        abstract: "Embed the whole catalog with a Bedrock batch inference job and store the vectors (docs/batch-embedding.md).",
        subcommands: [BatchEmbedStartCommand.self, BatchEmbedStatusCommand.self, BatchEmbedIngestCommand.self, BatchEmbedStopCommand.self]
    )
}

/// The settings batch jobs share with streaming ingest (text policy, model families), and the embedding space a job
/// is for, refused when one batch record per item cannot express it.
private struct BatchEmbeddingSettings {
    let app: AppConfiguration
    /// The streaming embedding client: its text policy and model families, and the identity (hash names) of the
    /// live space's model.
    let runtime: TitanEmbeddingClient
    var embedding: BedrockClientConfiguration { runtime.configuration }

    init() throws {
        do {
            app = try AppConfiguration.fromEnvironment()
            runtime = try app.embeddingClient()
        } catch let e as ConfigurationError {
            throw JobCommandSupport.usage(e.description)
        } catch let e as BedrockError {
            throw JobCommandSupport.usage(e.message)
        }
    }

    /// The space `name` (default: the live one) from the database, if batch embedding can fill it, and the registry
    /// whose writes lock it against retirement.
    func space(named name: String?, pool: PostgresPool) async throws -> (space: EmbeddingSpace, live: EmbeddingSpace, registry: EmbeddingSpaceRegistry) {
        let registry: EmbeddingSpaceRegistry, set: EmbeddingSpaceSet
        do {
            registry = try await app.embeddingSpaces(pool: pool, logger: Logger(label: "rec.batch-embed"))
            set = try await registry.ready()
        } catch let e as ConfigurationError {
            throw JobCommandSupport.usage(e.description)
        }
        let space: EmbeddingSpace
        if let name {
            guard let n = EmbeddingSpace.validName(name), let found = set.named(n) else {
                throw JobCommandSupport.usage("no embedding space '\(name)' (rec models status lists them)")
            }
            space = found
        } else {
            space = set.live
        }
        guard space.isWritten else { throw JobCommandSupport.usage("embedding space \(space.name) is retired") }
        guard embedding.family(forModelID: space.model) == .titan else {
            throw JobCommandSupport.usage("batch embedding supports Titan Multimodal Embeddings G1 spaces only: space \(space.name) uses \(space.model), and a Nova caption with an image is two requests, not one record per item")
        }
        guard space.mode == .fused else {
            throw JobCommandSupport.usage("batch embedding supports fused spaces only (one vector, one record per item); space \(space.name) is \(space.mode.rawValue)")
        }
        return (space, set.live, registry)
    }
}

/// The exit of a batch command's failure: usage, I/O and refused spaces 2 (nothing sent or stored), Bedrock refusals 1;
/// others unchanged.
private func batchFailure(_ error: any Error) -> any Error {
    switch error {
    case let e as FinetuneError where e.code == .usage || e.code == .io: JobCommandSupport.usage(e.message)
    case let e as ConfigurationError: JobCommandSupport.usage(e.description)
    case let e as EmbeddingSpaceError: JobCommandSupport.usage(e.description)
    case let e as BedrockError: JobCommandSupport.failure(e)
    default: error
    }
}

/// `rec batch-embed start`.
struct BatchEmbedStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Write the catalog as batch inference input and start a CreateModelInvocationJob.",
        discussion: """
            Each live item becomes {"recordId": <item id>, "modelInput": <the InvokeModel body streaming ingest sends for it>} \
            for the embedding space --space (default: the live one): its model and dimension, the caption and image as ingest \
            builds them, BEDROCK_TEXT_POLICY. The job runs that space's model. \
            The input goes to --input: s3://bucket/prefix (a signed PUT; AWS_ENDPOINT_URL_S3 for path style) or a local \
            directory or file:// URI (a local control plane's: rec titan-local runs such jobs, as does the tests' fake; Bedrock itself reads s3:// only). \
            --write-only writes the input and starts nothing (no --output or --role-arn needed). Bedrock needs at least 100 records per job: a smaller catalog is \
            refused before anything is sent. Titan spaces in fused mode only. Exit codes: 0 started, 1 refused by Bedrock, 2 usage \
            error.
            """
    )

    @Option(help: "Where the input JSONL goes: s3://bucket/prefix, a local directory or file:// URI (a name ending in .jsonl is the file itself).") var input: String
    @Option(help: "Where Bedrock writes the output: s3://bucket/prefix, a local directory or file:// URI (required unless --write-only).") var output: String?
    @Option(help: "IAM role Bedrock assumes to read the input and write the output (required unless --write-only).") var roleArn: String?
    @Option(help: "The embedding space the vectors are for (default: the live one; rec models status lists them).") var space: String?
    @Option(help: "Job name (default: rec-embed-<unix time>).") var jobName: String?
    @Option(help: "Stop after this many records (split a large catalog over jobs: see --after).") var limit: Int?
    @Option(help: "Start after this item id (the previous run's last item, which it prints).") var after: String?
    @Option(help: "Hours before Bedrock stops the job (24...168; default: Bedrock's, 72).") var timeoutHours: Int?
    @Flag(help: "Write the input only; do not start a job.") var writeOnly = false
    @Flag(help: "No progress lines on stderr.") var quiet = false
    @Flag(help: "JSON on stdout.") var json = false

    struct Started: Encodable {
        var jobArn: String?
        var input: BatchEmbeddingInputWriter.Report
    }

    func run() async throws {
        let settings = try BatchEmbeddingSettings()
        let name = jobName ?? "rec-embed-\(Int(Date().timeIntervalSince1970))"
        if let limit, limit < 1 { throw JobCommandSupport.usage("--limit must be at least 1") }
        if let timeoutHours, !(24...168).contains(timeoutHours) { throw JobCommandSupport.usage("--timeout-hours must be 24...168") }
        let inputLocation: BatchLocation, outputLocation: BatchLocation?
        do throws(FinetuneError) {
            inputLocation = try BatchLocation(input)
            if let output { outputLocation = try BatchLocation(output) } else { outputLocation = nil }
        } catch { throw JobCommandSupport.usage(error.message) }
        if !writeOnly, outputLocation == nil || roleArn == nil { throw JobCommandSupport.usage("--output and --role-arn are required to start a job (or --write-only)") }
        let client = writeOnly ? nil : try JobCommandSupport.client()
        let report: BatchEmbeddingInputWriter.Report
        let target: EmbeddingSpace
        do {
            let pool = try settings.app.makePool()
            defer { pool.close() }
            let found = try await settings.space(named: space, pool: pool)
            target = found.space
            let transport = CurlHTTPTransport()
            let access = try settings.app.s3Access(transport: transport)
            let writer = BatchEmbeddingInputWriter(
                pool: pool, fetcher: try settings.app.imageFetcher(transport: transport, s3: access), s3: S3ObjectClient(transport: transport, access: access),
                space: target, live: found.live,
                liveModel: settings.runtime.identity(ofModel: found.live.model, vectorVersion: try await settings.runtime.vectorVersion()),
                textPolicy: settings.embedding.textPolicy, progress: quiet ? nil : ProgressReporter())
            report = try await writer.write(to: inputLocation, name: name, limit: limit, after: after)
        } catch {
            throw batchFailure(error)
        }
        var skipped = report.skipped.sorted { $0.key < $1.key }.map { "  skipped \($0.value): \($0.key)" }.joined(separator: "\n")
        if limit != nil, let last = report.lastItemID { skipped += (skipped.isEmpty ? "" : "\n") + "  last item \(last): the next job's --after" }
        guard let client, let outputLocation, let roleArn else {
            print(json ? JobCommandSupport.json(Started(jobArn: nil, input: report))
                       : "wrote \(report.records) records (\(report.bytes) bytes) to \(report.input)" + (skipped.isEmpty ? "" : "\n" + skipped))
            return
        }
        let request = CreateModelInvocationJobRequest(jobName: name, roleArn: roleArn, modelId: target.model, inputS3Uri: report.input,
                                                      outputS3Uri: outputLocation.uri, clientRequestToken: UUID().uuidString, timeoutDurationInHours: timeoutHours)
        do {
            let arn = try await client.createModelInvocationJob(request)
            print(json ? JobCommandSupport.json(Started(jobArn: arn, input: report))
                       : "wrote \(report.records) records to \(report.input)" + (skipped.isEmpty ? "" : "\n" + skipped)
                         + "\nstarted \(name) for space \(target.name) (\(target.model), \(target.dims)-d): \(arn)\nfollow it with: rec batch-embed status \(arn) --wait\nthen: rec batch-embed ingest \(arn) --space \(target.name)")
        } catch { throw JobCommandSupport.failure(error) }
    }
}

/// `rec batch-embed status`.
struct BatchEmbedStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a batch inference job (GetModelInvocationJob); --wait follows it until it ends.",
        discussion: "Exit codes: 0 (with --wait: Completed or PartiallyCompleted), 1 failed, stopped, expired or refused, 2 usage error."
    )

    @Argument(help: "Job ARN.") var job: String
    @Flag(help: "Poll until Completed, PartiallyCompleted, Failed, Stopped or Expired.") var wait = false
    @Option(help: "Seconds between polls with --wait.") var interval: Double = 60
    @Flag(help: "The GetModelInvocationJob document as JSON on stdout.") var json = false

    static func line(_ j: ModelInvocationJob) -> String {
        var s = "\(j.jobName ?? j.jobArn): \(j.status ?? "unknown")"
        if let total = j.totalRecordCount { s += ", \(j.processedRecordCount ?? 0)/\(total) records, \(j.errorRecordCount ?? 0) errors" }
        return s
    }

    func run() async throws {
        guard interval >= 0 else { throw JobCommandSupport.usage("--interval must not be negative") }
        let client = try JobCommandSupport.client()
        let result: ModelInvocationJob
        do {
            result = wait
                ? try await JobCommandSupport.follow(every: interval, fetch: { () async throws(BedrockError) in try await client.getModelInvocationJob(job) },
                                                     isTerminal: \.isTerminal, line: Self.line)
                : try await client.getModelInvocationJob(job)
        } catch { throw JobCommandSupport.failure(error) }
        if json { print(JobCommandSupport.json(result)) } else {
            var rows: [(String, String)] = [("job", result.jobName ?? "-"), ("arn", result.jobArn), ("status", result.status ?? "unknown"), ("model", result.modelId)]
            if let m = result.message { rows.append(("message", m)) }
            if let i = result.inputDataConfig?.s3InputDataConfig.s3Uri { rows.append(("input", i)) }
            if let o = result.outputDataConfig?.s3OutputDataConfig.s3Uri { rows.append(("output", o + "/" + ModelInvocation.jobID(fromArn: result.jobArn) + "/")) }
            if let total = result.totalRecordCount {
                rows.append(("records", "\(total) total, \(result.processedRecordCount ?? 0) processed, \(result.successRecordCount ?? 0) succeeded, \(result.errorRecordCount ?? 0) failed"))
            }
            if let t = result.submitTime { rows.append(("submitted", t)) }
            if let t = result.endTime { rows.append(("ended", t)) }
            if ["Completed", "PartiallyCompleted"].contains(result.status ?? "") { rows.append(("next", "rec batch-embed ingest \(result.jobArn)")) }
            print(rows.map { $0.0.padding(toLength: 11, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n"))
        }
        if wait, !["Completed", "PartiallyCompleted"].contains(result.status ?? "") { throw ExitCode(1) }
    }
}

/// `rec batch-embed ingest`.
struct BatchEmbedIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store a finished batch job's vectors by record id, through ingest's content-hash cache.",
        discussion: """
            Reads <output>/<job id>/*.out. Every record is checked against its item now (caption and image rebuilt as ingest \
            builds them): records of items changed or deleted since the input was written are skipped and listed; records the \
            job failed are listed with Bedrock's error. The vectors go to the embedding space --space (default: the live one), \
            whose model must be the job's and whose dimension its vectors', else nothing is stored. Exit codes: 0 all stored or \
            skipped as changed, 1 some records failed or were unusable (listed), 2 usage error.
            """
    )

    @Argument(help: "Job ARN.") var job: String
    @Option(help: "The embedding space to fill (default: the live one).") var space: String?
    @Flag(help: "The report as JSON on stdout.") var json = false
    @Flag(help: "No progress lines on stderr.") var quiet = false

    func run() async throws {
        let settings = try BatchEmbeddingSettings()
        let client = try JobCommandSupport.client()
        let found: ModelInvocationJob
        do { found = try await client.getModelInvocationJob(job) } catch { throw JobCommandSupport.failure(error) }
        guard ["Completed", "PartiallyCompleted"].contains(found.status ?? "") else {
            throw JobCommandSupport.usage("the job is \(found.status ?? "unknown"), not Completed or PartiallyCompleted: nothing to ingest yet (rec batch-embed status \(job) --wait)")
        }
        let report: BatchEmbeddingIngest.Report
        do {
            let pool = try settings.app.makePool()
            defer { pool.close() }
            let (target, _, registry) = try await settings.space(named: space, pool: pool)
            guard found.modelId == target.model else {
                throw JobCommandSupport.usage("the job embedded with \(found.modelId), but space \(target.name) holds vectors of \(target.model): vectors of two models never share a space; refusing (--space names another space)")
            }
            let transport = CurlHTTPTransport()
            let access = try settings.app.s3Access(transport: transport)
            let s3 = S3ObjectClient(transport: transport, access: access)
            let ingest = BatchEmbeddingIngest(
                pool: pool, store: CatalogStore(pool: pool, spaces: registry), space: target, hashModel: try await client.hashModel(of: target.model),
                fetcher: try settings.app.imageFetcher(transport: transport, s3: access), s3: s3, textPolicy: settings.embedding.textPolicy,
                progress: quiet ? nil : ProgressReporter())
            report = try await ingest.run(try await BatchEmbeddingIngest.outputFiles(of: found, s3: s3))
        } catch {
            throw batchFailure(error)
        }
        print(json ? JobCommandSupport.json(report) : report.text(), terminator: json ? "\n" : "")
        if !report.errors.isEmpty || !report.unusable.isEmpty { throw ExitCode(1) }
    }
}

/// `rec batch-embed stop`.
struct BatchEmbedStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a batch inference job (StopModelInvocationJob); records done so far are billed.")

    @Argument(help: "Job ARN.") var job: String

    func run() async throws {
        let client = try JobCommandSupport.client()
        do { try await client.stopModelInvocationJob(job) } catch { throw JobCommandSupport.failure(error) }
        print("stopping \(job)")
    }
}
