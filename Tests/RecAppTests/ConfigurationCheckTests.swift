import Foundation
import Testing
@testable import RecApp

@Suite struct ConfigurationCheckTests {
    static let valid: [String: String] = [
        "DATABASE_URL": "postgresql://rec:s3cret-pw@127.0.0.1:25432/rec",
        "KAFKA_BROKERS": "127.0.0.1:29092",
        "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "KAFKA_SASL_PASSWORD": "kafka-pw",
        "AWS_REGION": "us-east-1",
        "AWS_SECRET_ACCESS_KEY": "aws-secret",
        "REC_API_KEY": "rk_live_key",
    ]

    @Test func validEnvironmentHasNoProblems() {
        #expect(ConfigurationCheck(environment: Self.valid).problems() == [])
    }

    @Test func secretsNeverPrinted() {
        let printed = ConfigurationCheck(environment: Self.valid).entries.map { "\($0.name)=\($0.value)" }.joined(separator: "\n")
        for secret in ["s3cret-pw", "kafka-pw", "aws-secret", "rk_live_key"] { #expect(!printed.contains(secret), "\(secret) printed") }
        #expect(printed.contains("postgresql://rec:***@127.0.0.1:25432/rec"))
        #expect(printed.contains("KAFKA_SESSION_TIMEOUT_MS=6000"))
    }

    @Test func eachProblemIsNamed() {
        func messages(_ extra: [String: String], _ processes: [Setting.Process] = []) -> [String] {
            ConfigurationCheck(environment: Self.valid.merging(extra) { $1 }, processes: processes).problems().map(\.description)
        }
        #expect(messages(["REC_EMBEDDING_DIMS": "256"]).contains { $0.hasPrefix("error: REC_EMBEDDING_DIMS was renamed BEDROCK_EMBEDDING_DIMENSIONS") })
        #expect(messages(["REC_W_LONGG": "1"]).contains { $0.hasPrefix("warning:") && $0.contains("did you mean REC_W_LONG?") })
        #expect(messages(["REC_POPULARITY_HALF_LIFE_DAYS": "-1"]).contains { $0.contains("REC_POPULARITY_HALF_LIFE_DAYS") })
        #expect(messages(["KAFKA_NOT_A_PROPERTY": "1"]).contains { $0.contains("not.a.property") })
        #expect(messages(["KAFKA_SESSION_TIMEOUT_MS": "abc"]).contains { $0.contains("session.timeout.ms") })
        #expect(messages(["REC_EMBEDDING_MODE": "separate"]).contains { $0.contains("REC_EMBEDDING_KIND=fused") })
        #expect(messages(["REC_EMBEDDING_MODE": "separate", "REC_EMBEDDING_KIND": "image"]) == [])
        #expect(messages(["BEDROCK_EMBEDDING_DIMENSIONS": "512"]).contains { $0.contains("512") || $0.contains("256") })
        #expect(messages(["DATABASE_URL": "postgresql://rec:pw@db.example.com/rec"]).contains { $0.contains("sslmode=verify-full") })
        #expect(messages(["DATABASE_URL": "postgresql://rec:pw@db.example.com/rec?sslmode=verify-full&sslrootcert=/ca.pem"]) == [])
        #expect(messages(["DATABASE_URL": "postgresql://rec:pw@h/rec?bogus=1"]).contains { $0.contains("invalid database URL") && !$0.contains("pw@") })
        #expect(messages(["REC_AUTH": "off", "REC_HTTP_HOST": "0.0.0.0"]).contains { $0.contains("REC_AUTH=off") })
        // A name that only starts like a loopback address is not one (LoopbackHost).
        #expect(messages(["REC_AUTH": "off", "REC_HTTP_HOST": "127.api.example.com"]).contains { $0.contains("REC_AUTH=off") })
        #expect(!messages(["REC_AUTH": "off", "REC_HTTP_HOST": "::1"]).contains { $0.contains("REC_AUTH=off") })
        #expect(messages(["DATABASE_URL": "postgresql://rec:pw@127.db.example.com/rec"]).contains { $0.contains("sslmode=verify-full") })
        #expect(!messages(["DATABASE_URL": "postgresql://rec:pw@127.0.0.1:5432/rec"]).contains { $0.contains("sslmode=verify-full") })
        #expect(messages(["REC_TOPIC_REPLICATION": "0"]).contains { $0.contains("REC_TOPIC_REPLICATION") })
        #expect(messages(["REC_HTTP_HEADER_TIMEOUT_S": "x"], [.serve]).contains { $0.contains("REC_HTTP_HEADER_TIMEOUT_S") })
        // A serve-only mistake does not fail a check of titan-local.
        #expect(messages(["REC_HTTP_HEADER_TIMEOUT_S": "x"], [.titanLocal]) == [])
        #expect(messages(["KAFKA_BROKERS": ""], [.interactions]).contains { $0.contains("KAFKA_BROKERS is not set") })
    }

    @Test func comparesSharedSettingsAcrossProcesses() {
        let check = ConfigurationCheck(environment: Self.valid)
        #expect(check.differences(from: Self.valid, label: "b.env") == [])
        // Unset equals the default.
        #expect(check.differences(from: Self.valid.merging(["REC_POPULARITY_HALF_LIFE_DAYS": "7"]) { $1 }, label: "b.env") == [])
        let diff = check.differences(from: Self.valid.merging(["REC_POPULARITY_HALF_LIFE_DAYS": "3", "REC_W_LONG": "2"]) { $1 }, label: "b.env")
        #expect(diff.map(\.message) == ["REC_POPULARITY_HALF_LIFE_DAYS differs: 7 here, 3 in b.env (one value for every process)"])
    }

    @Test func environmentFiles() throws {
        let env = try EnvironmentFile.parse("""
            # comment
            export DATABASE_URL='postgresql://a@b/c'
            KAFKA_BROKERS="h:9092"

            REC_W_LONG=2
            export LD_LIBRARY_PATH='/x'${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
            """, path: "t.env")
        #expect(env == ["DATABASE_URL": "postgresql://a@b/c", "KAFKA_BROKERS": "h:9092", "REC_W_LONG": "2"])
        #expect(throws: ConfigurationError.self) { try EnvironmentFile.parse("REC_W_LONG='2", path: "t.env") }
        #expect(throws: ConfigurationError.self) { try EnvironmentFile.parse("just words", path: "t.env") }
    }
}

@Suite struct MSKIAMConfigurationTests {
    @Test func mskIAMSignsTokensWithTheProcessCredentials() async throws {
        let app = try AppConfiguration.fromEnvironment([
            "KAFKA_BROKERS": "b-1.cluster.kafka.eu-west-1.amazonaws.com:9098", "REC_KAFKA_AUTH": "msk-iam", "AWS_REGION": "us-east-1",
            "REC_KAFKA_MSK_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_EC2_METADATA_DISABLED": "true",
        ])
        let kafka = try app.kafkaConfiguration()
        #expect(kafka["sasl.mechanism"] == "OAUTHBEARER" && kafka["security.protocol"] == "SASL_SSL")
        let provider = try #require(kafka.oauthBearer)
        let token = try await provider.token()
        var b64 = token.value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        let data = try #require(Data(base64Encoded: b64))
        let url = String(decoding: data, as: UTF8.self)
        #expect(url.hasPrefix("https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect&"))
        #expect(url.contains("X-Amz-Credential=AKIDEXAMPLE%2F") && url.contains("%2Feu-west-1%2Fkafka-cluster%2Faws4_request"))
        #expect(token.expiresAt.timeIntervalSinceNow > 800 && token.expiresAt.timeIntervalSinceNow <= 900)
        try kafka.validate()
    }

    @Test func mskIAMRefusesAnotherMechanism() {
        #expect(throws: ConfigurationError.self) {
            try AppConfiguration.fromEnvironment(["KAFKA_BROKERS": "h:9098", "REC_KAFKA_AUTH": "msk-iam", "AWS_REGION": "eu-west-1",
                                                  "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512"]).kafkaConfiguration()
        }
        #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment(["KAFKA_BROKERS": "h:9098", "REC_KAFKA_AUTH": "iam"]).kafkaConfiguration() }
    }
}
