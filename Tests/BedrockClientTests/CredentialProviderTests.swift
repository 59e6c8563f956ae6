import RecCore
import BedrockTestSupport
import Foundation
import Testing
@testable import BedrockClient

@Suite struct CredentialProviderTests {
    /// A temp dir with `credentials` and `config` files, removed by the caller.
    static func sharedFiles(credentials: String, config: String) throws -> (dir: URL, env: [String: String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try credentials.write(to: dir.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
        try config.write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        return (dir, ["AWS_SHARED_CREDENTIALS_FILE": dir.appendingPathComponent("credentials").path,
                      "AWS_CONFIG_FILE": dir.appendingPathComponent("config").path,
                      "HOME": dir.path])
    }

    static let credentialsFile = """
    [default]
    aws_access_key_id = AKIDDEFAULT
    aws_secret_access_key = secretDefault

    [ingest]
    aws_access_key_id=AKIDINGEST
    aws_secret_access_key=secretIngest
    aws_session_token = tokenIngest
    """
    static let configFile = """
    # comment
    [default]
    region = eu-west-1

    [profile ingest]
    region = us-west-2

    [profile cfgonly]
    region = ap-northeast-1
    aws_access_key_id = AKIDCFG
    aws_secret_access_key = secretCfg
    """

    @Test func environmentCredentials() async throws {
        let c = try await EnvironmentCredentialProvider(env: ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"]).credentials()
        #expect(c == AWSCredentials(accessKeyID: "AKIDENV", secretAccessKey: "s", sessionToken: "t"))
        await #expect(throws: BedrockError.self) { try await EnvironmentCredentialProvider(env: ["AWS_ACCESS_KEY_ID": "x"]).credentials() }
    }

    @Test func profilesFromSharedFiles() async throws {
        let (dir, env) = try Self.sharedFiles(credentials: Self.credentialsFile, config: Self.configFile)
        defer { try? FileManager.default.removeItem(at: dir) }
        let def = try await ProfileCredentialProvider(env: env).credentials()
        #expect(def.accessKeyID == "AKIDDEFAULT")
        #expect(def.sessionToken == nil)
        var e = env
        e["AWS_PROFILE"] = "ingest"
        let ingest = try await ProfileCredentialProvider(env: e).credentials()
        #expect(ingest == AWSCredentials(accessKeyID: "AKIDINGEST", secretAccessKey: "secretIngest", sessionToken: "tokenIngest"))
        #expect(AWSSharedConfig(env: e).region == "us-west-2")
        e["AWS_PROFILE"] = "cfgonly"
        #expect(try await ProfileCredentialProvider(env: e).credentials().accessKeyID == "AKIDCFG")
        e["AWS_PROFILE"] = "missing"
        await #expect(throws: BedrockError.self) { try await ProfileCredentialProvider(env: e).credentials() }
        // Region precedence: AWS_REGION, AWS_DEFAULT_REGION, then the profile.
        #expect(try BedrockClientConfiguration.fromEnvironment(env).region == "eu-west-1")
        #expect(try BedrockClientConfiguration.fromEnvironment(env.merging(["AWS_DEFAULT_REGION": "us-east-2"]) { $1 }).region == "us-east-2")
        #expect(try BedrockClientConfiguration.fromEnvironment(env.merging(["AWS_DEFAULT_REGION": "us-east-2", "AWS_REGION": "ca-central-1"]) { $1 }).region == "ca-central-1")
    }

    static let credentialsJSON = #"{"AccessKeyId":"ASIAREMOTE","SecretAccessKey":"remoteSecret","Token":"remoteToken","Expiration":"2030-01-01T00:00:00Z","Code":"Success"}"#

    @Test func containerCredentialsWithTokenFile() async throws {
        let seen = LockedBox<[String?]>([])
        let server = try LoopbackHTTPServer { req in
            seen.mutate { $0.append(req.header("Authorization")) }
            guard req.rawPath == "/v2/credentials/abc" else { return .respond(status: 404, headers: [], body: []) }
            return .respond(status: 200, headers: [], body: Array(Self.credentialsJSON.utf8))
        }
        defer { server.shutdown() }
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)")
        try "file-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let transport = CurlHTTPTransport()
        // FULL_URI to loopback, token from the file (preferred over the variable).
        let full = ContainerCredentialProvider(env: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.baseURL + "/v2/credentials/abc",
                                                     "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile.path,
                                                     "AWS_CONTAINER_AUTHORIZATION_TOKEN": "env-token"], transport: transport)
        let c = try await full.credentials()
        #expect(c.accessKeyID == "ASIAREMOTE")
        #expect(c.sessionToken == "remoteToken")
        #expect(c.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        // RELATIVE_URI against the (overridden) container host, token from the variable.
        let relative = ContainerCredentialProvider(env: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc",
                                                         "AWS_CONTAINER_AUTHORIZATION_TOKEN": "env-token"],
                                                   transport: transport, relativeBase: server.baseURL)
        #expect(try await relative.credentials().secretAccessKey == "remoteSecret")
        #expect(seen.value == ["file-token", "env-token"])
        // A plain-http FULL_URI to a non-loopback host is refused without a request.
        let remote = ContainerCredentialProvider(env: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"], transport: transport)
        await #expect(throws: BedrockError.self) { try await remote.credentials() }
        #expect(seen.value.count == 2)
    }

    @Test func imdsV2TokenThenRoleCredentials() async throws {
        let log = LockedBox<[String]>([])
        let server = try LoopbackHTTPServer { req in
            log.mutate { $0.append("\(req.method) \(req.rawPath)") }
            switch (req.method, req.rawPath) {
            case ("PUT", "/latest/api/token"):
                guard req.header("X-aws-ec2-metadata-token-ttl-seconds") != nil else { return .respond(status: 400, headers: [], body: []) }
                return .respond(status: 200, headers: [], body: Array("imds-token".utf8))
            case ("GET", _) where req.header("X-aws-ec2-metadata-token") != "imds-token":
                return .respond(status: 401, headers: [], body: [])
            case ("GET", "/latest/meta-data/iam/security-credentials/"):
                return .respond(status: 200, headers: [], body: Array("ingest-role\n".utf8))
            case ("GET", "/latest/meta-data/iam/security-credentials/ingest-role"):
                return .respond(status: 200, headers: [], body: Array(Self.credentialsJSON.utf8))
            default:
                return .respond(status: 404, headers: [], body: [])
            }
        }
        defer { server.shutdown() }
        let transport = CurlHTTPTransport()
        let imds = IMDSCredentialProvider(env: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL + "/"], transport: transport)
        let c = try await imds.credentials()
        #expect(c.accessKeyID == "ASIAREMOTE")
        #expect(log.value == ["PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                              "GET /latest/meta-data/iam/security-credentials/ingest-role"])
        let disabled = IMDSCredentialProvider(env: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL, "AWS_EC2_METADATA_DISABLED": "true"], transport: transport)
        await #expect(throws: BedrockError.self) { try await disabled.credentials() }
        #expect(log.value.count == 3)
    }

    @Test func defaultChainOrderAndSource() async throws {
        let (dir, files) = try Self.sharedFiles(credentials: Self.credentialsFile, config: Self.configFile)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = files.merging(["AWS_EC2_METADATA_DISABLED": "true"]) { $1 }
        let envFirst = CredentialProviderChain.default(env: base.merging(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"]) { $1 })
        #expect(try await envFirst.credentials().accessKeyID == "AKIDENV")
        #expect(await envFirst.currentSource() == "environment")
        let fromFiles = CredentialProviderChain.default(env: base)
        #expect(try await fromFiles.credentials().accessKeyID == "AKIDDEFAULT")
        #expect(await fromFiles.currentSource() == "profile:default")
        let nothing = CredentialProviderChain.default(env: ["HOME": dir.appendingPathComponent("nowhere").path, "AWS_EC2_METADATA_DISABLED": "true"])
        let error = await #expect(throws: BedrockError.self) { try await nothing.credentials() }
        #expect(error?.code == .credentialsUnavailable)
        #expect(error?.message.contains("environment") == true)
    }

    @Test func expiringCredentialsAreRefreshedOnceAhead() async throws {
        let clock = LockedBox(Date(timeIntervalSince1970: 1_000_000))
        let source = CountingProvider(clock: clock, lifetime: 3600)
        let chain = CredentialProviderChain(providers: [source], refreshAhead: 300, now: { clock.value })
        // 50 concurrent callers cause one fetch.
        await withTaskGroup(of: Void.self) { g in
            for _ in 0..<50 { g.addTask { _ = try? await chain.credentials() } }
        }
        #expect(source.calls.value == 1)
        clock.mutate { $0 += 3000 } // 600 s left: still valid, not yet in the refresh window
        #expect(try await chain.credentials().accessKeyID == "AKID1")
        clock.mutate { $0 += 400 } // 200 s left: refresh ahead of expiry
        await withTaskGroup(of: Void.self) { g in
            for _ in 0..<50 { g.addTask { _ = try? await chain.credentials() } }
        }
        #expect(source.calls.value == 2)
        #expect(try await chain.credentials().accessKeyID == "AKID2")
    }

    @Test func expiredTokenAnswerFetchesFreshCredentialsOnce() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.error(.expiredToken)])
        let clock = LockedBox(Date())
        let source = CountingProvider(clock: clock, lifetime: 3600, identity: FakeBedrockEndpoint.credentials)
        let config = try BedrockClientConfiguration(endpoint: fake.endpoint, retryPolicy: TitanEmbeddingClientTests.fastRetries)
        let client = TitanEmbeddingClient(configuration: config, credentialProvider: CredentialProviderChain(providers: [source]))
        let result = try await client.embed(text: "x", dimensions: 256)
        #expect(result.attempts == 2)
        #expect(source.calls.value == 2)
        #expect(client.budget.available == 500)
    }

    @Test func configurationFromEnvironment() throws {
        let none = try BedrockClientConfiguration.fromEnvironment(["HOME": "/nonexistent"])
        #expect(none.region == "us-east-1")
        #expect(none.endpoint == "https://bedrock-runtime.us-east-1.amazonaws.com")
        #expect(none.modelID == "amazon.titan-embed-image-v1")
        #expect(none.dimensions == 1024)
        #expect(none.retryPolicy.maxAttempts == 3)
        let env = ["HOME": "/nonexistent", "AWS_REGION": "eu-central-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9/",
                   "BEDROCK_EMBEDDING_DIMENSIONS": "384", "AWS_MAX_ATTEMPTS": "5", "BEDROCK_REQUESTS_PER_MINUTE": "600",
                   "BEDROCK_TEXT_POLICY": "reject"]
        let c = try BedrockClientConfiguration.fromEnvironment(env)
        #expect(c.endpoint == "http://127.0.0.1:9")
        #expect(c.dimensions == 384)
        #expect(c.retryPolicy.maxAttempts == 5)
        #expect(c.requestsPerMinute == 600)
        #expect(c.textPolicy == .reject)
        let specific = try BedrockClientConfiguration.fromEnvironment(env.merging(["AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "https://vpce.example"]) { $1 })
        #expect(specific.endpoint == "https://vpce.example")
        #expect(try BedrockClientConfiguration.fromEnvironment(["HOME": "/x", "AWS_REGION": "eu-west-3"]).endpoint == "https://bedrock-runtime.eu-west-3.amazonaws.com")
        #expect(throws: BedrockError.self) { try BedrockClientConfiguration.fromEnvironment(["BEDROCK_EMBEDDING_DIMENSIONS": "512"]) }
        #expect(throws: BedrockError.self) { try BedrockClientConfiguration.fromEnvironment(["AWS_MAX_ATTEMPTS": "many"]) }
    }
}

final class LockedBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    init(_ v: T) { _value = v }
    var value: T { lock.lock(); defer { lock.unlock() }; return _value }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&_value); lock.unlock() }
}

/// Hands out `AKID<n>` credentials (or `identity`'s keys) valid for `lifetime`, counting calls; slow enough
/// that concurrent callers overlap.
struct CountingProvider: AWSCredentialProvider {
    let sourceName = "counting"
    let clock: LockedBox<Date>
    let lifetime: TimeInterval
    var identity: AWSCredentials?
    let calls = LockedBox(0)

    func credentials() async throws(BedrockError) -> AWSCredentials {
        calls.mutate { $0 += 1 }
        try? await Task.sleep(for: .milliseconds(50))
        var c = identity ?? AWSCredentials(accessKeyID: "AKID\(calls.value)", secretAccessKey: "s")
        c.expiration = clock.value.addingTimeInterval(lifetime)
        return c
    }
}
