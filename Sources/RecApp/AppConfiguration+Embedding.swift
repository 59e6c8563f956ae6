import BedrockClient
import Foundation
import TitanLocal

/// The embedding endpoint's and titan-local's settings from the environment: the libraries interpret the AWS and
/// Bedrock variables they document, but only from what this type hands them.
extension AppConfiguration {
    /// The Titan client of the configured endpoint (`AWS_*`, `BEDROCK_*`; see docs/bedrock.md), with `overrides`
    /// applied on top (e.g. a benchmark's concurrency).
    public func embeddingClient(overrides: [String: String] = [:]) throws -> TitanEmbeddingClient {
        try TitanEmbeddingClient.fromEnvironment(environment.merging(overrides) { $1 })
    }

    /// The default AWS credential chain (environment, profiles, container and instance roles).
    public func awsCredentials(transport: any HTTPTransport) -> any AWSCredentialProvider {
        CredentialProviderChain.default(env: environment, transport: transport)
    }

    /// Whether an embedding endpoint is configured (a region or an endpoint URL).
    public var embeddingEndpointConfigured: Bool {
        ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"].contains { environment[$0] != nil }
    }

    /// Whether `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` names an endpoint.
    public var bedrockEndpointOverride: String? { environment["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"].flatMap { $0.isEmpty ? nil : $0 } }

    /// `rec doctor`'s check of the embedding endpoint.
    public func diagnoseEmbeddingEndpoint() async -> BedrockDiagnosis {
        await TitanEmbeddingClient.diagnose(env: environment)
    }

    /// `REC_API_KEY`: the key the demo calls the API with.
    public var apiKey: String? { environment["REC_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } }

    /// `REC_IMAGE_FILE_DIR`, when set.
    public var imageFileDirectorySetting: String? {
        environment["REC_IMAGE_FILE_DIR"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }

    /// titan-local's model directory: `option`, else `REC_TITAN_MODEL_DIR`, else the repository's `.stack`.
    public func titanModelDirectory(option: String?) -> URL {
        TitanLocalConfiguration.modelDirectory(option: option, environment: environment, currentDirectory: FileManager.default.currentDirectoryPath)
    }

    /// titan-local's SigV4 check: the given keys, else `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, in `AWS_REGION`.
    public func titanSigV4(accessKeyID: String?, secretAccessKey: String?) throws -> TitanLocalConfiguration.Authentication {
        try TitanLocalConfiguration.sigV4(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, environment: environment)
    }

    /// A `REC_TITAN_*` number, when set (command-line options override it).
    public func titanSetting(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
}
