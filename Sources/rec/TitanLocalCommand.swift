import RecApp
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TitanLocal

/// `rec titan-local`: the local, Bedrock-compatible Titan Multimodal Embeddings G1 endpoint.
///
/// Options win over environment variables; this is the one place that reads them.
struct TitanLocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "titan-local",
        abstract: "Serve a local stand-in for Bedrock's amazon.titan-embed-image-v1 and amazon.nova-2-multimodal-embeddings-v1:0 (MiniLM text vectors, image descriptor).",
        discussion: """
        Environment: REC_TITAN_MODEL_DIR, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
        REC_TITAN_THROTTLING_RATE, REC_TITAN_SERVER_ERROR_RATE, REC_TITAN_LATENCY_MS, REC_TITAN_FAULT_SEED.
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

    func run() async throws {
        var logger = Logger(label: "rec.titan-local")
        logger.logLevel = .info
        let configuration = try makeConfiguration(try AppConfiguration.fromEnvironment())
        let model = try MiniLMModel(directory: configuration.modelDirectory)
        let embedder = TitanEmbedder(model: model, configuration: configuration.embedder)
        defer { embedder.shutdown() }
        let server = TitanLocalServer(embedder: embedder, configuration: configuration, logger: logger)
        let authText: String
        switch configuration.authentication {
        case .none: authText = "no authentication"
        case .sigV4(let verifier): authText = "SigV4 for \(verifier.secretsByAccessKeyID.count) key(s), region \(verifier.region)"
        }
        let vectorVersion = TitanLocalVectorVersion.of(modelDirectory: configuration.modelDirectory)
        let app = server.makeApplication { [logger] port in
            logger.info("rec titan-local listening on \(configuration.host):\(port) — \(TitanLocalInfo.standInDescription); \(authText); vectors \(vectorVersion)")
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

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
