import RecCore
import Foundation

/// What `rec doctor` reports about Bedrock: the resolved configuration, where credentials came from (never the
/// secret; the access key id masked to its last 4 characters), and whether one tiny embedding call worked.
public struct BedrockDiagnosis: Sendable, CustomStringConvertible {
    public var region: String?
    public var endpoint: String?
    public var modelID: String?
    public var family: EmbeddingModelFamily?
    public var dimensions: Int?
    /// Configuration problem (malformed variable), if any; nothing else is tried then.
    public var configurationError: String?
    /// `environment`, `profile:<name>`, `container` or `imds`.
    public var credentialSource: String?
    /// E.g. `****************MPLE`.
    public var maskedAccessKeyID: String?
    public var usesSessionToken: Bool = false
    public var credentialsExpiration: Date?
    public var credentialsError: String?
    /// Whether a 256-d embedding of a short text succeeded.
    public var embedSucceeded: Bool = false
    public var embedError: BedrockError?
    /// Round trip of the probe call, seconds.
    public var embedSeconds: Double?

    public init() {}

    /// Configuration, credentials and the probe call all fine.
    public var isHealthy: Bool { configurationError == nil && credentialsError == nil && embedSucceeded }

    public var description: String {
        var lines: [String] = []
        if let configurationError { return "bedrock: configuration error: \(configurationError)" }
        lines.append("bedrock: region \(region ?? "?"), endpoint \(endpoint ?? "?"), model \(modelID ?? "?") (\(family?.rawValue ?? "?") family), \(dimensions ?? 0)-d")
        if let credentialsError {
            lines.append("bedrock: credentials: FAILED: \(credentialsError)")
        } else {
            var s = "bedrock: credentials from \(credentialSource ?? "?") (access key \(maskedAccessKeyID ?? "?")"
            if usesSessionToken { s += ", temporary" }
            if let credentialsExpiration { s += ", expires \(ISO8601DateFormatter().string(from: credentialsExpiration))" }
            lines.append(s + ")")
        }
        if embedSucceeded {
            lines.append(String(format: "bedrock: probe embedding OK in %.0f ms", (embedSeconds ?? 0) * 1000))
        } else if let embedError {
            lines.append("bedrock: probe embedding FAILED: \(embedError)")
        }
        return lines.joined(separator: "\n")
    }
}

extension TitanEmbeddingClient {
    /// Diagnoses the Bedrock setup of an environment for `rec doctor`.
    ///
    /// Reads the configuration and the default credential chain exactly as ``fromEnvironment(_:)`` does, then
    /// makes one small call (a 256-d embedding of a short text, one attempt, at most `timeout` seconds).
    /// Never throws: every failure is reported in the result.
    public static func diagnose(env: [String: String], timeout: Double = 10) async -> BedrockDiagnosis {
        var d = BedrockDiagnosis()
        var configuration: BedrockClientConfiguration
        do {
            configuration = try BedrockClientConfiguration.fromEnvironment(env)
        } catch {
            d.configurationError = error.message
            return d
        }
        d.region = configuration.region
        d.endpoint = configuration.endpoint
        d.modelID = configuration.modelID
        d.family = configuration.family
        d.dimensions = configuration.dimensions
        let transport = CurlHTTPTransport(maxConnections: 2)
        let chain = CredentialProviderChain.default(env: env, transport: transport)
        do {
            let credentials = try await chain.credentials()
            d.credentialSource = await chain.currentSource()
            d.maskedAccessKeyID = credentials.maskedAccessKeyID
            d.usesSessionToken = credentials.sessionToken != nil
            d.credentialsExpiration = credentials.expiration
        } catch {
            d.credentialsError = error.message
            return d
        }
        configuration.retryPolicy = .none
        configuration.requestTimeout = min(configuration.requestTimeout, timeout)
        configuration.connectTimeout = min(configuration.connectTimeout, timeout)
        configuration.textPolicy = .truncate
        let client = TitanEmbeddingClient(configuration: configuration, credentialProvider: chain, transport: transport)
        let start = ContinuousClock.now
        do {
            _ = try await client.embed(text: "diagnostic probe", dimensions: 256)
            d.embedSucceeded = true
            let e = ContinuousClock.now - start
            d.embedSeconds = e.seconds
        } catch {
            d.embedError = error
        }
        return d
    }
}
