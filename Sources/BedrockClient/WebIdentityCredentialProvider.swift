import Foundation

/// EKS IAM roles for service accounts (IRSA) and other OIDC federation: `AWS_WEB_IDENTITY_TOKEN_FILE` (the
/// projected service-account token, re-read on every refresh since the kubelet rotates it) and `AWS_ROLE_ARN`
/// are exchanged with STS `AssumeRoleWithWebIdentity` (an unsigned request) for temporary credentials.
///
/// `AWS_ROLE_SESSION_NAME` names the session (default `rec-<timestamp>`); the endpoint is
/// `AWS_ENDPOINT_URL_STS`, else the regional `https://sts.<AWS_REGION>.amazonaws.com`, else the global one.
public struct WebIdentityCredentialProvider: AWSCredentialProvider {
    public let sourceName = "web-identity"
    private let env: [String: String]
    private let transport: any HTTPTransport
    private let now: @Sendable () -> Date

    public init(env: [String: String], transport: any HTTPTransport, now: @escaping @Sendable () -> Date = Date.init) {
        self.env = env
        self.transport = transport
        self.now = now
    }

    private func value(_ key: String) -> String? {
        env[key].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Whether the environment configures a web identity at all.
    public var isConfigured: Bool { value("AWS_WEB_IDENTITY_TOKEN_FILE") != nil && value("AWS_ROLE_ARN") != nil }

    /// The STS endpoint the exchange goes to.
    public var endpoint: String {
        if let url = value("AWS_ENDPOINT_URL_STS") ?? value("AWS_ENDPOINT_URL") { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        if let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") { return "https://sts.\(region).amazonaws.com" }
        return "https://sts.amazonaws.com"
    }

    public func credentials() async throws(BedrockError) -> AWSCredentials {
        guard let file = value("AWS_WEB_IDENTITY_TOKEN_FILE"), let role = value("AWS_ROLE_ARN") else {
            throw BedrockError(.credentialsUnavailable, "web identity not configured (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN)")
        }
        guard let token = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
            throw BedrockError(.credentialsUnavailable, "cannot read AWS_WEB_IDENTITY_TOKEN_FILE (\(file))")
        }
        let session = value("AWS_ROLE_SESSION_NAME") ?? "rec-\(Int(now().timeIntervalSince1970))"
        let form = [("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role),
                    ("RoleSessionName", session), ("WebIdentityToken", token)]
            .map { "\($0.0)=\(SigV4Canonical.uriEncode($0.1))" }.joined(separator: "&")
        let response: HTTPTransportResponse
        do {
            response = try await transport.send(HTTPTransportRequest(
                method: "POST", url: endpoint + "/",
                headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Accept", "application/xml")],
                body: Array(form.utf8), timeout: 10, connectTimeout: 3, maxResponseBytes: 64 * 1024))
        } catch {
            throw BedrockError(.credentialsUnavailable, "STS unreachable for AssumeRoleWithWebIdentity: \(error.code)")
        }
        let body = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            // The message names the reason (expired token, untrusted audience, role trust policy); never the token.
            let code = Self.element("Code", in: body) ?? "HTTP \(response.status)"
            let message = Self.element("Message", in: body).map { ": \($0)" } ?? ""
            throw BedrockError(.credentialsUnavailable, "AssumeRoleWithWebIdentity for \(role) failed: \(code)\(message)", httpStatus: response.status)
        }
        guard let id = Self.element("AccessKeyId", in: body), let secret = Self.element("SecretAccessKey", in: body),
              let sessionToken = Self.element("SessionToken", in: body) else {
            throw BedrockError(.credentialsUnavailable, "AssumeRoleWithWebIdentity answered without credentials")
        }
        let expiration = Self.element("Expiration", in: body).flatMap { Self.parseDate($0) }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: sessionToken, expiration: expiration)
    }

    /// The text of the first `<name>…</name>` (STS answers a fixed, flat shape), XML entities decoded.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func parseDate(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }
}
