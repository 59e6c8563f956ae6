import BedrockClient
import Foundation

/// Settings of `rec titan-local`. Environment variables are read by the `rec` command
/// (through ``init(environment:...)``), not here and there in the module.
public struct TitanLocalConfiguration: Sendable {
    /// How incoming requests are authenticated.
    public enum Authentication: Sendable {
        /// Accept everything (quick local use).
        case none
        /// Verify SigV4 signatures for service `bedrock` against these keys.
        case sigV4(SigV4Verifier)
    }

    /// Default: 127.0.0.1 (loopback only).
    public var host: String
    /// Default: 28087 (the local stack's port); 0 picks a free port.
    public var port: Int
    /// Default: `<cwd>/.stack/models/all-MiniLM-L6-v2`.
    public var modelDirectory: URL
    public var authentication: Authentication
    /// Default: ``FaultInjection/none``.
    public var faults: FaultInjection
    public var embedder: TitanEmbedder.Configuration
    /// Largest request body accepted. Default: 8 MiB (a 5 MB image in base64 plus text).
    public var maxBodyBytes: Int

    public static let defaultPort = 28087
    public static let modelDirectoryVariable = "REC_TITAN_MODEL_DIR"
    public static let service = "bedrock"

    public init(host: String = "127.0.0.1", port: Int = defaultPort, modelDirectory: URL,
                authentication: Authentication = .none, faults: FaultInjection = .none,
                embedder: TitanEmbedder.Configuration = .init(), maxBodyBytes: Int = 8 << 20) {
        self.host = host
        self.port = port
        self.modelDirectory = modelDirectory
        self.authentication = authentication
        self.faults = faults
        self.embedder = embedder
        self.maxBodyBytes = maxBodyBytes
    }

    /// The model directory: the explicit option, else `REC_TITAN_MODEL_DIR`, else
    /// `<currentDirectory>/.stack/models/all-MiniLM-L6-v2` (where `deploy/local/stack install` puts it).
    public static func modelDirectory(option: String?, environment: [String: String], currentDirectory: String) -> URL {
        if let option, !option.isEmpty { return URL(fileURLWithPath: option) }
        if let dir = environment[modelDirectoryVariable], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: currentDirectory).appendingPathComponent(".stack/models/all-MiniLM-L6-v2")
    }

    /// SigV4 verification from explicit keys, else `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`;
    /// region from `AWS_REGION` (else `AWS_DEFAULT_REGION`, else us-east-1).
    ///
    /// - Throws: ``TitanLocalConfigurationError`` when no keys are available.
    public static func sigV4(accessKeyID: String?, secretAccessKey: String?, environment: [String: String],
                             maxClockSkew: TimeInterval = 300) throws -> Authentication {
        let key = accessKeyID ?? environment["AWS_ACCESS_KEY_ID"]
        let secret = secretAccessKey ?? environment["AWS_SECRET_ACCESS_KEY"]
        guard let key, !key.isEmpty, let secret, !secret.isEmpty else {
            throw TitanLocalConfigurationError("SigV4 verification needs --access-key-id/--secret-access-key or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or pass --no-auth)")
        }
        let region = environment["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["AWS_DEFAULT_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
        return .sigV4(SigV4Verifier(secretsByAccessKeyID: [key: secret], region: region, service: service, maxClockSkew: maxClockSkew))
    }
}
