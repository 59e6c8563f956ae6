import Metrics

/// swift-metrics instruments of one client, dimensioned by model id.
///
/// - `bedrock_requests_total`: attempts sent.
/// - `bedrock_request_duration_seconds` (timer, nanoseconds): per attempt, including failures.
/// - `bedrock_retries_total`: retries scheduled.
/// - `bedrock_throttles_total`: throttling-class answers (429 Throttling / ModelNotReady).
/// - `bedrock_errors_total{type}`: failed attempts by error code.
struct BedrockMetrics: Sendable {
    let requests: Counter
    let latency: Timer
    let retries: Counter
    let throttles: Counter
    let model: String

    init(modelID: String) {
        model = modelID
        let dims = [("model", modelID)]
        requests = Counter(label: "bedrock_requests_total", dimensions: dims)
        latency = Timer(label: "bedrock_request_duration_seconds", dimensions: dims)
        retries = Counter(label: "bedrock_retries_total", dimensions: dims)
        throttles = Counter(label: "bedrock_throttles_total", dimensions: dims)
    }

    func recordError(_ error: BedrockError) {
        Counter(label: "bedrock_errors_total", dimensions: [("model", model), ("type", error.code.description)]).increment()
        if error.isThrottle { throttles.increment() }
    }
}
