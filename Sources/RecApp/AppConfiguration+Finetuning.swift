import BedrockClient
import Consumers

/// `rec finetune dataset`'s settings: S3 access for uploads and `s3://` checks.
extension AppConfiguration {
    /// S3 access in the embedding endpoint's region (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's, else
    /// `us-east-1`) with the default credential chain, path style under `AWS_ENDPOINT_URL_S3` when it is set.
    ///
    /// - Throws: ``ConfigurationError`` when the AWS/Bedrock settings are malformed.
    public func s3Access(transport: any HTTPTransport) throws -> ImageFetcher.S3 {
        let region: String
        do { region = try BedrockClientConfiguration.fromEnvironment(environment).region } catch { throw ConfigurationError(error.message) }
        return ImageFetcher.S3(credentials: awsCredentials(transport: transport), region: region, endpoint: s3Endpoint)
    }
}

/// `rec finetune start|status|list|stop|provision` and `rec batch-embed`: the Bedrock control plane.
extension AppConfiguration {
    /// The control-plane client: region and retries as the embedding client reads them, endpoint
    /// `AWS_ENDPOINT_URL_BEDROCK`, else `AWS_ENDPOINT_URL`, else `https://bedrock.<region>.amazonaws.com`.
    ///
    /// - Throws: ``ConfigurationError`` when the AWS/Bedrock settings are malformed.
    public func bedrockControlPlane(transport: (any HTTPTransport)? = nil) throws -> BedrockControlPlaneClient {
        do { return try BedrockControlPlaneClient.fromEnvironment(environment, transport: transport) } catch { throw ConfigurationError(error.message) }
    }
}
