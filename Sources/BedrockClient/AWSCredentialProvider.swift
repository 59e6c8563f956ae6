import Foundation

/// A source of AWS credentials.
public protocol AWSCredentialProvider: Sendable {
    /// Short name of the source for diagnostics, e.g. `environment`, `profile:default`, `container`, `imds`.
    var sourceName: String { get }
    /// - Throws: ``BedrockError`` `credentialsUnavailable` when this source is not configured or fails.
    func credentials() async throws(BedrockError) -> AWSCredentials
    /// Drops cached credentials so that the next ``credentials()`` fetches fresh ones (after Bedrock answered
    /// `ExpiredTokenException`). Default: nothing to drop.
    func invalidate() async
}

extension AWSCredentialProvider {
    public func invalidate() async {}
}

/// Fixed credentials (tests, or credentials obtained elsewhere).
public struct StaticCredentialProvider: AWSCredentialProvider {
    public let sourceName: String
    private let value: AWSCredentials

    public init(_ credentials: AWSCredentials, sourceName: String = "static") {
        value = credentials
        self.sourceName = sourceName
    }

    public func credentials() async throws(BedrockError) -> AWSCredentials { value }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentialProvider: AWSCredentialProvider {
    public let sourceName = "environment"
    private let env: [String: String]

    public init(env: [String: String]) { self.env = env }

    public func credentials() async throws(BedrockError) -> AWSCredentials {
        guard let id = env["AWS_ACCESS_KEY_ID"], !id.isEmpty, let secret = env["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw BedrockError(.credentialsUnavailable, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set")
        }
        let token = env["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }
}

/// Static keys from the shared files (`~/.aws/credentials`, then `~/.aws/config`) for `AWS_PROFILE`
/// (default `default`). Files are read on every call, so an edited file is picked up on the next refresh.
public struct ProfileCredentialProvider: AWSCredentialProvider {
    public var sourceName: String { "profile:\(config.profileName)" }
    private let config: AWSSharedConfig

    public init(env: [String: String]) { config = AWSSharedConfig(env: env) }

    public func credentials() async throws(BedrockError) -> AWSCredentials {
        let profile = config.load()
        guard let id = profile["aws_access_key_id"], !id.isEmpty, let secret = profile["aws_secret_access_key"], !secret.isEmpty else {
            throw BedrockError(.credentialsUnavailable, "profile '\(config.profileName)' has no aws_access_key_id/aws_secret_access_key in \(config.credentialsPath) or \(config.configPath)")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret,
                              sessionToken: profile["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 })
    }
}

/// Decodes the JSON that the container endpoint and IMDS return.
struct RemoteCredentialsJSON: Decodable {
    var Code: String?
    var AccessKeyId: String
    var SecretAccessKey: String
    var Token: String?
    var Expiration: String?

    func credentials() -> AWSCredentials {
        AWSCredentials(accessKeyID: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: Token,
                       expiration: Expiration.flatMap(Self.parseDate))
    }

    static func parseDate(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }

    static func decode(_ body: [UInt8], source: String) throws(BedrockError) -> AWSCredentials {
        do {
            let json = try JSONDecoder().decode(RemoteCredentialsJSON.self, from: Data(body))
            if let code = json.Code, code != "Success" {
                throw BedrockError(.credentialsUnavailable, "\(source) returned Code \(code)")
            }
            return json.credentials()
        } catch let e as BedrockError {
            throw e
        } catch {
            throw BedrockError(.credentialsUnavailable, "\(source) returned an unreadable credentials document")
        }
    }
}

/// ECS/EKS container credentials: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (under `http://169.254.170.2`) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https, or http to a loopback/link-local container host only), with
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `AWS_CONTAINER_AUTHORIZATION_TOKEN` as `Authorization`.
public struct ContainerCredentialProvider: AWSCredentialProvider {
    public let sourceName = "container"
    private let env: [String: String]
    private let transport: any HTTPTransport
    private let relativeBase: String

    /// - Parameter relativeBase: host for relative URIs. Default: `http://169.254.170.2` (tests pass a loopback server).
    public init(env: [String: String], transport: any HTTPTransport, relativeBase: String = "http://169.254.170.2") {
        self.env = env
        self.transport = transport
        self.relativeBase = relativeBase
    }

    /// Whether the environment configures container credentials at all.
    public var isConfigured: Bool {
        env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] != nil || env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != nil
    }

    public func credentials() async throws(BedrockError) -> AWSCredentials {
        let url: String
        if let relative = env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            url = relativeBase + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            guard let c = URLComponents(string: full), let host = c.host else {
                throw BedrockError(.credentialsUnavailable, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL")
            }
            let allowedHTTPHosts: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]", "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]"]
            guard c.scheme == "https" || (c.scheme == "http" && (allowedHTTPHosts.contains(host) || host.hasPrefix("127."))) else {
                throw BedrockError(.credentialsUnavailable, "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback/container host")
            }
            url = full
        } else {
            throw BedrockError(.credentialsUnavailable, "container credentials not configured")
        }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let file = env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw BedrockError(.credentialsUnavailable, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
            }
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = env["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !token.isEmpty {
            headers.append(("Authorization", token))
        }
        let response: HTTPTransportResponse
        do {
            response = try await transport.send(HTTPTransportRequest(method: "GET", url: url, headers: headers, timeout: 5, connectTimeout: 2))
        } catch {
            throw BedrockError(.credentialsUnavailable, "container credentials endpoint unreachable: \(error.code)")
        }
        guard response.status == 200 else {
            throw BedrockError(.credentialsUnavailable, "container credentials endpoint answered HTTP \(response.status)", httpStatus: response.status)
        }
        return try RemoteCredentialsJSON.decode(response.body, source: "container credentials endpoint")
    }
}

/// EC2 instance role credentials through IMDSv2: `PUT /latest/api/token`, then the role name, then its credentials.
///
/// `AWS_EC2_METADATA_DISABLED=true` turns it off; `AWS_EC2_METADATA_SERVICE_ENDPOINT` overrides
/// `http://169.254.169.254` (tests point it at a loopback fake).
public struct IMDSCredentialProvider: AWSCredentialProvider {
    public let sourceName = "imds"
    private let env: [String: String]
    private let transport: any HTTPTransport

    public init(env: [String: String], transport: any HTTPTransport) {
        self.env = env
        self.transport = transport
    }

    public var isDisabled: Bool { env["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" }

    public var endpoint: String {
        var e = env["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://169.254.169.254"
        while e.hasSuffix("/") { e.removeLast() }
        return e
    }

    public func credentials() async throws(BedrockError) -> AWSCredentials {
        guard !isDisabled else { throw BedrockError(.credentialsUnavailable, "IMDS disabled by AWS_EC2_METADATA_DISABLED") }
        func call(_ method: String, _ path: String, _ headers: [(name: String, value: String)]) async throws(BedrockError) -> String {
            let response: HTTPTransportResponse
            do {
                response = try await transport.send(HTTPTransportRequest(method: method, url: endpoint + path, headers: headers,
                                                                         timeout: 2, connectTimeout: 1))
            } catch {
                throw BedrockError(.credentialsUnavailable, "IMDS unreachable: \(error.code)")
            }
            guard response.status == 200 else {
                throw BedrockError(.credentialsUnavailable, "IMDS \(path) answered HTTP \(response.status)", httpStatus: response.status)
            }
            return String(decoding: response.body, as: UTF8.self)
        }
        let token = try await call("PUT", "/latest/api/token", [("X-aws-ec2-metadata-token-ttl-seconds", "21600")])
        let auth: [(name: String, value: String)] = [("X-aws-ec2-metadata-token", token.trimmingCharacters(in: .whitespacesAndNewlines))]
        let roles = try await call("GET", "/latest/meta-data/iam/security-credentials/", auth)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }), !role.isEmpty else {
            throw BedrockError(.credentialsUnavailable, "no IAM role attached to this instance")
        }
        let document = try await call("GET", "/latest/meta-data/iam/security-credentials/" + SigV4Canonical.uriEncode(role), auth)
        return try RemoteCredentialsJSON.decode(Array(document.utf8), source: "IMDS")
    }
}
