import BedrockTestSupport
import MetricsTestKit
import Foundation
import Testing
@testable import BedrockClient

/// End to end against a loopback Bedrock fake that verifies every SigV4 signature.
@Suite struct TitanEmbeddingClientTests {
    static let fastRetries = RetryPolicy(maxAttempts: 3, baseDelay: 0.001, maxBackoff: 0.01)

    static func client(_ fake: FakeBedrockEndpoint, retry: RetryPolicy = fastRetries, requestTimeout: Double = 10,
                       credentials: AWSCredentials = FakeBedrockEndpoint.credentials, modelID: String = TitanModel.multimodalEmbeddingsV1,
                       textPolicy: TitanTextPolicy = .truncate, maxConcurrency: Int = 8) throws -> TitanEmbeddingClient {
        let config = try BedrockClientConfiguration(region: "us-east-1", endpoint: fake.endpoint, modelID: modelID,
                                                    textPolicy: textPolicy, connectTimeout: 10, requestTimeout: requestTimeout,
                                                    retryPolicy: retry, maxConcurrency: maxConcurrency)
        return TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(credentials))
    }

    @Test func embedsTextWithASignedRequest() async throws {
        let fake = try FakeBedrockEndpoint()
        let client = try Self.client(fake)
        let result = try await client.embed(text: "red running shoes", dimensions: 384)
        #expect(result.vector == FakeBedrockEndpoint.expectedVector(text: "red running shoes", dimensions: 384))
        #expect(result.inputTextTokenCount == 3)
        #expect(result.attempts == 1)
        #expect(fake.requestCount == 1)
        // Default dimension from the configuration.
        let full = try await client.embed(text: "blue hat")
        #expect(full.vector.count == 1024)
    }

    @Test func sessionTokenIsSignedAndAccepted() async throws {
        let fake = try FakeBedrockEndpoint()
        var creds = FakeBedrockEndpoint.credentials
        creds.sessionToken = "session/token+with=chars"
        let client = try Self.client(fake, credentials: creds)
        let result = try await client.embed(text: "a", dimensions: 256)
        #expect(result.vector.count == 256)
    }

    @Test func modelArnIsPercentEncodedInThePath() async throws {
        let fake = try FakeBedrockEndpoint()
        let arn = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-embed-image-v1:0/abc123"
        let client = try Self.client(fake, modelID: arn)
        _ = try await client.embed(text: "shoe", dimensions: 256)
        #expect(fake.receivedModelIDs == [arn])
        #expect(client.configuration.invokeURL().hasSuffix("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Acustom-model%2Famazon.titan-embed-image-v1%3A0%2Fabc123/invoke"))
    }

    @Test func imageOnlyAndFusedInputs() async throws {
        let fake = try FakeBedrockEndpoint()
        let client = try Self.client(fake)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 1, count: 64)
        let imageOnly = try await client.embed(image: png, dimensions: 256)
        #expect(imageOnly.vector.count == 256)
        #expect(imageOnly.inputTextTokenCount == nil)
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 2, count: 64)
        let fused = try await client.embed(text: "chair", image: jpeg, dimensions: 256)
        #expect(fused.vector == FakeBedrockEndpoint.expectedVector(text: "chair", dimensions: 256))
    }

    @Test func throttlingThenSuccessIsRetried() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.error(.throttling, retryAfter: "0")])
        let client = try Self.client(fake)
        let result = try await client.embed(text: "lamp", dimensions: 256)
        #expect(result.attempts == 2)
        #expect(result.vector == FakeBedrockEndpoint.expectedVector(text: "lamp", dimensions: 256))
        #expect(fake.requestCount == 2)
    }

    @Test func modelNotReadyAndResetAreRetried() async throws {
        // The reset comes first, on a fresh connection: on a reused keep-alive connection libcurl itself
        // re-sends a request whose connection died before any byte of answer.
        let fake = try FakeBedrockEndpoint(faults: [.reset, .error(.modelNotReady)])
        let client = try Self.client(fake)
        let result = try await client.embed(text: "desk", dimensions: 256)
        #expect(result.attempts == 3)
        #expect(fake.requestCount == 3)
    }

    @Test func persistentThrottlingFailsAfterMaxAttempts() async throws {
        let fake = try FakeBedrockEndpoint(thenAlways: .error(.throttling))
        let client = try Self.client(fake)
        let error = await #expect(throws: BedrockError.self) { try await client.embed(text: "x", dimensions: 256) }
        #expect(error?.code == .throttling)
        #expect(error?.httpStatus == 429)
        #expect(error?.attempts == 3)
        // Every attempt reaches the endpoint: another test's fake shutting down no longer resets this one's
        // connections (see LoopbackHTTPServerTests).
        #expect(fake.requestCount == 3, "\(fake.requestCount) requests for 3 attempts")
    }

    @Test func serviceUnavailableStormIsStoppedByTheRetryBudget() async throws {
        let fake = try FakeBedrockEndpoint(thenAlways: .error(.serviceUnavailable))
        // 20 tokens pay for exactly 4 retries of cost 5.
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: 0.001, maxBackoff: 0.01, budgetCapacity: 20)
        let client = try Self.client(fake, retry: policy)
        var attempts: [Int] = []
        for _ in 0..<6 {
            do {
                _ = try await client.embed(text: "storm", dimensions: 256)
            } catch {
                #expect(error.code == .serviceUnavailable)
                attempts.append(error.attempts)
            }
        }
        #expect(attempts == [3, 3, 1, 1, 1, 1])
        #expect(fake.requestCount == 6 + 4)
        #expect(client.budget.available == 0)
    }

    @Test func slowResponseTimesOut() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.delay(3)])
        let client = try Self.client(fake, retry: .none, requestTimeout: 0.3)
        let error = await #expect(throws: BedrockError.self) { try await client.embed(text: "slow", dimensions: 256) }
        #expect(error?.code == .timeout)
        #expect(error?.isRetriable == true)
        #expect(error?.attempts == 1)
    }

    @Test func slowResponseIsRetriedAfterTimeout() async throws {
        // The retry must answer within the timeout while the whole suite runs in parallel on two
        // cores: 0.3 s was too tight there (CI saw the retry time out as well), 2 s is not.
        let fake = try FakeBedrockEndpoint(faults: [.delay(8)])
        let client = try Self.client(fake, requestTimeout: 2)
        let result = try await client.embed(text: "slow", dimensions: 256)
        #expect(result.attempts == 2)
        #expect(client.budget.available == 500 - 10 + 10) // timeout retry cost refunded by the success
    }

    @Test func malformedJSONIsAnInvalidResponseNotRetried() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.malformedJSON])
        let client = try Self.client(fake)
        let error = await #expect(throws: BedrockError.self) { try await client.embed(text: "x", dimensions: 256) }
        #expect(error?.code == .invalidResponse)
        #expect(fake.requestCount == 1)
    }

    @Test func wrongVectorLengthIsRejected() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.wrongLength(1024)])
        let client = try Self.client(fake)
        let error = await #expect(throws: BedrockError.self) { try await client.embed(text: "x", dimensions: 256) }
        #expect(error?.code == .invalidResponse)
        #expect(error?.message.contains("1024") == true)
    }

    @Test func connectionResetWithoutRetries() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.reset])
        let client = try Self.client(fake, retry: .none)
        let error = await #expect(throws: BedrockError.self) { try await client.embed(text: "x", dimensions: 256) }
        #expect(error?.code == .connectionReset)
    }

    @Test func validationAndAuthErrorsAreNotRetried() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.error(.validation), .error(.accessDenied), .error(.resourceNotFound), .error(.serviceQuotaExceeded)])
        let client = try Self.client(fake)
        for expected in [BedrockError.Code.validation, .accessDenied, .resourceNotFound, .serviceQuotaExceeded] {
            let error = await #expect(throws: BedrockError.self) { try await client.embed(text: "x", dimensions: 256) }
            #expect(error?.code == expected)
            #expect(error?.attempts == 1)
        }
        #expect(fake.requestCount == 4)
    }

    @Test func wrongSecretIsAnInvalidSignature() async throws {
        let fake = try FakeBedrockEndpoint()
        var creds = FakeBedrockEndpoint.credentials
        creds.secretAccessKey = "wrong"
        let client = try Self.client(fake, credentials: creds)
        let error = await #expect(throws: BedrockError.self) { try await client.embed(text: "x", dimensions: 256) }
        #expect(error?.code == .invalidSignature)
        #expect(error?.httpStatus == 403)
        #expect(error.map { !"\($0)".contains("wrong") } == true)
        creds = FakeBedrockEndpoint.credentials
        creds.accessKeyID = "AKIDNOBODY"
        let unknown = await #expect(throws: BedrockError.self) { try await Self.client(fake, credentials: creds).embed(text: "x", dimensions: 256) }
        #expect(unknown?.code == .unrecognizedClient)
    }

    @Test func clientSideChecksSendNothing() async throws {
        let fake = try FakeBedrockEndpoint()
        let client = try Self.client(fake)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let cases: [(String?, [UInt8]?, Int)] = [
            (nil, nil, 256),                                            // no input
            ("   ", nil, 256),                                          // blank text only
            (nil, png + [UInt8](repeating: 0, count: 5 * 1024 * 1024), 256), // over 5 MB
            (nil, Array("GIF89a....".utf8), 256),                       // not PNG/JPEG
            (nil, [], 256),                                             // empty image
            ("ok", nil, 512),                                           // unsupported dimension
        ]
        for (text, image, dims) in cases {
            let error = await #expect(throws: BedrockError.self) { try await client.embed(text: text, image: image, dimensions: dims) }
            #expect(error?.code == .invalidInput)
        }
        #expect(fake.requestCount == 0)
    }

    @Test func longTextFollowsThePolicy() async throws {
        let fake = try FakeBedrockEndpoint()
        let long = Array(repeating: "comfortable", count: 200).joined(separator: " ")
        let truncating = try Self.client(fake, textPolicy: .truncate)
        let cut = try await truncating.embed(text: long, dimensions: 256)
        #expect(cut.textWasTruncated)
        let rejecting = try Self.client(fake, textPolicy: .reject)
        let error = await #expect(throws: BedrockError.self) { try await rejecting.embed(text: long, dimensions: 256) }
        #expect(error?.code == .invalidInput)
        #expect(fake.requestCount == 1)
    }

    @Test func batchKeepsInputOrderAndPerItemErrors() async throws {
        let fake = try FakeBedrockEndpoint(latency: 0.005)
        let client = try Self.client(fake, maxConcurrency: 4)
        var inputs = (0..<20).map { TitanInput(text: "item \($0)") }
        inputs[7] = TitanInput()
        let results = await client.embedBatch(inputs, dimensions: 256)
        #expect(results.count == 20)
        for (i, r) in results.enumerated() {
            if i == 7 {
                #expect(throws: BedrockError.self) { try r.get() }
            } else {
                #expect((try? r.get().vector) == FakeBedrockEndpoint.expectedVector(text: "item \(i)", dimensions: 256))
            }
        }
        #expect(fake.requestCount == 19)
    }

    @Test func refusedConnectionIsAConnectFailure() async throws {
        let fake = try FakeBedrockEndpoint()
        let endpoint = fake.endpoint
        fake.shutdown()
        let config = try BedrockClientConfiguration(endpoint: endpoint, retryPolicy: .none)
        let client = TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
        let error = await #expect(throws: BedrockError.self) { try await client.embed(text: "x", dimensions: 256) }
        #expect(error?.code == .connectFailure)
    }
}

@Suite struct TransportErrorTests {
    static func embed(endpoint: String) async throws -> BedrockError? {
        let config = try BedrockClientConfiguration(endpoint: endpoint, connectTimeout: 5, requestTimeout: 10,
                                                    retryPolicy: TitanEmbeddingClientTests.fastRetries)
        let client = TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
        do {
            _ = try await client.embed(text: "x", dimensions: 256)
            return nil
        } catch {
            return error
        }
    }

    @Test func unresolvableHostIsADNSFailureNotRetried() async throws {
        // `.invalid` is reserved (RFC 6761): it never resolves.
        let error = try await Self.embed(endpoint: "http://bedrock-runtime.example.invalid")
        #expect(error?.code == .dnsFailure)
        #expect(error?.attempts == 1)
    }

    @Test func tlsHandshakeAgainstAPlainHTTPServerIsATLSFailure() async throws {
        let fake = try FakeBedrockEndpoint()
        let error = try await Self.embed(endpoint: fake.endpoint.replacingOccurrences(of: "http://", with: "https://"))
        #expect(error?.code == .tlsFailure)
        #expect(error?.isRetriable == false)
    }
}

@Suite struct RetryAndInputRulesTests {
    @Test func backoffIsFullJitterCapped() {
        let p = RetryPolicy.standard
        #expect(p.delay(beforeRetry: 1, random: 0.5) == 0.5)
        #expect(p.delay(beforeRetry: 3, random: 0.5) == 2)
        #expect(p.delay(beforeRetry: 10, random: 0.999) <= 20)
        #expect(p.delay(beforeRetry: 2, random: 0) == 0)
        #expect(p.delay(beforeRetry: 1, serverDelay: 7, random: 0.1) == 7)
        #expect(p.delay(beforeRetry: 1, serverDelay: 600, random: 0.1) == 20)
    }

    @Test func serverDelayHeaders() {
        #expect(RetryPolicy.serverDelay(headers: [("Retry-After", "3")]) == 3)
        #expect(RetryPolicy.serverDelay(headers: [("x-amz-retry-after", "1500")]) == 1.5)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.serverDelay(headers: [("retry-after", "Tue, 14 Nov 2023 22:13:30 GMT")], now: now) == 10)
        #expect(RetryPolicy.serverDelay(headers: []) == nil)
    }

    @Test func budgetAccounting() {
        let budget = RetryBudget(policy: RetryPolicy(budgetCapacity: 12))
        #expect(budget.acquire(afterTimeout: true) == 10)
        #expect(budget.acquire(afterTimeout: false) == nil)
        budget.recordSuccess(retryCost: nil)
        budget.recordSuccess(retryCost: nil)
        budget.recordSuccess(retryCost: nil)
        #expect(budget.acquire(afterTimeout: false) == 5)
        budget.recordSuccess(retryCost: 50)
        #expect(budget.available == 12)
    }

    @Test func tokenEstimateIsConservativeAndTruncationKeepsWords() {
        #expect(TitanTokenEstimator.estimate("red shoes") == 3) // 1 + ceil(5/4)
        #expect(TitanTokenEstimator.estimate("a, b.") == 4)
        let text = (0..<100).map { "word\($0)" }.joined(separator: " ")
        let (cut, truncated) = TitanTokenEstimator.truncate(text)
        #expect(truncated)
        #expect(TitanTokenEstimator.estimate(cut) <= TitanTokenEstimator.budget)
        #expect(text.hasPrefix(cut))
        #expect(cut.split(separator: " ").allSatisfy { $0.hasPrefix("word") && $0.count > 4 })
        #expect(TitanTokenEstimator.truncate("short text") == ("short text", false))
    }

    @Test func errorTypeMappingFromResponses() {
        func map(_ status: Int, _ type: String?, _ body: String) -> BedrockError {
            var h: [(name: String, value: String)] = [("x-amzn-RequestId", "rid-1")]
            if let type { h.append(("x-amzn-ErrorType", type)) }
            return TitanEmbeddingClient.mapErrorResponse(HTTPTransportResponse(status: status, headers: h, body: Array(body.utf8)))
        }
        let t = map(429, "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/", #"{"message":"Too many requests, please wait before trying again."}"#)
        #expect(t.code == .throttling)
        #expect(t.isRetriable)
        #expect(t.requestID == "rid-1")
        #expect(t.message.hasPrefix("Too many requests"))
        #expect(map(429, "ModelNotReadyException", "{}").code == .modelNotReady)
        #expect(map(400, nil, #"{"__type":"ValidationException","message":"bad"}"#).code == .validation)
        #expect(map(424, "ModelErrorException", "{}").isRetriable == false)
        #expect(map(502, nil, "<html>bad gateway</html>").code == .unknownServiceError)
        #expect(map(502, nil, "").isRetriable)
        #expect(map(503, nil, "").code == .serviceUnavailable)
        #expect(!map(400, "ServiceQuotaExceededException", "{}").isRetriable)
    }
}

@Suite struct ClientLimitsAndDiagnosticsTests {
    @Test func concurrencyLimitBoundsRequestsInFlight() async throws {
        let fake = try FakeBedrockEndpoint(latency: 0.03)
        let client = try TitanEmbeddingClientTests.client(fake, maxConcurrency: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<12 { group.addTask { _ = try await client.embed(text: "item \(i)", dimensions: 256) } }
            try await group.waitForAll()
        }
        #expect(fake.requestCount == 12)
        #expect(fake.maxConcurrentRequests <= 3)
        #expect(fake.maxConcurrentRequests >= 1)
    }

    @Test func requestsPerMinuteSpacesSlotsEvenly() async {
        let limiter = RequestRateLimiter(requestsPerMinute: 60)
        let a = await limiter.reserve()
        let b = await limiter.reserve()
        let c = await limiter.reserve()
        #expect(b - a == .seconds(1))
        #expect(c - b == .seconds(1))
    }

    @Test func cancellingTheCallerAbortsTheRequest() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.delay(30)])
        let client = try TitanEmbeddingClientTests.client(fake)
        let task = Task { () async -> BedrockError.Code? in
            do throws(BedrockError) { _ = try await client.embed(text: "slow", dimensions: 256); return nil } catch { return error.code }
        }
        while fake.requestCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        let code = await task.value
        #expect(code == .cancelled)
        #expect(fake.requestCount == 1)
    }

    @Test func metricsCountRequestsRetriesThrottlesAndErrors() async throws {
        let metrics = TestMetrics()
        let fake = try FakeBedrockEndpoint(faults: [.error(.validation), .error(.throttling)])
        let config = try BedrockClientConfiguration(endpoint: fake.endpoint, retryPolicy: TitanEmbeddingClientTests.fastRetries)
        let client = TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials),
                                          metricsFactory: metrics)
        _ = try? await client.embed(text: "a", dimensions: 256) // validation, not retried
        _ = try await client.embed(text: "b", dimensions: 256)  // throttled once, then succeeds
        let model = [("model", TitanModel.multimodalEmbeddingsV1)]
        #expect(metrics.counterTotal(label: "bedrock_requests_total", dimensions: model) == 3)
        #expect(metrics.counterTotal(label: "bedrock_retries_total", dimensions: model) == 1)
        #expect(metrics.counterTotal(label: "bedrock_throttles_total", dimensions: model) == 1)
        #expect(metrics.counterTotal(label: "bedrock_errors_total", dimensions: model + [("type", "validation")]) == 1)
        #expect(try metrics.expectTimer("bedrock_request_duration_seconds", model).values.count == 3)
    }

    @Test func diagnoseReportsSourceMaskedKeyAndProbe() async throws {
        let fake = try FakeBedrockEndpoint()
        let env = ["AWS_ACCESS_KEY_ID": FakeBedrockEndpoint.accessKeyID, "AWS_SECRET_ACCESS_KEY": FakeBedrockEndpoint.secretAccessKey,
                   "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": fake.endpoint, "HOME": "/nonexistent",
                   "AWS_EC2_METADATA_DISABLED": "true"]
        let ok = await TitanEmbeddingClient.diagnose(env: env)
        #expect(ok.isHealthy)
        #expect(ok.credentialSource == "environment")
        #expect(ok.maskedAccessKeyID == "***************0001")
        #expect(ok.endpoint == fake.endpoint)
        #expect(!ok.description.contains(FakeBedrockEndpoint.secretAccessKey))
        #expect(!ok.description.contains("AKIDFAKE"))

        var bad = env
        bad["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
        let failed = await TitanEmbeddingClient.diagnose(env: bad)
        #expect(!failed.isHealthy)
        #expect(failed.embedError?.code == .invalidSignature)
        #expect(!failed.description.contains("wrong-secret"))

        let noCreds = await TitanEmbeddingClient.diagnose(env: ["HOME": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"])
        #expect(noCreds.credentialsError != nil)
        #expect(!noCreds.isHealthy)
    }
}
