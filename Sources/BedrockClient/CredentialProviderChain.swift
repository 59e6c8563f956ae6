import Foundation

/// The SDKs' default chain: environment, web identity (EKS IRSA), shared files, container, IMDS, first success wins. Cached and
/// refreshed ahead of expiry by a single task, so a thousand concurrent requests cause one refresh.
public actor CredentialProviderChain: AWSCredentialProvider {
    public nonisolated let providers: [any AWSCredentialProvider]
    /// Refresh this long before `expiration`. Default: 5 min.
    public nonisolated let refreshAhead: TimeInterval
    private var cached: AWSCredentials?
    private var cachedSource: String?
    private var refreshing: Task<(AWSCredentials, String), any Error>?
    private let now: @Sendable () -> Date

    public nonisolated var sourceName: String { "chain" }

    public init(providers: [any AWSCredentialProvider], refreshAhead: TimeInterval = 300,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.providers = providers
        self.refreshAhead = refreshAhead
        self.now = now
    }

    /// The default chain for an environment. Container and IMDS sources use `transport` (default: a new curl
    /// transport); IMDS is skipped when `AWS_EC2_METADATA_DISABLED=true`.
    public static func `default`(env: [String: String], transport: (any HTTPTransport)? = nil) -> CredentialProviderChain {
        let transport = transport ?? CurlHTTPTransport(maxConnections: 2)
        var providers: [any AWSCredentialProvider] = [EnvironmentCredentialProvider(env: env)]
        // EKS IRSA (and other OIDC federation) before the profile files, as the AWS SDKs order them.
        let webIdentity = WebIdentityCredentialProvider(env: env, transport: transport)
        if webIdentity.isConfigured { providers.append(webIdentity) }
        providers.append(ProfileCredentialProvider(env: env))
        let container = ContainerCredentialProvider(env: env, transport: transport)
        if container.isConfigured { providers.append(container) }
        let imds = IMDSCredentialProvider(env: env, transport: transport)
        if !imds.isDisabled { providers.append(imds) }
        return CredentialProviderChain(providers: providers)
    }

    public func invalidate() {
        cached = nil
    }

    /// The source that produced the current credentials (`nil` before the first success).
    public func currentSource() -> String? { cachedSource }

    public func credentials() async throws(BedrockError) -> AWSCredentials {
        if let cached, !cached.expires(within: refreshAhead, of: now()) { return cached }
        let task: Task<(AWSCredentials, String), any Error>
        if let refreshing {
            task = refreshing
        } else {
            let providers = self.providers
            task = Task { try await Self.resolve(providers) }
            refreshing = task
        }
        do {
            let (credentials, source) = try await task.value
            refreshing = nil
            cached = credentials
            cachedSource = source
            return credentials
        } catch {
            refreshing = nil
            // Keep using credentials that have not expired yet when an early refresh fails.
            if let cached, !cached.expires(within: 0, of: now()) { return cached }
            throw (error as? BedrockError) ?? BedrockError(.credentialsUnavailable, "\(error)")
        }
    }

    private static func resolve(_ providers: [any AWSCredentialProvider]) async throws(BedrockError) -> (AWSCredentials, String) {
        var reasons: [String] = []
        for provider in providers {
            do {
                return (try await provider.credentials(), provider.sourceName)
            } catch {
                reasons.append("\(provider.sourceName): \(error.message)")
            }
        }
        throw BedrockError(.credentialsUnavailable, "no credentials found (" + reasons.joined(separator: "; ") + ")")
    }
}
