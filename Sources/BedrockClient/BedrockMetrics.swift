import Metrics

/// swift-metrics instruments of one client, dimensioned by model id.
///
/// - `bedrock_requests_total`: attempts sent.
/// - `bedrock_request_duration_seconds` (timer, nanoseconds): per attempt, including failures.
/// - `bedrock_retries_total`: retries scheduled.
/// - `bedrock_throttles_total`: throttling-class answers (429 Throttling / ModelNotReady).
/// - `bedrock_errors_total{type}`: failed attempts by error code.
/// - `bedrock_token_limit_retries_total`: texts sent again cut harder after Bedrock refused them as too long.
struct BedrockMetrics: Sendable {
    let requests: Counter
    let latency: Timer
    let retries: Counter
    let throttles: Counter
    let tokenLimitRetries: Counter
    let model: String
    let factory: any MetricsFactory

    /// - Parameter factory: default: the bootstrapped `MetricsSystem.factory`.
    init(modelID: String, factory: (any MetricsFactory)? = nil) {
        model = modelID
        let factory = factory ?? MetricsSystem.factory
        self.factory = factory
        let dims = [("model", modelID)]
        requests = Counter(label: "bedrock_requests_total", dimensions: dims, factory: factory)
        latency = Timer(label: "bedrock_request_duration_seconds", dimensions: dims, factory: factory)
        retries = Counter(label: "bedrock_retries_total", dimensions: dims, factory: factory)
        throttles = Counter(label: "bedrock_throttles_total", dimensions: dims, factory: factory)
        tokenLimitRetries = Counter(label: "bedrock_token_limit_retries_total", dimensions: dims, factory: factory)
    }

    func recordError(_ error: BedrockError) {
        Counter(label: "bedrock_errors_total", dimensions: [("model", model), ("type", error.code.description)], factory: factory).increment()
        if error.isThrottle { throttles.increment() }
    }
}
