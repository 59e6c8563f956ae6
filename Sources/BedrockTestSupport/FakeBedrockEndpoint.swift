import BedrockClient
import Foundation

/// A loopback Bedrock Runtime `InvokeModel` endpoint for tests and `rec bench bedrock`.
///
/// It verifies every request's SigV4 signature with ``SigV4Verifier`` (so a signing bug fails loudly), answers
/// with a deterministic vector of the requested length, and replays a script of faults first.
public final class FakeBedrockEndpoint: @unchecked Sendable {
    /// One scripted behaviour, consumed by one request.
    public enum Fault: Sendable {
        /// A Bedrock error (status from the type), with optional `Retry-After` header value and message
        /// (default: `injected <type>`).
        case error(BedrockErrorType, retryAfter: String? = nil, message: String? = nil)
        /// 200 with a body that is not JSON.
        case malformedJSON
        /// 200 with a vector of this length, whatever was asked.
        case wrongLength(Int)
        /// Answer normally but after this many seconds.
        case delay(Double)
        /// TCP reset without an answer.
        case reset
    }

    public static let accessKeyID = "AKIDFAKEBEDROCK0001"
    public static let secretAccessKey = "fake/secret+key/for/loopback/tests"
    public static var credentials: AWSCredentials { AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey) }

    private let lock = NSLock()
    private var script: [Fault]
    private var afterScript: Fault?
    private var count = 0
    private var inFlight = 0
    private var maxInFlight = 0
    private var modelIDs: [String] = []
    private var requests: [TitanEmbeddingRequest] = []
    private var novaRequests: [NovaEmbeddingRequest] = []
    private let maxTextTokens: Int?
    private var server: LoopbackHTTPServer!
    private let verifier: SigV4Verifier
    private let latency: Double

    /// - Parameters:
    ///   - faults: behaviours for the first requests, in order; then every request succeeds (or gets `thenAlways`).
    ///   - thenAlways: a fault for every request after the script (e.g. a 503 storm).
    ///   - latency: seconds every answer waits (simulated model latency). Default: 0.
    ///   - maxTextTokens: refuse texts of more tokens (the fake counts space-separated words) with Titan's
    ///     `ValidationException` "Too many input tokens". Default: no limit.
    public init(faults: [Fault] = [], thenAlways: Fault? = nil, latency: Double = 0, maxTextTokens: Int? = nil,
                region: String = "us-east-1") throws {
        script = faults
        afterScript = thenAlways
        self.latency = latency
        self.maxTextTokens = maxTextTokens
        verifier = SigV4Verifier(secretsByAccessKeyID: [Self.accessKeyID: Self.secretAccessKey], region: region, service: "bedrock")
        // Weak: a connection thread may still read a request while the endpoint is being deinitialised.
        server = try LoopbackHTTPServer { [weak self] request in self?.handle(request) ?? .close }
    }

    deinit { server.shutdown() }

    /// `http://127.0.0.1:<port>`.
    public var endpoint: String { server.baseURL }

    /// Requests received so far (including faulted ones).
    public var requestCount: Int { lock.lock(); defer { lock.unlock() }; return count }

    /// The most requests this endpoint was serving at once.
    public var maxConcurrentRequests: Int { lock.lock(); defer { lock.unlock() }; return maxInFlight }

    /// Decoded model ids of the requests received, in order.
    public var receivedModelIDs: [String] { lock.lock(); defer { lock.unlock() }; return modelIDs }

    /// The well-formed request bodies received, in order.
    public var receivedRequests: [TitanEmbeddingRequest] { lock.lock(); defer { lock.unlock() }; return requests }

    /// The well-formed Nova request bodies received (those with a `taskType`), in order.
    public var receivedNovaRequests: [NovaEmbeddingRequest] { lock.lock(); defer { lock.unlock() }; return novaRequests }

    /// The vector the fake's Nova answer carries for one request: the Titan fake's vector of its text (an image
    /// request: of no text), so a caption with an image fuses two known vectors.
    public static func expectedNovaVector(text: String?, dimensions: Int) -> [Float] { expectedVector(text: text, dimensions: dimensions) }

    /// The fake's token count of a text: its space-separated words.
    public static func tokenCount(_ text: String) -> Int { text.split(whereSeparator: { $0 == " " }).count }

    public func shutdown() { server.shutdown() }

    /// The vector the fake returns for a text and length: unit-norm-ish, deterministic, text-dependent.
    public static func expectedVector(text: String?, dimensions: Int) -> [Float] {
        var h: UInt64 = 1469598103934665603
        for b in (text ?? "<image>").utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return (0..<dimensions).map { i in Float(Int((h >> UInt64(i % 48)) & 0xff) - 128) / 1024 }
    }

    /// Serves one request; the simulated latency is slept here, so ``maxConcurrentRequests`` covers it.
    private func handle(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        lock.lock()
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        lock.unlock()
        defer { lock.lock(); inFlight -= 1; lock.unlock() }
        let reply = answer(request)
        if case .respond(let status, let headers, let body, let delay) = reply, delay > 0 {
            Thread.sleep(forTimeInterval: delay)
            return .respond(status: status, headers: headers, body: body, delay: 0)
        }
        return reply
    }

    private func answer(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        // The client's vector-version question (TitanEmbeddingClient.vectorVersion()): answered as Bedrock would,
        // outside the counts and the fault script, which are about invocations.
        if request.method == "GET", request.rawPath == "/health" {
            return .respond(status: 403, headers: [("Content-Type", "application/json")], body: Array(#"{"message":"Missing Authentication Token"}"#.utf8))
        }
        lock.lock()
        count += 1
        let fault: Fault? = script.isEmpty ? afterScript : script.removeFirst()
        lock.unlock()
        if let (type, message) = verifier.rejection(of: request) { return Self.error(type, message) }
        let parts = request.rawPath.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[0] == "model", parts[2] == "invoke", request.method == "POST" else {
            return Self.error(.resourceNotFound, "unknown operation")
        }
        let modelID = SigV4Canonical.percentDecode(parts[1])
        lock.lock(); modelIDs.append(modelID); lock.unlock()
        if let nova = try? JSONDecoder().decode(NovaEmbeddingRequest.self, from: Data(request.body)) {
            return answerNova(nova, fault: fault)
        }
        guard let body = try? JSONDecoder().decode(TitanEmbeddingRequest.self, from: Data(request.body)) else {
            return Self.error(.validation, "Malformed input request")
        }
        lock.lock(); requests.append(body); lock.unlock()
        let dimensions = body.embeddingConfig?.outputEmbeddingLength ?? 1024
        var length = dimensions, delay = latency
        if let reply = apply(fault, truncatedBody: "{\"embedding\":[0.1,", length: &length, delay: &delay) { return reply }
        if let maxTextTokens, let text = body.inputText, Self.tokenCount(text) > maxTextTokens {
            return Self.error(.validation, "400 Bad Request: Too many input tokens. Max input tokens: \(maxTextTokens), request input token count: \(Self.tokenCount(text))")
        }
        var vector = Self.expectedVector(text: body.inputText, dimensions: dimensions)
        if length != dimensions { vector = Array(repeating: 0.5, count: length) }
        var json = "{\"embedding\":["
        json.reserveCapacity(length * 12)
        for (i, v) in vector.enumerated() {
            if i > 0 { json += "," }
            json += v.description
        }
        json += "]"
        if let text = body.inputText {
            json += ",\"inputTextTokenCount\":\(Self.tokenCount(text))"
        }
        json += "}"
        return .respond(status: 200, headers: [("Content-Type", "application/json"), ("x-amzn-RequestId", UUID().uuidString)],
                        body: Array(json.utf8), delay: delay)
    }

    /// The injected fault's own answer (nil: answer normally, with `length` and `delay` as the fault changed them).
    private func apply(_ fault: Fault?, truncatedBody: String, length: inout Int, delay: inout Double) -> LoopbackHTTPServer.Reply? {
        switch fault {
        case .error(let type, let retryAfter, let message)?:
            var reply = Self.error(type, message ?? "injected \(type.name)")
            if let retryAfter, case .respond(let s, var h, let b, _) = reply {
                h.append(("Retry-After", retryAfter))
                reply = .respond(status: s, headers: h, body: b, delay: latency)
            }
            return reply
        case .malformedJSON?:
            return .respond(status: 200, headers: [("Content-Type", "application/json")], body: Array(truncatedBody.utf8), delay: latency)
        case .wrongLength(let n)?:
            length = n
        case .delay(let seconds)?:
            delay += seconds
        case .reset?:
            return .reset
        case nil:
            break
        }
        return nil
    }

    /// A Nova answer: `{"embeddings":[{"embeddingType":…,"embedding":[…]}]}`, with the same faults as Titan's.
    private func answerNova(_ body: NovaEmbeddingRequest, fault: Fault?) -> LoopbackHTTPServer.Reply {
        lock.lock(); novaRequests.append(body); lock.unlock()
        let params = body.singleEmbeddingParams
        let dimensions = params.embeddingDimension ?? 3072
        guard (params.text == nil) != (params.image == nil) else {
            return Self.error(.validation, "Malformed input request: #/singleEmbeddingParams: exactly one of [text, image, video, audio] must be present")
        }
        var length = dimensions, delay = latency
        if let reply = apply(fault, truncatedBody: "{\"embeddings\":[{", length: &length, delay: &delay) { return reply }
        if let maxTextTokens, let text = params.text?.value, Self.tokenCount(text) > maxTextTokens, params.text?.truncationMode == "NONE" {
            return Self.error(.validation, "400 Bad Request: Too many input tokens. Max input tokens: \(maxTextTokens), request input token count: \(Self.tokenCount(text))")
        }
        var vector = Self.expectedNovaVector(text: params.text?.value, dimensions: dimensions)
        if length != dimensions { vector = Array(repeating: 0.5, count: length) }
        var json = "{\"embeddings\":[{\"embeddingType\":\"\(params.text != nil ? "TEXT" : "IMAGE")\",\"embedding\":["
        json += vector.map(\.description).joined(separator: ",")
        json += "]}]}"
        return .respond(status: 200, headers: [("Content-Type", "application/json"), ("x-amzn-RequestId", UUID().uuidString)],
                        body: Array(json.utf8), delay: delay)
    }

    private static func error(_ type: BedrockErrorType, _ message: String) -> LoopbackHTTPServer.Reply {
        let body = (try? JSONEncoder().encode(BedrockErrorBody(message: message))).map(Array.init) ?? []
        return .respond(status: type.httpStatus,
                        headers: [("Content-Type", "application/json"),
                                  (BedrockErrorType.headerName, "\(type.name):http://internal.amazon.com/coral/com.amazon.bedrock/")],
                        body: body)
    }
}
