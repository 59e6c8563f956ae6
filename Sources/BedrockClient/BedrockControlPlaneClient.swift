import Foundation

/// The Amazon Bedrock control plane (`bedrock.{region}.amazonaws.com`, SigV4 service `bedrock`): model
/// customization jobs, provisioned throughput for custom models, and batch inference jobs.
///
/// It shares the runtime client's parts: the same ``SigV4Signer``, credential providers, ``HTTPTransport``,
/// ``RetryPolicy`` with its ``RetryBudget`` (throttling, 5xx, timeouts and resets are retried; an expired session
/// token is refreshed once), and ``BedrockError`` codes mapped from `x-amzn-ErrorType` and the `message` body
/// (``TitanEmbeddingClient/mapErrorResponse(_:)``). Request and response bodies are the shapes of the Bedrock API
/// reference (``CreateModelCustomizationJobRequest``, ``ModelInvocationJob``, …). Nothing secret is logged or put in
/// errors: messages carry Bedrock's text, the HTTP status and the request id.
public final class BedrockControlPlaneClient: Sendable {
    public let region: String
    /// Base URL without a trailing slash, e.g. `https://bedrock.us-east-1.amazonaws.com`.
    public let endpoint: String
    public let credentialProvider: any AWSCredentialProvider
    let transport: any HTTPTransport
    public let retryPolicy: RetryPolicy
    let budget: RetryBudget
    /// Whole-attempt timeout, seconds. Default: 30.
    public let requestTimeout: Double
    private let hostHeader: String

    /// - Throws: ``BedrockError`` `configuration` for an endpoint that is not an http(s) URL.
    public init(region: String, endpoint: String? = nil, credentialProvider: any AWSCredentialProvider, transport: (any HTTPTransport)? = nil,
                retryPolicy: RetryPolicy = .standard, requestTimeout: Double = 30) throws(BedrockError) {
        var endpoint = endpoint ?? Self.defaultEndpoint(region: region)
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://"), let c = URLComponents(string: endpoint), let host = c.host else {
            throw BedrockError(.configuration, "Bedrock endpoint '\(endpoint)' is not an http(s) URL")
        }
        self.region = region
        self.endpoint = endpoint
        self.credentialProvider = credentialProvider
        self.transport = transport ?? CurlHTTPTransport(maxConnections: 4)
        self.retryPolicy = retryPolicy
        budget = RetryBudget(policy: retryPolicy)
        self.requestTimeout = requestTimeout
        let defaultPort = c.scheme == "https" ? 443 : 80
        hostHeader = host + (c.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
    }

    /// `https://bedrock.{region}.amazonaws.com` (`.amazonaws.com.cn` in China regions).
    public static func defaultEndpoint(region: String) -> String {
        "https://bedrock.\(region).amazonaws.com" + (region.hasPrefix("cn-") ? ".cn" : "")
    }

    /// The client for an environment: the region and `AWS_MAX_ATTEMPTS` as the runtime client reads them
    /// (``BedrockClientConfiguration/fromEnvironment(_:)``), the endpoint from `AWS_ENDPOINT_URL_BEDROCK`, else
    /// `AWS_ENDPOINT_URL`, else the regional one (the AWS SDKs' service-specific endpoint convention), and the
    /// default credential chain.
    ///
    /// - Throws: ``BedrockError`` `configuration`.
    public static func fromEnvironment(_ env: [String: String], transport: (any HTTPTransport)? = nil) throws(BedrockError) -> BedrockControlPlaneClient {
        let runtime = try BedrockClientConfiguration.fromEnvironment(env)
        let transport = transport ?? CurlHTTPTransport(maxConnections: 4)
        return try BedrockControlPlaneClient(region: runtime.region, endpoint: endpointOverride(env), credentialProvider: CredentialProviderChain.default(env: env, transport: transport),
                                             transport: transport, retryPolicy: runtime.retryPolicy)
    }

    /// `AWS_ENDPOINT_URL_BEDROCK`, else `AWS_ENDPOINT_URL` (blank values count as unset).
    public static func endpointOverride(_ env: [String: String]) -> String? {
        for name in ["AWS_ENDPOINT_URL_BEDROCK", "AWS_ENDPOINT_URL"] {
            if let v = env[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { return v }
        }
        return nil
    }

    // MARK: Model customization

    /// `CreateModelCustomizationJob`: `POST /model-customization-jobs`.
    ///
    /// - Returns: the job ARN.
    public func createModelCustomizationJob(_ request: CreateModelCustomizationJobRequest) async throws(BedrockError) -> String {
        try await call("POST", "/model-customization-jobs", body: request, as: CreatedJob.self).jobArn
    }

    /// `GetModelCustomizationJob`: `GET /model-customization-jobs/{jobIdentifier}` (name or ARN).
    public func getModelCustomizationJob(_ jobIdentifier: String) async throws(BedrockError) -> ModelCustomizationJob {
        try await call("GET", "/model-customization-jobs/" + SigV4Canonical.uriEncode(jobIdentifier), as: ModelCustomizationJob.self)
    }

    /// `ListModelCustomizationJobs`: `GET /model-customization-jobs?…` (one page; follow ``ModelCustomizationJobList/nextToken``).
    public func listModelCustomizationJobs(_ filter: JobListFilter = JobListFilter()) async throws(BedrockError) -> ModelCustomizationJobList {
        try await call("GET", "/model-customization-jobs", query: filter.queryItems, as: ModelCustomizationJobList.self)
    }

    /// `StopModelCustomizationJob`: `POST /model-customization-jobs/{jobIdentifier}/stop`.
    public func stopModelCustomizationJob(_ jobIdentifier: String) async throws(BedrockError) {
        _ = try await send("POST", "/model-customization-jobs/" + SigV4Canonical.uriEncode(jobIdentifier) + "/stop", body: [])
    }

    // MARK: Provisioned throughput

    /// `CreateProvisionedModelThroughput`: `POST /provisioned-model-throughput`.
    ///
    /// - Returns: the provisioned model's ARN, the model id `InvokeModel` then takes.
    public func createProvisionedModelThroughput(_ request: CreateProvisionedModelThroughputRequest) async throws(BedrockError) -> String {
        try await call("POST", "/provisioned-model-throughput", body: request, as: CreatedProvisionedModel.self).provisionedModelArn
    }

    /// `GetProvisionedModelThroughput`: `GET /provisioned-model-throughput/{provisionedModelId}` (name or ARN).
    public func getProvisionedModelThroughput(_ provisionedModelId: String) async throws(BedrockError) -> ProvisionedModelThroughput {
        try await call("GET", "/provisioned-model-throughput/" + SigV4Canonical.uriEncode(provisionedModelId), as: ProvisionedModelThroughput.self)
    }

    // MARK: Batch inference

    /// `CreateModelInvocationJob`: `POST /model-invocation-job`.
    ///
    /// - Returns: the job ARN.
    public func createModelInvocationJob(_ request: CreateModelInvocationJobRequest) async throws(BedrockError) -> String {
        try await call("POST", "/model-invocation-job", body: request, as: CreatedJob.self).jobArn
    }

    /// `GetModelInvocationJob`: `GET /model-invocation-job/{jobIdentifier}` (the job ARN).
    public func getModelInvocationJob(_ jobIdentifier: String) async throws(BedrockError) -> ModelInvocationJob {
        try await call("GET", "/model-invocation-job/" + SigV4Canonical.uriEncode(jobIdentifier), as: ModelInvocationJob.self)
    }

    /// `ListModelInvocationJobs`: `GET /model-invocation-jobs?…` (one page).
    public func listModelInvocationJobs(_ filter: JobListFilter = JobListFilter()) async throws(BedrockError) -> ModelInvocationJobList {
        try await call("GET", "/model-invocation-jobs", query: filter.queryItems, as: ModelInvocationJobList.self)
    }

    /// `StopModelInvocationJob`: `POST /model-invocation-job/{jobIdentifier}/stop`.
    public func stopModelInvocationJob(_ jobIdentifier: String) async throws(BedrockError) {
        _ = try await send("POST", "/model-invocation-job/" + SigV4Canonical.uriEncode(jobIdentifier) + "/stop", body: [])
    }

    // MARK: Transport

    private func call<Response: Decodable>(_ method: String, _ path: String, query: [(name: String, value: String)] = [],
                                           as: Response.Type) async throws(BedrockError) -> Response {
        try decode(try await send(method, path, query: query, body: nil), as: Response.self)
    }

    private func call<Response: Decodable>(_ method: String, _ path: String, body: some Encodable, as: Response.Type) async throws(BedrockError) -> Response {
        let bytes: [UInt8]
        do { bytes = Array(try JSONEncoder().encode(body)) } catch { throw BedrockError(.invalidInput, "could not encode the request") }
        return try decode(try await send(method, path, body: bytes), as: Response.self)
    }

    private func decode<Response: Decodable>(_ body: [UInt8], as: Response.Type) throws(BedrockError) -> Response {
        do { return try JSONDecoder().decode(Response.self, from: Data(body)) } catch {
            throw BedrockError(.invalidResponse, "the answer is not a \(Response.self) document")
        }
    }

    /// Sends one signed request with the retry policy; returns the 2xx body.
    ///
    /// - Parameters:
    ///   - path: already percent-encoded once (an ARN's `:` and `/` as `%3A`, `%2F`); the signer encodes it again
    ///     for the canonical request, as every non-S3 service expects.
    ///   - body: `nil` for a GET (no body, no `Content-Type`).
    func send(_ method: String, _ path: String, query: [(name: String, value: String)] = [], body: [UInt8]?) async throws(BedrockError) -> [UInt8] {
        let rawQuery = query.isEmpty ? nil : query.map { SigV4Canonical.uriEncode($0.name) + "=" + SigV4Canonical.uriEncode($0.value) }.joined(separator: "&")
        let url = endpoint + path + (rawQuery.map { "?" + $0 } ?? "")
        var attempt = 1
        var lastRetryCost: Int?
        var refreshedExpiredToken = false
        while true {
            var serverDelay: Double?
            let error: BedrockError
            do {
                let credentials: AWSCredentials
                credentials = try await credentialProvider.credentials()
                let signer = SigV4Signer(credentials: credentials, region: region, service: "bedrock")
                var headers: [(name: String, value: String)] = [("Host", hostHeader), ("Accept", "application/json")]
                if body != nil { headers.append(("Content-Type", "application/json")) }
                headers += signer.sign(method: method, path: path, query: rawQuery, headers: headers, body: body ?? [], date: Date()).headersToAdd
                let response = try await transport.send(HTTPTransportRequest(method: method, url: url, headers: headers, body: body ?? [],
                                                                             timeout: requestTimeout, connectTimeout: 5, maxResponseBytes: 16 << 20))
                if (200..<300).contains(response.status) {
                    budget.recordSuccess(retryCost: lastRetryCost)
                    return response.body
                }
                serverDelay = RetryPolicy.serverDelay(headers: response.headers)
                error = TitanEmbeddingClient.mapErrorResponse(response)
            } catch let e {
                error = e
            }
            var failure = error
            failure.attempts = attempt
            guard failure.code != .cancelled, !Task.isCancelled else { throw BedrockError(.cancelled, "\(method) \(path) cancelled", attempts: attempt) }
            if failure.code == .expiredToken, !refreshedExpiredToken, attempt < retryPolicy.maxAttempts {
                refreshedExpiredToken = true
                await credentialProvider.invalidate()
                attempt += 1
                continue
            }
            guard failure.isRetriable, attempt < retryPolicy.maxAttempts, let cost = budget.acquire(afterTimeout: failure.isTimeout) else { throw failure }
            lastRetryCost = cost
            let delay = retryPolicy.delay(beforeRetry: attempt, serverDelay: serverDelay)
            if delay > 0 {
                do { try await Task.sleep(for: .seconds(delay)) } catch { throw BedrockError(.cancelled, "\(method) \(path) cancelled", attempts: attempt) }
            }
            attempt += 1
        }
    }
}

extension BedrockControlPlaneClient {
    /// The version of the vectors batch jobs of this endpoint make, as ``TitanEmbeddingClient/vectorVersion()`` asks
    /// it of a runtime endpoint: `""` for Bedrock's own (the model id pins the model), else the stand-in's answer to
    /// `GET /health`. Batch vectors are hashed under ``TitanEmbeddingClient/identity(ofModel:vectorVersion:)`` of it.
    public func vectorVersion() async throws(BedrockError) -> String {
        let probe = TitanEmbeddingClient(configuration: try BedrockClientConfiguration(region: region, endpoint: endpoint, requestTimeout: requestTimeout),
                                         credentialProvider: credentialProvider, transport: transport)
        return try await probe.vectorVersion()
    }

    /// The content-hash name of `modelID` for vectors of this endpoint's batch jobs.
    public func hashModel(of modelID: String) async throws(BedrockError) -> String {
        let version = try await vectorVersion()
        return version.isEmpty ? modelID : modelID + "@" + version
    }
}
