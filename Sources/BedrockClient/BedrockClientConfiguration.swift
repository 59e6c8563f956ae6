import Foundation

/// Everything a ``TitanEmbeddingClient`` needs besides credentials (the model family included); validated at construction.
///
/// ``fromEnvironment(_:)`` is the one place environment variables are read for the client.
public struct BedrockClientConfiguration: Sendable {
    /// AWS region, e.g. `us-east-1`. Default: `us-east-1`.
    public var region: String
    /// Base URL, e.g. `https://bedrock-runtime.us-east-1.amazonaws.com` (no trailing slash).
    public var endpoint: String
    /// Model id or ARN (custom / provisioned models). Default: `amazon.titan-embed-image-v1`.
    public var modelID: String
    /// The model family: the request and response schema, input rules and dimensions. Default: inferred from
    /// ``modelID`` (``EmbeddingModelFamily/inferred(fromModelID:)``), Titan when it names no base model.
    public var family: EmbeddingModelFamily
    /// Output vector length when a call does not say: 256, 384 or 1024 (Nova: also 3072). Default: 1024.
    public var dimensions: Int
    /// Text over the token limit. Default: ``TitanTextPolicy/truncate``.
    public var textPolicy: TitanTextPolicy
    /// TCP+TLS connect timeout. Default: 3 s.
    public var connectTimeout: Double
    /// Whole-attempt timeout. Default: 30 s.
    public var requestTimeout: Double
    /// Default: ``RetryPolicy/standard``.
    public var retryPolicy: RetryPolicy
    /// Requests in flight per client. Default: 16.
    public var maxConcurrency: Int
    /// Optional cap on requests started per minute (evenly spaced), to stay under the account quota. Default: none.
    public var requestsPerMinute: Int?

    /// - Parameters:
    ///   - family: `nil` infers it from `modelID`; an id that names no base model (a custom or provisioned model
    ///     ARN) is taken as Titan, as before Nova existed. ``fromEnvironment(_:)`` is stricter: there such an id needs
    ///     `BEDROCK_MODEL_FAMILY`.
    /// - Throws: ``BedrockError`` `configuration` for a dimension the family does not offer, a non-http(s) endpoint,
    ///   or non-positive limits.
    public init(region: String = "us-east-1", endpoint: String? = nil, modelID: String = TitanModel.multimodalEmbeddingsV1,
                family: EmbeddingModelFamily? = nil,
                dimensions: Int = TitanModel.defaultDimension, textPolicy: TitanTextPolicy = .truncate,
                connectTimeout: Double = 3, requestTimeout: Double = 30, retryPolicy: RetryPolicy = .standard,
                maxConcurrency: Int = 16, requestsPerMinute: Int? = nil) throws(BedrockError) {
        var endpoint = endpoint ?? Self.defaultEndpoint(region: region)
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        guard !region.isEmpty else { throw BedrockError(.configuration, "region is empty") }
        guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://"), URLComponents(string: endpoint)?.host != nil else {
            throw BedrockError(.configuration, "endpoint '\(endpoint)' is not an http(s) URL")
        }
        guard !modelID.isEmpty else { throw BedrockError(.configuration, "model id is empty") }
        let family = family ?? EmbeddingModelFamily.inferred(fromModelID: modelID) ?? .titan
        guard family.supportedDimensions.contains(dimensions) else {
            throw BedrockError(.configuration, "dimensions must be \(family.dimensionsText) for \(family == .titan ? "Titan" : "Nova"), not \(dimensions)")
        }
        guard connectTimeout > 0, requestTimeout > 0, maxConcurrency > 0, (requestsPerMinute ?? 1) > 0 else {
            throw BedrockError(.configuration, "timeouts, maxConcurrency and requestsPerMinute must be positive")
        }
        self.region = region
        self.endpoint = endpoint
        self.modelID = modelID
        self.family = family
        self.dimensions = dimensions
        self.textPolicy = textPolicy
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.retryPolicy = retryPolicy
        self.maxConcurrency = maxConcurrency
        self.requestsPerMinute = requestsPerMinute
    }

    /// `https://bedrock-runtime.{region}.amazonaws.com` (`.amazonaws.com.cn` in China regions).
    public static func defaultEndpoint(region: String) -> String {
        "https://bedrock-runtime.\(region).amazonaws.com" + (region.hasPrefix("cn-") ? ".cn" : "")
    }

    /// Reads the configuration from environment variables (and the shared config file for the region).
    ///
    /// | variable | meaning | default |
    /// | --- | --- | --- |
    /// | `AWS_REGION`, `AWS_DEFAULT_REGION`, profile `region` | region, first set wins | `us-east-1` |
    /// | `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, `AWS_ENDPOINT_URL` | endpoint override, first set wins | regional endpoint |
    /// | `BEDROCK_MODEL_ID` | model id or ARN | `amazon.titan-embed-image-v1` |
    /// | `BEDROCK_MODEL_FAMILY` | `titan`, `nova`; required when the model id is a custom/provisioned ARN | from the model id |
    /// | `BEDROCK_EMBEDDING_DIMENSIONS` | 256, 384, 1024 (Nova: also 3072) | 1024 |
    /// | `BEDROCK_TEXT_POLICY` | `reject`, `truncate`, `passThrough` | `truncate` |
    /// | `BEDROCK_CONNECT_TIMEOUT_SECONDS` | connect timeout | 3 |
    /// | `BEDROCK_REQUEST_TIMEOUT_SECONDS` | per-attempt timeout | 30 |
    /// | `AWS_MAX_ATTEMPTS` | attempts incl. the first | 3 |
    /// | `BEDROCK_MAX_CONCURRENCY` | requests in flight | 16 |
    /// | `BEDROCK_REQUESTS_PER_MINUTE` | start rate cap | none |
    ///
    /// - Throws: ``BedrockError`` `configuration` naming the variable that is malformed.
    public static func fromEnvironment(_ env: [String: String]) throws(BedrockError) -> BedrockClientConfiguration {
        func nonEmpty(_ k: String) -> String? { env[k].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) } }
        func int(_ k: String) throws(BedrockError) -> Int? {
            guard let s = nonEmpty(k) else { return nil }
            guard let v = Int(s) else { throw BedrockError(.configuration, "\(k)='\(s)' is not an integer") }
            return v
        }
        func double(_ k: String) throws(BedrockError) -> Double? {
            guard let s = nonEmpty(k) else { return nil }
            guard let v = Double(s) else { throw BedrockError(.configuration, "\(k)='\(s)' is not a number") }
            return v
        }
        let region = nonEmpty("AWS_REGION") ?? nonEmpty("AWS_DEFAULT_REGION") ?? AWSSharedConfig(env: env).region ?? "us-east-1"
        let endpoint = nonEmpty("AWS_ENDPOINT_URL_BEDROCK_RUNTIME") ?? nonEmpty("AWS_ENDPOINT_URL")
        var policy: TitanTextPolicy = .truncate
        if let p = nonEmpty("BEDROCK_TEXT_POLICY") {
            guard let parsed = TitanTextPolicy.allCases.first(where: { $0.rawValue.lowercased() == p.lowercased() }) else {
                throw BedrockError(.configuration, "BEDROCK_TEXT_POLICY must be reject, truncate or passThrough")
            }
            policy = parsed
        }
        var retry = RetryPolicy.standard
        if let attempts = try int("AWS_MAX_ATTEMPTS") {
            guard attempts >= 1 else { throw BedrockError(.configuration, "AWS_MAX_ATTEMPTS must be at least 1") }
            retry.maxAttempts = attempts
        }
        let modelID = nonEmpty("BEDROCK_MODEL_ID") ?? TitanModel.multimodalEmbeddingsV1
        let family = try EmbeddingModelFamily.resolve(modelID: modelID, setting: nonEmpty("BEDROCK_MODEL_FAMILY"))
        return try BedrockClientConfiguration(
            region: region, endpoint: endpoint,
            modelID: modelID, family: family,
            dimensions: try int("BEDROCK_EMBEDDING_DIMENSIONS") ?? TitanModel.defaultDimension,
            textPolicy: policy,
            connectTimeout: try double("BEDROCK_CONNECT_TIMEOUT_SECONDS") ?? 3,
            requestTimeout: try double("BEDROCK_REQUEST_TIMEOUT_SECONDS") ?? 30,
            retryPolicy: retry,
            maxConcurrency: try int("BEDROCK_MAX_CONCURRENCY") ?? 16,
            requestsPerMinute: try int("BEDROCK_REQUESTS_PER_MINUTE"))
    }

    /// The `/model/{id}/invoke` URL, the id percent-encoded (an ARN's `:` and `/` become `%3A`, `%2F`).
    public func invokeURL(modelID: String? = nil) -> String {
        endpoint + "/model/" + SigV4Canonical.uriEncode(modelID ?? self.modelID) + "/invoke"
    }

    /// The family a request to `modelID` speaks: the family a base model id names (an embedding space of another
    /// base model, docs/models.md), else ``family`` (custom and provisioned model ARNs, and `nil`: ``modelID``).
    public func family(forModelID modelID: String?) -> EmbeddingModelFamily {
        guard let modelID, modelID != self.modelID else { return family }
        return EmbeddingModelFamily.inferred(fromModelID: modelID) ?? family
    }
}
