import Foundation
import Testing
@testable import BedrockClient

@Suite struct SigV4VerifierTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDTESTKEY00001234", secretAccessKey: "s3cr3t/Key+Value", sessionToken: "tok/en==")
    static let now = Date(timeIntervalSince1970: 1_764_000_000)
    static let path = "/model/" + SigV4Canonical.uriEncode("arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-embed-image-v1:0/abc") + "/invoke"
    static let body = Array(#"{"inputText":"red shoes","embeddingConfig":{"outputEmbeddingLength":256}}"#.utf8)

    let verifier = SigV4Verifier(secretsByAccessKeyID: [credentials.accessKeyID: credentials.secretAccessKey],
                                 region: "us-east-1", service: "bedrock")

    /// The request as the client sends it: base headers plus the signer's.
    static func signedHeaders(credentials: AWSCredentials = credentials, date: Date = now, body: [UInt8] = body,
                              signBody: Bool = false) -> [(name: String, value: String)] {
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "bedrock")
        let base: [(name: String, value: String)] = [("Host", "127.0.0.1:8080"), ("Content-Type", "application/json")]
        let sig = signer.sign(method: "POST", path: path, query: nil, headers: base, body: body, date: date, signBody: signBody)
        return base + sig.headersToAdd + [("Content-Length", String(body.count))]
    }

    func verify(path: String = path, query: String? = nil, headers: [(name: String, value: String)],
                body: [UInt8] = body, now: Date = now) -> SigV4VerificationError.Code? {
        do {
            try verifier.verify(method: "POST", rawPath: path, rawQuery: query, headers: headers, body: body, now: now)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func acceptsWhatTheSignerProduces() throws {
        #expect(verify(headers: Self.signedHeaders()) == nil)
        #expect(verify(headers: Self.signedHeaders(signBody: true)) == nil)
        // Header names arrive in any case.
        #expect(verify(headers: Self.signedHeaders().map { ($0.name.uppercased(), $0.value) }) == nil)
        // Within the skew either way.
        #expect(verify(headers: Self.signedHeaders(), now: Self.now.addingTimeInterval(299)) == nil)
        #expect(verify(headers: Self.signedHeaders(), now: Self.now.addingTimeInterval(-299)) == nil)
    }

    @Test func canonicalRequestEncodesTheArnTwice() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "bedrock")
        let sig = signer.sign(method: "POST", path: Self.path, headers: [("host", "h")], body: Self.body, date: Self.now)
        #expect(Self.path.contains("arn%3Aaws%3Abedrock"))
        #expect(sig.canonicalRequest.split(separator: "\n")[1].hasPrefix("/model/arn%253Aaws%253Abedrock%253Aus-east-1"))
        #expect(sig.canonicalRequest.contains("custom-model%252Famazon.titan-embed-image-v1%253A0%252Fabc/invoke"))
    }

    @Test func rejectsTamperedRequests() {
        let headers = Self.signedHeaders()
        #expect(verify(headers: headers, body: Array(#"{"inputText":"blue shoes"}"#.utf8)) == .signatureMismatch)
        #expect(verify(path: "/model/amazon.titan-embed-image-v1/invoke", headers: headers) == .signatureMismatch)
        #expect(verify(query: "x=1", headers: headers) == .signatureMismatch)
        let changedType = headers.map { $0.name == "Content-Type" ? ($0.name, "text/plain") : $0 }
        #expect(verify(headers: changedType) == .signatureMismatch)
        let otherToken = headers.map { $0.name == "X-Amz-Security-Token" ? ($0.name, "other") : $0 }
        #expect(verify(headers: otherToken) == .signatureMismatch)
        #expect(verify(headers: Self.signedHeaders(signBody: true), body: []) == .payloadHashMismatch)
    }

    @Test func rejectsWrongSecretAndUnknownKey() {
        var wrongSecret = Self.credentials
        wrongSecret.secretAccessKey = "not-the-secret"
        #expect(verify(headers: Self.signedHeaders(credentials: wrongSecret)) == .signatureMismatch)
        var unknown = Self.credentials
        unknown.accessKeyID = "AKIDUNKNOWN"
        let err = try? verifyError(headers: Self.signedHeaders(credentials: unknown))
        #expect(err?.code == .unknownAccessKey)
        #expect(err?.bedrockErrorType == .unrecognizedClient)
        #expect(err?.bedrockErrorType.httpStatus == 403)
    }

    @Test func rejectsMissingPiecesAndStaleDates() {
        let headers = Self.signedHeaders()
        let noAuth = headers.filter { $0.name != "Authorization" }
        #expect(verify(headers: noAuth) == .missingAuthorization)
        let noType = headers.filter { $0.name != "Content-Type" }
        #expect(verify(headers: noType) == .missingSignedHeader)
        let noDate = headers.filter { $0.name != "X-Amz-Date" }
        #expect(verify(headers: noDate) == .missingDate)
        let garbage = headers.map { $0.name == "Authorization" ? ($0.name, "AWS4-HMAC-SHA256 nonsense") : $0 }
        #expect(verify(headers: garbage) == .malformedAuthorization)
        let stale = verify(headers: headers, now: Self.now.addingTimeInterval(301))
        #expect(stale == .requestExpired)
        #expect(verify(headers: headers, now: Self.now.addingTimeInterval(-301)) == .requestExpired)
        let e = try? verifyError(headers: headers, now: Self.now.addingTimeInterval(3600))
        #expect(e?.bedrockErrorType == .invalidSignature)
    }

    @Test func wrongRegionOrServiceIsRejected() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1", service: "bedrock")
        let base: [(name: String, value: String)] = [("Host", "h")]
        let sig = signer.sign(method: "POST", path: Self.path, headers: base, body: Self.body, date: Self.now)
        #expect(verify(headers: base + sig.headersToAdd) == .credentialScopeMismatch)
    }

    private func verifyError(headers: [(name: String, value: String)], now: Date = now) throws -> SigV4VerificationError? {
        do {
            try verifier.verify(method: "POST", rawPath: Self.path, rawQuery: nil, headers: headers, body: Self.body, now: now)
            return nil
        } catch {
            return error
        }
    }
}

@Suite struct WireTypesTests {
    @Test func requestOmitsAbsentFields() throws {
        let req = TitanEmbeddingRequest(inputText: "hi", embeddingConfig: .init(outputEmbeddingLength: 384))
        let json = String(decoding: try JSONEncoder().encode(req), as: UTF8.self)
        #expect(!json.contains("inputImage"))
        #expect(json.contains(#""outputEmbeddingLength":384"#))
        let back = try JSONDecoder().decode(TitanEmbeddingRequest.self, from: Data(json.utf8))
        #expect(back == req)
    }

    @Test func responseAndErrorBodiesDecode() throws {
        let r = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(#"{"embedding":[0.5,-1],"inputTextTokenCount":3}"#.utf8))
        #expect(r.embedding == [0.5, -1])
        #expect(r.inputTextTokenCount == 3)
        let e = try JSONDecoder().decode(BedrockErrorBody.self, from: Data(#"{"Message":"Too many requests"}"#.utf8))
        #expect(e.message == "Too many requests")
        #expect(String(decoding: try JSONEncoder().encode(e), as: UTF8.self) == #"{"message":"Too many requests"}"#)
    }

    @Test func fastResponseDecodingMatchesJSONDecoder() throws {
        let docs = [
            #"{"embedding":[0.5,-1,1e-3,-2.5E+2,0],"inputTextTokenCount":3}"#,
            " {\n \"inputTextTokenCount\" : null ,\t\"embedding\" : [ 0.25 , 1 ] , \"message\":\"ok\" }\n",
            #"{"embedding":[]}"#,
        ]
        for doc in docs {
            let fast = try #require(TitanEmbeddingResponse.decodeFast(Array(doc.utf8)))
            #expect(fast == (try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(doc.utf8))))
        }
        // Shapes the fast path does not take: the decoder decides.
        for doc in [#"{"embedding":[1],"other":2}"#, #"{"embedding":[1],"message":"a\"b"}"#, #"{"embedding":[1,]}"#,
                    #"{"embedding":[nan]}"#, #"{"embedding":[1]} x"#, #"{"embedding":[0x10]}"#, #"{"embedding":[01]}"#, #"{"embedding":[1.]}"#, #"{"inputTextTokenCount":1}"#, "{}", ""] {
            #expect(TitanEmbeddingResponse.decodeFast(Array(doc.utf8)) == nil, "\(doc)")
        }
    }

    @Test func errorTypeHeaderValuesResolve() {
        #expect(BedrockErrorType.named("ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/") == .throttling)
        #expect(BedrockErrorType.named("com.amazon.coral.service#UnrecognizedClientException") == .unrecognizedClient)
        #expect(BedrockErrorType.named("ModelNotReadyException")?.httpStatus == 429)
        #expect(BedrockErrorType.named("ServiceQuotaExceededException")?.httpStatus == 400)
        #expect(BedrockErrorType.named("NoSuchThing") == nil)
    }

    @Test func errorResponsesAreBedrockShaped() throws {
        let r = BedrockErrorType.throttling.response(message: "Too many requests")
        #expect(r.status == 429)
        #expect(r.headers.contains { $0.name == "x-amzn-ErrorType" && $0.value == "ThrottlingException" })
        #expect(try JSONDecoder().decode(BedrockErrorBody.self, from: Data(r.body)).message == "Too many requests")
        let mapped = TitanEmbeddingClient.mapErrorResponse(HTTPTransportResponse(status: r.status, headers: r.headers, body: r.body))
        #expect(mapped.code == .throttling)
        #expect(mapped.message == "Too many requests")
    }

    @Test func credentialsNeverPrintTheSecret() {
        let c = AWSCredentials(accessKeyID: "AKIDEXAMPLE1234", secretAccessKey: "wJalrXUtnFEMI/K7MDENG", sessionToken: "SESSIONTOKEN")
        for text in [c.description, "\(c)", String(reflecting: c)] {
            #expect(!text.contains("wJalrXUtnFEMI"))
            #expect(!text.contains("SESSIONTOKEN"))
            #expect(!text.contains("AKIDEXAMPLE"))
            #expect(text.contains("1234"))
        }
    }
}
