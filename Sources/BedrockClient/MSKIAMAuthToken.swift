import Foundation

/// The SASL/OAUTHBEARER token Amazon MSK accepts for IAM access control: a presigned SigV4 URL for the action
/// `kafka-cluster:Connect` (service `kafka-cluster`), base64url-encoded without padding, as AWS's
/// `aws-msk-iam-sasl-signer` libraries make it. The broker checks the signature and the principal's IAM policy.
public struct MSKIAMAuthToken: Sendable, Equatable {
    /// How long a token is valid (`X-Amz-Expires`), as AWS's signers use.
    public static let lifetime: TimeInterval = 900

    /// The token to hand librdkafka (`rd_kafka_oauthbearer_set_token`).
    public let value: String
    /// The signing time plus ``lifetime``: librdkafka refreshes at 80 % of it.
    public let expiresAt: Date

    /// - Parameters:
    ///   - credentials: the principal's (static, role or instance) credentials; a session token is signed too.
    ///   - region: the cluster's region.
    ///   - date: the signing time.
    ///   - userAgent: appended unsigned, as AWS's signers do (it names the client in broker logs).
    public init(credentials: AWSCredentials, region: String, date: Date, userAgent: String = "rec") {
        let host = "kafka.\(region).amazonaws.com"
        let signer = SigV4Signer(credentials: credentials, region: region, service: "kafka-cluster")
        let presigned = signer.presign(method: "GET", path: "/", query: "Action=kafka-cluster%3AConnect",
                                       headers: [("host", host)], date: date, expires: Int(Self.lifetime))
        let url = "https://\(host)/?\(presigned.query)&User-Agent=\(SigV4Canonical.uriEncode(userAgent))"
        value = Data(url.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .trimmingCharacters(in: CharacterSet(charactersIn: "="))
        // The broker measures validity from X-Amz-Date, which has whole seconds.
        expiresAt = Date(timeIntervalSince1970: (date.timeIntervalSince1970).rounded(.down) + Self.lifetime)
    }
}
