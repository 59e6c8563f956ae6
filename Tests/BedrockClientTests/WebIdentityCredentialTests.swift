import Foundation
import Testing
import BedrockTestSupport
@testable import BedrockClient

/// EKS IRSA: the projected token is exchanged with STS AssumeRoleWithWebIdentity (a loopback fake of STS).
@Suite struct WebIdentityCredentialTests {
    static let success = """
        <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleWithWebIdentityResult>
            <SubjectFromWebIdentityToken>system:serviceaccount:rec:rec-serve</SubjectFromWebIdentityToken>
            <Credentials>
              <SessionToken>IQoJb3JpZ2luX2VjE&amp;token</SessionToken>
              <SecretAccessKey>stsSecret</SecretAccessKey>
              <Expiration>2030-01-01T00:00:00Z</Expiration>
              <AccessKeyId>ASIASTS</AccessKeyId>
            </Credentials>
          </AssumeRoleWithWebIdentityResult>
        </AssumeRoleWithWebIdentityResponse>
        """

    @Test func exchangesTheProjectedTokenAndRereadsItOnRefresh() async throws {
        let forms = LockedBox<[String]>([])
        let server = try LoopbackHTTPServer { req in
            forms.mutate { $0.append(String(decoding: req.body, as: UTF8.self)) }
            guard req.method == "POST", req.header("Authorization") == nil else { return .respond(status: 400, headers: [], body: []) }
            return .respond(status: 200, headers: [("Content-Type", "text/xml")], body: Array(Self.success.utf8))
        }
        defer { server.shutdown() }
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("irsa-\(UUID().uuidString)")
        try "eyJhbGciOiJSUzI1NiJ9.first.sig\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let env = ["AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/rec-serve",
                   "AWS_ROLE_SESSION_NAME": "rec-serve-0", "AWS_ENDPOINT_URL_STS": server.baseURL, "AWS_REGION": "eu-west-1"]
        let provider = WebIdentityCredentialProvider(env: env, transport: CurlHTTPTransport())
        #expect(provider.isConfigured)
        let c = try await provider.credentials()
        #expect(c.accessKeyID == "ASIASTS" && c.secretAccessKey == "stsSecret" && c.sessionToken == "IQoJb3JpZ2luX2VjE&token")
        #expect(c.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        // The kubelet rotates the token: the next refresh sends the new one.
        try "eyJhbGciOiJSUzI1NiJ9.second.sig".write(to: tokenFile, atomically: true, encoding: .utf8)
        _ = try await provider.credentials()
        #expect(forms.value.count == 2)
        #expect(forms.value[0] == "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Frec-serve&RoleSessionName=rec-serve-0&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.first.sig")
        #expect(forms.value[1].hasSuffix("WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.second.sig"))
        // The default chain picks it before profiles, container and IMDS.
        let chain = CredentialProviderChain.default(env: env.merging(["AWS_EC2_METADATA_DISABLED": "true"]) { $1 })
        #expect(try await chain.credentials().accessKeyID == "ASIASTS")
        #expect(await chain.currentSource() == "web-identity")
    }

    @Test func stsRefusalsNameTheReasonNotTheToken() async throws {
        let server = try LoopbackHTTPServer { _ in
            .respond(status: 400, headers: [], body: Array("""
                <ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error></ErrorResponse>
                """.utf8))
        }
        defer { server.shutdown() }
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("irsa-\(UUID().uuidString)")
        try "secret-jwt-value".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let provider = WebIdentityCredentialProvider(env: ["AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path, "AWS_ROLE_ARN": "arn:aws:iam::1:role/r",
                                                           "AWS_ENDPOINT_URL_STS": server.baseURL], transport: CurlHTTPTransport())
        do {
            _ = try await provider.credentials()
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("InvalidIdentityToken: Incorrect token audience"))
            #expect(!"\(error)".contains("secret-jwt-value"))
        }
        let missing = WebIdentityCredentialProvider(env: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r"],
                                                    transport: CurlHTTPTransport())
        await #expect(throws: BedrockError.self) { try await missing.credentials() }
        #expect(WebIdentityCredentialProvider(env: ["AWS_REGION": "eu-west-1"], transport: CurlHTTPTransport()).endpoint == "https://sts.eu-west-1.amazonaws.com")
    }
}
