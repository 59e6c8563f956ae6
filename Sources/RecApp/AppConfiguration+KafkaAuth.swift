import BedrockClient
import Foundation
import Kafka

/// Broker authentication beyond what `KAFKA_*` properties express: Amazon MSK's IAM access control, whose
/// SASL/OAUTHBEARER tokens are SigV4-signed with the process's AWS credentials (role, instance profile, ...).
/// TLS, SASL/SCRAM and OIDC OAUTHBEARER are plain librdkafka properties (`KAFKA_SECURITY_PROTOCOL`,
/// `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_OAUTHBEARER_METHOD=oidc`, ...).
extension AppConfiguration {
    /// `REC_KAFKA_AUTH`: `none` (default: the `KAFKA_*` properties say everything) or `msk-iam`.
    public enum KafkaAuthentication: String, Sendable { case none, mskIAM = "msk-iam" }

    public func kafkaAuthentication() throws -> KafkaAuthentication {
        let raw = (environment["REC_KAFKA_AUTH"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard let auth = raw.isEmpty ? KafkaAuthentication.none : KafkaAuthentication(rawValue: raw) else {
            throw ConfigurationError("REC_KAFKA_AUTH must be none or msk-iam")
        }
        return auth
    }

    /// `REC_KAFKA_MSK_REGION`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    public var mskRegion: String? {
        for key in ["REC_KAFKA_MSK_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let v = environment[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { return v }
        }
        return nil
    }

    func configureKafkaAuthentication(_ config: inout KafkaConfiguration) throws {
        guard try kafkaAuthentication() == .mskIAM else { return }
        guard let region = mskRegion else { throw ConfigurationError("REC_KAFKA_AUTH=msk-iam needs the cluster's region: REC_KAFKA_MSK_REGION or AWS_REGION") }
        if let mechanism = config["sasl.mechanism"], mechanism.uppercased() != "OAUTHBEARER" {
            throw ConfigurationError("REC_KAFKA_AUTH=msk-iam signs OAUTHBEARER tokens, but KAFKA_SASL_MECHANISM=\(mechanism)")
        }
        config["sasl.mechanism"] = "OAUTHBEARER"
        if config["security.protocol"] == nil { config["security.protocol"] = "SASL_SSL" }
        let credentials = awsCredentials(transport: CurlHTTPTransport(maxConnections: 2))
        config.oauthBearer = KafkaOAuthBearer {
            let current = try await credentials.credentials()
            let token = MSKIAMAuthToken(credentials: current, region: region, date: Date())
            return KafkaOAuthBearer.Token(value: token.value, expiresAt: token.expiresAt, principal: current.maskedAccessKeyID)
        }
    }
}
