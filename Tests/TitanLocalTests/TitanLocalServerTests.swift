import BedrockClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import TitanLocal

@Suite("rec titan-local HTTP server", .enabled(if: TestResources.modelTestsEnabled, "model files absent (set REC_INTEGRATION=1 to require them)"))
struct TitanLocalServerTests {
    static let embedder: Result<TitanEmbedder, any Error> = TestResources.model.map { TitanEmbedder(model: $0) }
    static let accessKey = "AKIDTITANTEST"
    static let secret = "titan-test-secret"
    static let invokePath = "/model/amazon.titan-embed-image-v1/invoke"

    static func server(auth: Bool = false, faults: FaultInjection = .none) throws -> TitanLocalServer {
        let embedder = try embedder.get()
        let authentication: TitanLocalConfiguration.Authentication = auth
            ? .sigV4(SigV4Verifier(secretsByAccessKeyID: [accessKey: secret], region: "us-east-1", service: "bedrock"))
            : .none
        let configuration = TitanLocalConfiguration(port: 0, modelDirectory: embedder.model.directory,
                                                    authentication: authentication, faults: faults)
        return TitanLocalServer(embedder: embedder, configuration: configuration)
    }

    /// Signs like the product's client: host `localhost` (the test frameworks' authority).
    static func signedHeaders(path: String = invokePath, body: String, secret: String = secret, date: Date = Date()) -> HTTPFields {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret),
                                 region: "us-east-1", service: "bedrock")
        let base: [(name: String, value: String)] = [("host", "localhost"), ("content-type", "application/json")]
        let signature = signer.sign(method: "POST", path: path, headers: base, body: Array(body.utf8), date: date)
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in signature.headersToAdd { fields[HTTPField.Name(name)!] = value }
        return fields
    }

    static func errorType(_ response: TestResponse) -> String? {
        response.headers[HTTPField.Name(BedrockErrorType.headerName)!]
    }

    static func message(_ response: TestResponse) throws -> String {
        try JSONDecoder().decode(BedrockErrorBody.self, from: Data(buffer: response.body)).message
    }

    @Test("a text request returns the embedding, the token count and the stand-in header")
    func invokeText() async throws {
        let app = Application(router: try Self.server().makeRouter())
        try await app.test(.router) { client in
            let body = #"{"inputText":"red cotton summer dress","embeddingConfig":{"outputEmbeddingLength":256}}"#
            try await client.execute(uri: Self.invokePath, method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name(TitanLocalInfo.standInHeader)!] == TitanLocalInfo.standInDescription)
                #expect(response.headers[.contentType] == "application/json")
                let answer = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(buffer: response.body))
                #expect(answer.embedding.count == 256)
                #expect(answer.inputTextTokenCount == 4)
            }
        }
    }

    @Test("an image request with a JPEG returns 1024 dimensions by default")
    func invokeImage() async throws {
        let app = Application(router: try Self.server().makeRouter())
        let image = try ImageCodec.encodeJPEG(TestPictures.discAndBar(width: 128, height: 128)).base64()
        try await app.test(.router) { client in
            try await client.execute(uri: Self.invokePath, method: .post, body: ByteBuffer(string: #"{"inputImage":"\#(image)"}"#)) { response in
                #expect(response.status == .ok)
                let answer = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(buffer: response.body))
                #expect(answer.embedding.count == 1024)
            }
        }
    }

    @Test("a CMYK photo is embedded like its RGB original; an undecodable one is the input's fault (400)")
    func photosOverHTTP() async throws {
        let app = Application(router: try Self.server().makeRouter())
        let picture = TestPictures.discAndBar(width: 160, height: 160)
        var inverted: [UInt8] = []
        for i in stride(from: 0, to: picture.pixels.count, by: 3) {
            let r = Int(picture.pixels[i]), g = Int(picture.pixels[i + 1]), b = Int(picture.pixels[i + 2])
            let k = 255 - max(r, g, b)
            func ink(_ c: Int) -> Int { k == 255 ? 0 : 255 * (255 - c - k) / (255 - k) }
            inverted += [UInt8(255 - ink(r)), UInt8(255 - ink(g)), UInt8(255 - ink(b)), UInt8(255 - k)]
        }
        let cmyk = try ImageCodec.encodeJPEG(samples: inverted, width: 160, height: 160, components: 4, quality: 92)
        let rgb = try ImageCodec.encodeJPEG(picture, quality: 92)
        let truncated = Array(rgb.prefix(rgb.count / 2))
        try await app.test(.router) { client in
            var vectors: [[Float]] = []
            for image in [rgb, cmyk] {
                let body = #"{"inputImage":"\#(image.base64())","embeddingConfig":{"outputEmbeddingLength":256}}"#
                try await client.execute(uri: Self.invokePath, method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .ok)
                    vectors.append(try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(buffer: response.body)).embedding)
                }
            }
            if vectors.count == 2 {
                let c = zip(vectors[0], vectors[1]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                #expect(c > 0.95, "cosine \(c)")
            }
            let body = #"{"inputImage":"\#(truncated.base64())"}"#
            try await client.execute(uri: Self.invokePath, method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(Self.errorType(response) == "ValidationException")
                let message = try Self.message(response)
                #expect(message.contains("could not be decoded") && message.contains("Premature end"), "\(message)")
            }
        }
    }

    @Test("input errors come back Bedrock-shaped: 400, ValidationException, a message")
    func validationErrors() async throws {
        let app = Application(router: try Self.server().makeRouter())
        let tooLong = Array(repeating: "word", count: 200).joined(separator: " ")
        let bodies = [
            "{}",
            #"{"inputText":"x","embeddingConfig":{"outputEmbeddingLength":100}}"#,
            "not json",
            #"{"inputText":"\#(tooLong)"}"#,
            #"{"inputImage":"\#(Array("GIF89a-not-allowed".utf8).base64())"}"#,
            #"{"inputImage":"\#([UInt8](repeating: 0xFF, count: 5_300_000).base64())"}"#,
        ]
        try await app.test(.router) { client in
            for body in bodies {
                try await client.execute(uri: Self.invokePath, method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(body.prefix(60))")
                    #expect(Self.errorType(response) == "ValidationException")
                    let message = try Self.message(response)
                    // Bedrock's wording: a schema complaint, or its own sentence for the token limit.
                    let expected = body.contains(tooLong) ? "400 Bad Request: Too many input tokens." : "Malformed input request"
                    #expect(message.hasPrefix(expected), "\(message)")
                }
            }
        }
    }

    /// A caption of part numbers fits the estimate (5 per part number) but is ~190 word pieces (7–9 each).
    static func partNumberCaption() -> String {
        let parts = (0..<40).map { "XK-\(4471 + $0 * 37)-B\($0 % 9 + 1)" }
        return TitanTokenEstimator.truncate("Compatible with " + parts.joined(separator: " ")).text
    }

    @Test("a caption of part numbers over the token limit but under the estimate is embedded, cut harder, by the product's client")
    func partNumbersAreCutHarderAndEmbedded() async throws {
        let caption = Self.partNumberCaption()
        let tokenizer = try Self.embedder.get().model.tokenizer
        #expect(TitanTokenEstimator.estimate(caption) <= TitanTokenEstimator.budget)
        #expect(tokenizer.wordPieceIDs(caption).count > TitanModel.maxTextTokens)
        let app = try Self.server().makeApplication()
        let image = try ImageCodec.encodePNG(TestPictures.stripes(width: 64, height: 64))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            func titan(_ policy: TitanTextPolicy) throws -> TitanEmbeddingClient {
                let config = try BedrockClientConfiguration(region: "us-east-1", endpoint: "http://127.0.0.1:\(port)", textPolicy: policy,
                                                            retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 0.01))
                return TitanEmbeddingClient(configuration: config,
                                            credentialProvider: StaticCredentialProvider(AWSCredentials(accessKeyID: Self.accessKey, secretAccessKey: Self.secret)))
            }
            // As is, titan-local refuses it the way Bedrock words it, and the client recognises the refusal.
            let refused = await #expect(throws: BedrockError.self) { try await titan(.passThrough).embed(text: caption, dimensions: 256) }
            #expect(refused?.httpStatus == 400)
            #expect(refused?.isTextTooLong == true, "\(String(describing: refused))")
            // The default policy embeds it (with its image), cut harder.
            let result = try await titan(.truncate).embed(text: caption, image: image, dimensions: 256)
            #expect(result.vector.count == 256)
            #expect(result.textWasTruncated)
            #expect(result.tokenLimitRetries >= 1)
            #expect((result.inputTextTokenCount ?? .max) <= TitanModel.maxTextTokens)
            #expect((result.inputTextTokenCount ?? 0) > TitanModel.maxTextTokens / 2, "most of the caption is kept")
        }
    }

    @Test("another model id is ResourceNotFoundException 404")
    func unknownModel() async throws {
        let app = Application(router: try Self.server().makeRouter())
        try await app.test(.router) { client in
            try await client.execute(uri: "/model/amazon.titan-embed-text-v2%3A0/invoke", method: .post,
                                     body: ByteBuffer(string: #"{"inputText":"hi"}"#)) { response in
                #expect(response.status == .notFound)
                #expect(Self.errorType(response) == "ResourceNotFoundException")
                let message = try Self.message(response)
                #expect(message.contains("amazon.titan-embed-text-v2:0"))
            }
        }
    }

    @Test("a correctly signed request is served over real HTTP")
    func signedRequestLive() async throws {
        let app = try Self.server(auth: true).makeApplication()
        let body = #"{"inputText":"wool winter scarf","embeddingConfig":{"outputEmbeddingLength":384}}"#
        try await app.test(.live) { client in
            try await client.execute(uri: Self.invokePath, method: .post, headers: Self.signedHeaders(body: body),
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let answer = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(buffer: response.body))
                #expect(answer.embedding.count == 384)
            }
        }
    }

    @Test("unsigned, wrongly signed, stale or tampered requests get 403 with AWS's error types")
    func rejectedSignatures() async throws {
        let app = Application(router: try Self.server(auth: true).makeRouter())
        let body = #"{"inputText":"wool winter scarf"}"#
        try await app.test(.router) { client in
            try await client.execute(uri: Self.invokePath, method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .forbidden)
                #expect(Self.errorType(response) == "MissingAuthenticationTokenException")
            }
            try await client.execute(uri: Self.invokePath, method: .post, headers: Self.signedHeaders(body: body, secret: "wrong"),
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .forbidden)
                #expect(Self.errorType(response) == "InvalidSignatureException")
            }
            try await client.execute(uri: Self.invokePath, method: .post,
                                     headers: Self.signedHeaders(body: body, date: Date().addingTimeInterval(-3600)),
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .forbidden)
                #expect(Self.errorType(response) == "InvalidSignatureException")
                let message = try Self.message(response)
                #expect(message.contains("expired"))
            }
            try await client.execute(uri: Self.invokePath, method: .post, headers: Self.signedHeaders(body: body),
                                     body: ByteBuffer(string: #"{"inputText":"tampered"}"#)) { response in
                #expect(response.status == .forbidden)
                #expect(Self.errorType(response) == "InvalidSignatureException")
            }
        }
    }

    @Test("throttling at rate 1 answers every request with ThrottlingException 429")
    func injectedThrottling() async throws {
        let app = Application(router: try Self.server(faults: FaultInjection(throttlingRate: 1)).makeRouter())
        try await app.test(.router) { client in
            for _ in 0..<3 {
                try await client.execute(uri: Self.invokePath, method: .post, body: ByteBuffer(string: #"{"inputText":"hi"}"#)) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(Self.errorType(response) == "ThrottlingException")
                }
            }
        }
    }

    @Test("5xx at rate 1 answers with ServiceUnavailableException 503 or InternalServerException 500")
    func injectedServerErrors() async throws {
        let app = Application(router: try Self.server(faults: FaultInjection(serverErrorRate: 1, seed: 3)).makeRouter())
        let seen = try await app.test(.router) { client in
            var seen: Set<String> = []
            for _ in 0..<16 {
                let type = try await client.execute(uri: Self.invokePath, method: .post, body: ByteBuffer(string: #"{"inputText":"hi"}"#)) { response in
                    switch Self.errorType(response) {
                    case "ServiceUnavailableException": #expect(response.status.code == 503)
                    case "InternalServerException": #expect(response.status.code == 500)
                    default: Issue.record("unexpected \(response.status) \(Self.errorType(response) ?? "-")")
                    }
                    return Self.errorType(response) ?? ""
                }
                seen.insert(type)
            }
            return seen
        }
        #expect(seen.count == 2)
    }

    @Test("seeded partial fault rates give the same sequence on every run")
    func seededFaults() throws {
        func sequence() throws -> [String] {
            let injector = FaultInjector(try FaultInjection(throttlingRate: 0.3, serverErrorRate: 0.2, seed: 99))
            return (0..<200).map { _ in injector.nextFault()?.type.name ?? "ok" }
        }
        let a = try sequence()
        let b = try sequence()
        #expect(a == b)
        let throttled = a.filter { $0 == "ThrottlingException" }.count
        let served = a.filter { $0 == "ok" }.count
        #expect((35...85).contains(throttled))
        #expect((70...130).contains(served))
        #expect(throws: TitanLocalConfigurationError.self) { try FaultInjection(throttlingRate: 0.8, serverErrorRate: 0.5) }
    }

    @Test("added latency delays the answer by at least that long")
    func injectedLatency() async throws {
        let app = Application(router: try Self.server(faults: FaultInjection(addedLatency: .milliseconds(300))).makeRouter())
        try await app.test(.router) { client in
            let clock = ContinuousClock()
            let started = clock.now
            try await client.execute(uri: Self.invokePath, method: .post, body: ByteBuffer(string: #"{"inputText":"hi"}"#)) { response in
                #expect(response.status == .ok)
            }
            #expect(clock.now - started >= .milliseconds(300))
        }
    }

    @Test("GET /health says it is the local stand-in and shows its settings")
    func health() async throws {
        let app = Application(router: try Self.server(auth: true, faults: FaultInjection(throttlingRate: 0.25)).makeRouter())
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let info = try JSONDecoder().decode(TitanLocalHealth.self, from: Data(buffer: response.body))
                #expect(info.standIn)
                #expect(info.modelId == TitanModel.multimodalEmbeddingsV1)
                #expect(info.authentication.hasPrefix("sigv4"))
                #expect(info.faults.throttlingRate == 0.25)
                #expect(response.headers[HTTPField.Name(TitanLocalInfo.standInHeader)!] != nil)
            }
        }
    }

    @Test("concurrent requests get the same vectors as sequential ones")
    func concurrentRequests() async throws {
        let app = Application(router: try Self.server().makeRouter())
        let texts = (0..<24).map { "product caption number \($0) in blue" }
        try await app.test(.router) { client in
            func embed(_ text: String) async throws -> [Float] {
                try await client.execute(uri: Self.invokePath, method: .post,
                                         body: ByteBuffer(string: #"{"inputText":"\#(text)","embeddingConfig":{"outputEmbeddingLength":384}}"#)) { response in
                    try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(buffer: response.body)).embedding
                }
            }
            var sequential: [[Float]] = []
            for t in texts { sequential.append(try await embed(t)) }
            let concurrent = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
                for (i, t) in texts.enumerated() { group.addTask { (i, try await embed(t)) } }
                var out = [[Float]](repeating: [], count: texts.count)
                for try await (i, v) in group { out[i] = v }
                return out
            }
            for (a, b) in zip(sequential, concurrent) {
                #expect(zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 } > 0.9999)
            }
        }
    }
}
