import RecApp
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TitanLocal
import Finetuning

/// `rec titan-local`: the local, Bedrock-compatible Titan Multimodal Embeddings G1 endpoint.
///
/// Options win over environment variables; this is the one place that reads them.
struct TitanLocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "titan-local",
        abstract: "Serve a local stand-in for Bedrock's amazon.titan-embed-image-v1 and amazon.nova-2-multimodal-embeddings-v1:0 (MiniLM text vectors, image descriptor).",
        discussion: """
        Environment: REC_TITAN_MODEL_DIR, REC_TITAN_CUSTOM_MODELS_DIR, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
        REC_TITAN_THROTTLING_RATE, REC_TITAN_SERVER_ERROR_RATE, REC_TITAN_LATENCY_MS, REC_TITAN_FAULT_SEED.

        Local trainer (docs/finetuning.md): the Bedrock control-plane routes CreateModelCustomizationJob, \
        GetModelCustomizationJob, ListModelCustomizationJobs, StopModelCustomizationJob, \
        CreateProvisionedModelThroughput and GetProvisionedModelThroughput train a small adapter from the image \
        descriptor into MiniLM's text space on LOCAL datasets (trainingDataConfig.s3Uri as an absolute path or \
        file:// URI; s3:// is refused). Hyperparameters as on Bedrock: epochCount 1..100 (required), batchSize \
        256..9216 (default 576; capped at the number of training records, so a small set trains as one batch \
        per epoch), learningRate 5e-8..1 (default 5e-5, Adam; 1e-2 suits the small adapter). Fewer records than \
        Bedrock's minimum are reported, not refused. Jobs run one at a time; trained models are kept under \
        --custom-models-dir and served after a restart: invoke the job's outputModelArn (or a provisioned model \
        ARN) as the model id, and images are embedded through the adapter (text as by the base model).

        Batch inference (docs/batch-embedding.md): CreateModelInvocationJob, GetModelInvocationJob, \
        ListModelInvocationJobs and StopModelInvocationJob run jobs on LOCAL files (an absolute path or file:// URI \
        as inputDataConfig/outputDataConfig s3Uri; s3:// is refused): every record's modelInput is answered as \
        InvokeModel answers it, into <output>/<job id>/<input file>.out and manifest.json.out, one job at a time; \
        jobs are kept under --custom-models-dir too. rec batch-embed start|status|ingest runs against it.
        """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = TitanLocalConfiguration.defaultPort

    @Option(help: "Directory with model.safetensors and vocab.txt. Default: $REC_TITAN_MODEL_DIR, else ./.stack/models/all-MiniLM-L6-v2.")
    var modelDir: String?

    @Option(help: "Access key id accepted in SigV4 signatures. Default: $AWS_ACCESS_KEY_ID.")
    var accessKeyId: String?

    @Option(help: "Secret for --access-key-id. Default: $AWS_SECRET_ACCESS_KEY.")
    var secretAccessKey: String?

    @Flag(help: "Accept requests without checking SigV4 signatures.")
    var noAuth = false

    @Option(help: "Share of requests answered with ThrottlingException 429, 0...1. Default: $REC_TITAN_THROTTLING_RATE or 0.")
    var throttlingRate: Double?

    @Option(help: "Share of requests answered with ServiceUnavailableException 503 / InternalServerException 500, 0...1. Default: $REC_TITAN_SERVER_ERROR_RATE or 0.")
    var serverErrorRate: Double?

    @Option(help: "Milliseconds added before every InvokeModel answer. Default: $REC_TITAN_LATENCY_MS or 0.")
    var latencyMs: Int?

    @Option(help: "Seed for the fault dice. Default: $REC_TITAN_FAULT_SEED or 1.")
    var faultSeed: UInt64?

    @Option(help: "Most texts per model call (dynamic batching).")
    var maxBatch = 32

    @Option(help: "Where local fine-tuning jobs, custom models and batch inference jobs are kept. Default: $REC_TITAN_CUSTOM_MODELS_DIR, else ./.stack/titan-local/custom-models.")
    var customModelsDir: String?

    func run() async throws {
        var logger = Logger(label: "rec.titan-local")
        logger.logLevel = .info
        let app = try AppConfiguration.fromEnvironment()
        let configuration = try makeConfiguration(app)
        let model = try MiniLMModel(directory: configuration.modelDirectory)
        let embedder = TitanEmbedder(model: model, configuration: configuration.embedder)
        defer { embedder.shutdown() }
        let region: String
        switch configuration.authentication {
        case .none: region = app.titanSetting("AWS_REGION") ?? app.titanSetting("AWS_DEFAULT_REGION") ?? "us-east-1"
        case .sigV4(let verifier): region = verifier.region
        }
        let customModels = customModelsDir.flatMap { $0.isEmpty ? nil : $0 } ?? app.titanSetting(Self.customModelsVariable)
            ?? FileManager.default.currentDirectoryPath + "/.stack/titan-local/custom-models"
        let jobs = ModelCustomizationJobs(embedder: embedder, reader: LocalTrainingDataReader(),
                                          configuration: .init(directory: URL(fileURLWithPath: customModels), region: region),
                                          logger: Logger(label: "rec.titan-local.training"))
        let server = TitanLocalServer(embedder: embedder, configuration: configuration, customization: jobs,
                                      batch: .init(directory: URL(fileURLWithPath: customModels), region: region), logger: logger)
        let authText: String
        switch configuration.authentication {
        case .none: authText = "no authentication"
        case .sigV4(let verifier): authText = "SigV4 for \(verifier.secretsByAccessKeyID.count) key(s), region \(verifier.region)"
        }
        let vectorVersion = TitanLocalVectorVersion.of(modelDirectory: configuration.modelDirectory)
        let application = server.makeApplication { [logger] port in
            logger.info("rec titan-local listening on \(configuration.host):\(port) — \(TitanLocalInfo.standInDescription); \(authText); vectors \(vectorVersion); custom models in \(customModels)")
        }
        let group = ServiceGroup(configuration: .init(services: [application, jobs, server.batch], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    static let customModelsVariable = "REC_TITAN_CUSTOM_MODELS_DIR"

    func makeConfiguration(_ app: AppConfiguration) throws -> TitanLocalConfiguration {
        func double(_ option: Double?, _ name: String) throws -> Double {
            if let option { return option }
            guard let raw = app.titanSetting(name) else { return 0 }
            guard let value = Double(raw) else { throw ValidationError("\(name)=\(raw) is not a number") }
            return value
        }
        let latency: Int
        if let latencyMs { latency = latencyMs } else if let raw = app.titanSetting("REC_TITAN_LATENCY_MS") {
            guard let v = Int(raw) else { throw ValidationError("REC_TITAN_LATENCY_MS=\(raw) is not an integer") }
            latency = v
        } else { latency = 0 }
        let seed: UInt64
        if let faultSeed { seed = faultSeed } else if let raw = app.titanSetting("REC_TITAN_FAULT_SEED") {
            guard let v = UInt64(raw) else { throw ValidationError("REC_TITAN_FAULT_SEED=\(raw) is not an unsigned integer") }
            seed = v
        } else { seed = 1 }
        let faults = try FaultInjection(throttlingRate: double(throttlingRate, "REC_TITAN_THROTTLING_RATE"),
                                        serverErrorRate: double(serverErrorRate, "REC_TITAN_SERVER_ERROR_RATE"),
                                        addedLatency: .milliseconds(latency), seed: seed)
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        return TitanLocalConfiguration(
            host: host, port: port,
            modelDirectory: app.titanModelDirectory(option: modelDir),
            authentication: noAuth ? .none : try app.titanSigV4(accessKeyID: accessKeyId, secretAccessKey: secretAccessKey),
            faults: faults,
            embedder: TitanEmbedder.Configuration(maxBatch: maxBatch)
        )
    }
}
