import Foundation
import Logging
import Metrics
import RecCore

/// The Bedrock embedding client: validates input, signs with SigV4, sends over libcurl, retries per ``RetryPolicy``,
/// and maps every failure to a typed ``BedrockError``.
///
/// It speaks the model family of ``BedrockClientConfiguration/family``: Amazon Titan Multimodal Embeddings G1 (one
/// request, one fused vector for a caption with an image) or Amazon Nova Multimodal Embeddings (one modality per
/// request: a caption with an image is two requests and one fused vector; see ``NovaModel/fuse(_:_:)``). Callers say
/// what to embed and what for (``EmbeddingPurpose``: indexing an item, or a query searching a kind of vector); the
/// family builds the request and parses the response.
///
/// One instance per process is the intended use: it owns the connection pool, the retry budget and the
/// concurrency/rate limits that keep ingestion under the account's quota. Safe to share across tasks.
public final class TitanEmbeddingClient: Sendable {
    public let configuration: BedrockClientConfiguration
    public let credentialProvider: any AWSCredentialProvider
    let transport: any HTTPTransport
    let budget: RetryBudget
    private let limiter: ConcurrencyLimiter
    private let rateLimiter: RequestRateLimiter?
    private let metrics: BedrockMetrics
    private let hostHeader: String
    let logger: Logger
    private let encoder = JSONEncoder()
    /// ``vectorVersion()``'s answer, once known.
    let vectorVersionMemo = Locked<String?>(nil)

    /// - Parameters:
    ///   - transport: default: a new ``CurlHTTPTransport`` sized to `maxConcurrency`.
    ///   - metricsFactory: default: the bootstrapped `MetricsSystem.factory`.
    public init(configuration: BedrockClientConfiguration, credentialProvider: any AWSCredentialProvider,
                transport: (any HTTPTransport)? = nil, logger: Logger = Logger(label: "bedrock"),
                metricsFactory: (any MetricsFactory)? = nil) {
        self.configuration = configuration
        self.credentialProvider = credentialProvider
        self.transport = transport ?? CurlHTTPTransport(maxConnections: max(4, configuration.maxConcurrency * 2))
        budget = RetryBudget(policy: configuration.retryPolicy)
        limiter = ConcurrencyLimiter(limit: configuration.maxConcurrency)
        rateLimiter = configuration.requestsPerMinute.map { RequestRateLimiter(requestsPerMinute: $0) }
        metrics = BedrockMetrics(modelID: configuration.modelID, factory: metricsFactory)
        let c = URLComponents(string: configuration.endpoint)
        let defaultPort = c?.scheme == "https" ? 443 : 80
        hostHeader = (c?.host ?? "") + (c?.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
        self.logger = logger
    }

    /// A client configured from the environment (``BedrockClientConfiguration/fromEnvironment(_:)``) with the
    /// default credential chain (``CredentialProviderChain/default(env:transport:)``).
    public static func fromEnvironment(_ env: [String: String]) throws(BedrockError) -> TitanEmbeddingClient {
        let configuration = try BedrockClientConfiguration.fromEnvironment(env)
        let transport = CurlHTTPTransport(maxConnections: max(4, configuration.maxConcurrency * 2))
        return TitanEmbeddingClient(configuration: configuration,
                                    credentialProvider: CredentialProviderChain.default(env: env, transport: transport),
                                    transport: transport)
    }

    /// Embeds text, an image, or both (one fused vector).
    ///
    /// - Parameters:
    ///   - text: English text; over-long text follows ``BedrockClientConfiguration/textPolicy``.
    ///   - image: PNG or JPEG bytes, at most 5 MB.
    ///   - dimensions: 256, 384 or 1024 (Nova also 3072); `nil` uses ``BedrockClientConfiguration/dimensions`` (default 1024).
    ///   - modelID: overrides ``BedrockClientConfiguration/modelID``: another base model (its family's schema is
    ///     spoken, see ``BedrockClientConfiguration/family(forModelID:)``) or a custom model ARN of the configured family.
    ///   - purpose: what the vector is for (Nova optimises for it; Titan ignores it). Default: ``EmbeddingPurpose/index``.
    /// - Throws: ``BedrockError``: `invalidInput` before any request; Bedrock error codes; transport codes;
    ///   `invalidResponse` for an undecodable body or a vector of the wrong length.
    public func embed(text: String? = nil, image: [UInt8]? = nil, dimensions: Int? = nil,
                      modelID: String? = nil, purpose: EmbeddingPurpose = .index) async throws(BedrockError) -> TitanEmbedding {
        try await embed(TitanInput(text: text, image: image), dimensions: dimensions, modelID: modelID, purpose: purpose)
    }

    /// Embeds one ``TitanInput``; see ``embed(text:image:dimensions:modelID:)``.
    ///
    /// With ``TitanTextPolicy/truncate``, a text Bedrock refuses as too long (``BedrockError/isTextTooLong``) is
    /// cut harder and sent again with the same image, up to ``TitanTokenEstimator/maxTokenLimitRetries`` times;
    /// the result then has ``TitanEmbedding/textWasTruncated`` set and counts the cuts in
    /// ``TitanEmbedding/tokenLimitRetries``. These resends do not draw from the retry budget: they are a
    /// different request, not a repeat of a failed one.
    public func embed(_ input: TitanInput, dimensions: Int? = nil, modelID: String? = nil,
                      purpose: EmbeddingPurpose = .index) async throws(BedrockError) -> TitanEmbedding {
        let dimensions = dimensions ?? configuration.dimensions
        if configuration.family(forModelID: modelID) == .nova {
            return try await embedNova(input, dimensions: dimensions, modelID: modelID, purpose: purpose)
        }
        let first = try TitanEmbeddingRequest.make(input, dimensions: dimensions, textPolicy: configuration.textPolicy)
        var text = first.request.inputText, truncated = first.truncated
        let image = first.request.inputImage
        let url = configuration.invokeURL(modelID: modelID)
        let path = String(url.dropFirst(configuration.endpoint.count))
        var attemptsSoFar = 0
        var cuts = 0
        while true {
            let request = TitanEmbeddingRequest(inputText: text, inputImage: image,
                                                embeddingConfig: .init(outputEmbeddingLength: dimensions))
            let body: [UInt8]
            do { body = Array(try encoder.encode(request)) } catch {
                throw BedrockError(.invalidInput, "could not encode the request")
            }
            do {
                let (decoded, attempts) = try await send(url: url, path: path, body: body, dimensions: dimensions,
                                                         family: .titan, attemptsSoFar: attemptsSoFar)
                return TitanEmbedding(vector: decoded.vector, inputTextTokenCount: decoded.inputTextTokenCount, textWasTruncated: truncated,
                                      attempts: attemptsSoFar + attempts, tokenLimitRetries: cuts)
            } catch {
                guard configuration.textPolicy == .truncate, error.isTextTooLong, let current = text,
                      cuts < TitanTokenEstimator.maxTokenLimitRetries,
                      let shorter = TitanTokenEstimator.cutHarder(current, after: error) else { throw error }
                logger.info("Bedrock refused the text as too long; sending it cut harder",
                            metadata: ["characters": "\(current.count)", "cutTo": "\(shorter.count)", "message": "\(error.message)"])
                metrics.tokenLimitRetries.increment()
                attemptsSoFar = error.attempts
                cuts += 1
                truncated = true
                text = shorter
            }
        }
    }

    /// A response body's vector and what came with it.
    struct DecodedEmbedding: Sendable {
        var vector: [Float]
        /// Titan's `inputTextTokenCount`.
        var inputTextTokenCount: Int?
        /// Nova's `truncatedCharLength`.
        var truncatedCharLength: Int?
    }

    /// Sends one request body with the retry policy.
    ///
    /// - Parameters:
    ///   - family: the response schema to decode.
    ///   - attemptsSoFar: requests already sent for this input (earlier texts), added to errors' `attempts`.
    /// - Returns: the decoded response and the attempts this body took.
    func send(url: String, path: String, body: [UInt8], dimensions: Int, family: EmbeddingModelFamily,
              attemptsSoFar: Int) async throws(BedrockError) -> (DecodedEmbedding, Int) {
        let policy = configuration.retryPolicy
        var attempt = 1
        var lastRetryCost: Int?
        var refreshedExpiredToken = false
        while true {
            do {
                let decoded = try await attemptOnce(url: url, path: path, body: body, dimensions: dimensions, family: family)
                budget.recordSuccess(retryCost: lastRetryCost)
                return (decoded, attempt)
            } catch let failure {
                var error = failure.error
                error.attempts = attemptsSoFar + attempt
                guard error.code != .cancelled, !Task.isCancelled else {
                    throw BedrockError(.cancelled, "embedding cancelled", attempts: attemptsSoFar + attempt)
                }
                // Temporary credentials can expire before their advertised time (revoked session, clock skew):
                // fetch fresh ones once and retry at once, without touching the retry budget.
                if error.code == .expiredToken, !refreshedExpiredToken, attempt < policy.maxAttempts {
                    refreshedExpiredToken = true
                    await credentialProvider.invalidate()
                    attempt += 1
                    continue
                }
                guard error.isRetriable, attempt < policy.maxAttempts else { throw error }
                guard let cost = budget.acquire(afterTimeout: error.isTimeout) else {
                    logger.debug("retry budget exhausted", metadata: ["code": "\(error.code)"])
                    throw BedrockError(error.code, error.message + " (not retried: retry budget exhausted)",
                                       httpStatus: error.httpStatus, requestID: error.requestID, attempts: attemptsSoFar + attempt)
                }
                lastRetryCost = cost
                metrics.retries.increment()
                let delay = policy.delay(beforeRetry: attempt, serverDelay: failure.serverDelay)
                logger.debug("retrying Bedrock request", metadata: ["code": "\(error.code)", "attempt": "\(attempt)", "delay": "\(delay)"])
                if delay > 0 {
                    do { try await Task.sleep(for: .seconds(delay)) } catch {
                        throw BedrockError(.cancelled, "embedding cancelled", attempts: attemptsSoFar + attempt)
                    }
                }
                attempt += 1
            }
        }
    }

    /// Embeds many inputs with at most ``BedrockClientConfiguration/maxConcurrency`` in flight.
    ///
    /// - Returns: one result per input, in input order; a failed item does not fail the batch.
    public func embedBatch(_ inputs: [TitanInput], dimensions: Int? = nil, modelID: String? = nil,
                           purpose: EmbeddingPurpose = .index) async -> [Result<TitanEmbedding, BedrockError>] {
        guard !inputs.isEmpty else { return [] }
        let width = min(configuration.maxConcurrency, inputs.count)
        // Collected as pairs and sorted afterwards: an indexed write into a
        // captured, pre-sized array inside the task group crashes release
        // builds of Swift 6.3.1.
        let pairs = await withTaskGroup(of: (Int, Result<TitanEmbedding, BedrockError>).self) { group in
            var next = 0
            var done: [(Int, Result<TitanEmbedding, BedrockError>)] = []
            done.reserveCapacity(inputs.count)
            func addNext() {
                let i = next
                next += 1
                let input = inputs[i]
                group.addTask {
                    do throws(BedrockError) { return (i, .success(try await self.embed(input, dimensions: dimensions, modelID: modelID, purpose: purpose))) }
                    catch { return (i, .failure(error)) }
                }
            }
            for _ in 0..<width { addNext() }
            while let pair = await group.next() {
                done.append(pair)
                if next < inputs.count { addNext() }
            }
            return done
        }
        return pairs.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// An error with the server's requested delay, if any.
    private struct AttemptFailure: Error {
        var error: BedrockError
        var serverDelay: Double?
    }

    private func attemptOnce(url: String, path: String, body: [UInt8], dimensions: Int,
                             family: EmbeddingModelFamily) async throws(AttemptFailure) -> DecodedEmbedding {
        if let rateLimiter {
            let slot = await rateLimiter.reserve()
            do { try await Task.sleep(until: slot, clock: .continuous) } catch {
                throw AttemptFailure(error: BedrockError(.cancelled, "embedding cancelled"))
            }
        }
        await limiter.acquire()
        defer { limiter.release() }
        let credentials: AWSCredentials
        do { credentials = try await credentialProvider.credentials() } catch {
            throw AttemptFailure(error: error)
        }
        let signer = SigV4Signer(credentials: credentials, region: configuration.region, service: "bedrock")
        var headers: [(name: String, value: String)] = [("Host", hostHeader), ("Content-Type", "application/json"), ("Accept", "application/json")]
        headers += signer.sign(method: "POST", path: path, headers: headers, body: body, date: Date()).headersToAdd
        let request = HTTPTransportRequest(method: "POST", url: url, headers: headers, body: body,
                                           timeout: configuration.requestTimeout, connectTimeout: configuration.connectTimeout)
        metrics.requests.increment()
        let start = ContinuousClock.now
        let response: HTTPTransportResponse
        do {
            response = try await transport.send(request)
        } catch {
            metrics.latency.record(duration: ContinuousClock.now - start)
            metrics.recordError(error)
            throw AttemptFailure(error: error)
        }
        metrics.latency.record(duration: ContinuousClock.now - start)
        let requestID = response.header("x-amzn-RequestId")
        guard (200..<300).contains(response.status) else {
            let error = Self.mapErrorResponse(response)
            metrics.recordError(error)
            throw AttemptFailure(error: error, serverDelay: RetryPolicy.serverDelay(headers: response.headers))
        }
        let decoded: DecodedEmbedding
        do {
            switch family {
            case .titan:
                let titan = try TitanEmbeddingResponse.decodeFast(response.body)
                    ?? JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(response.body))
                decoded = DecodedEmbedding(vector: titan.embedding, inputTextTokenCount: titan.inputTextTokenCount)
            case .nova:
                let nova = try JSONDecoder().decode(NovaEmbeddingResponse.self, from: Data(response.body))
                guard nova.embeddings.count == 1, let entry = nova.embeddings.first else { throw NovaShapeError() }
                decoded = DecodedEmbedding(vector: entry.embedding, truncatedCharLength: entry.truncatedCharLength)
            }
        } catch {
            let e = BedrockError(.invalidResponse, "the response is not a \(family == .titan ? "Titan" : "Nova") embedding document",
                                 httpStatus: response.status, requestID: requestID)
            metrics.recordError(e)
            throw AttemptFailure(error: e)
        }
        guard decoded.vector.count == dimensions else {
            let e = BedrockError(.invalidResponse, "the vector has \(decoded.vector.count) components, expected \(dimensions)",
                                 httpStatus: response.status, requestID: requestID)
            metrics.recordError(e)
            throw AttemptFailure(error: e)
        }
        return decoded
    }

    /// A Nova answer with other than one embedding (a single-modality request answers exactly one).
    private struct NovaShapeError: Error {}

    /// Maps a non-2xx response to a ``BedrockError`` from `x-amzn-ErrorType` (else the body's `__type`, else the status).
    public static func mapErrorResponse(_ response: HTTPTransportResponse) -> BedrockError {
        let requestID = response.header("x-amzn-RequestId")
        var message = (try? JSONDecoder().decode(BedrockErrorBody.self, from: Data(response.body)))?.message
        var type = response.header(BedrockErrorType.headerName).flatMap(BedrockErrorType.named)
        if type == nil, let obj = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
           let t = (obj["__type"] ?? obj["code"]) as? String {
            type = BedrockErrorType.named(t)
        }
        if message == nil {
            let snippet = String(decoding: response.body.prefix(200), as: UTF8.self)
            message = snippet.isEmpty ? "HTTP \(response.status)" : snippet
        }
        let code: BedrockError.Code
        if let type, let c = BedrockError.Code(errorType: type) {
            code = c
        } else {
            switch response.status {
            case 400: code = .validation
            case 401, 403: code = .accessDenied
            case 404: code = .resourceNotFound
            case 408: code = .modelTimeout
            case 424: code = .modelError
            case 429: code = .throttling
            case 500: code = .internalServer
            case 503: code = .serviceUnavailable
            default: code = .unknownServiceError
            }
        }
        return BedrockError(code, message!, httpStatus: response.status, requestID: requestID)
    }
}
