import BedrockClient
import Foundation
import Testing
import TitanLocal

@Suite("rec titan-local configuration")
struct TitanLocalConfigurationTests {
    @Test("model directory: option, then REC_TITAN_MODEL_DIR, then ./.stack/models")
    func modelDirectory() {
        let env = ["REC_TITAN_MODEL_DIR": "/env/model"]
        #expect(TitanLocalConfiguration.modelDirectory(option: "/opt/model", environment: env, currentDirectory: "/repo").path == "/opt/model")
        #expect(TitanLocalConfiguration.modelDirectory(option: nil, environment: env, currentDirectory: "/repo").path == "/env/model")
        #expect(TitanLocalConfiguration.modelDirectory(option: nil, environment: [:], currentDirectory: "/repo").path
            == "/repo/.stack/models/all-MiniLM-L6-v2")
    }

    @Test("SigV4 keys come from options or the AWS variables; region defaults to us-east-1")
    func sigV4() throws {
        let env = ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s3cret"]
        guard case .sigV4(let fromEnv) = try TitanLocalConfiguration.sigV4(accessKeyID: nil, secretAccessKey: nil, environment: env) else {
            Issue.record("expected SigV4"); return
        }
        #expect(fromEnv.secretsByAccessKeyID == ["AKIDENV": "s3cret"])
        #expect(fromEnv.region == "us-east-1")
        #expect(fromEnv.service == "bedrock")
        guard case .sigV4(let explicit) = try TitanLocalConfiguration.sigV4(
            accessKeyID: "AKIDOPT", secretAccessKey: "x", environment: env.merging(["AWS_REGION": "eu-west-1"]) { $1 }) else {
            Issue.record("expected SigV4"); return
        }
        #expect(explicit.secretsByAccessKeyID == ["AKIDOPT": "x"])
        #expect(explicit.region == "eu-west-1")
    }

    @Test("without keys, SigV4 setup fails and says how to fix it, without printing secrets")
    func missingKeys() {
        #expect {
            _ = try TitanLocalConfiguration.sigV4(accessKeyID: nil, secretAccessKey: nil, environment: ["AWS_ACCESS_KEY_ID": "AKID"])
        } throws: { error in
            "\(error)".contains("--no-auth") && "\(error)".contains("AWS_SECRET_ACCESS_KEY")
        }
    }
}
