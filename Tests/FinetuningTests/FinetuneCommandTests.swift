import Foundation
import IntegrationTestSupport
import Testing

/// `rec finetune dataset validate` as a process: its exit codes and outputs (needs the built `rec`, as
/// `swift build --build-tests` leaves it).
enum RecBinary {
    static let path = IntegrationStack.repository.appendingPathComponent(".build/debug/rec").path
}

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: RecBinary.path)))
struct FinetuneCommandTests {
    static let rec = RecBinary.path

    /// Runs `rec` with `arguments`; returns the exit code and what it printed (stdout and stderr together).
    static func run(_ arguments: [String]) async throws -> (code: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rec-finetune-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("REC_") && !$0.key.hasPrefix("BEDROCK_") }
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_CONFIG_FILE"] = "/nonexistent"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
        let status = await IntegrationStack.wait(try IntegrationStack.spawn(rec, arguments, environment: env, log: log))
        return ((status >> 8) & 0xFF, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test func exitCodes() async throws {
        let dir = try Fixtures.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Fixtures.write(try Fixtures.png(256, 256), "ok.png", in: dir)
        var lines: [String] = []
        for i in 0..<8 {
            try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("\(i).png").path, withDestinationPath: dir.appendingPathComponent("ok.png").path)
            lines.append(Fixtures.line("\(i).png", "caption \(i)"))
        }
        let valid = try Fixtures.write(Array(lines.joined(separator: "\n").utf8), "validation.jsonl", in: dir)
        let invalid = try Fixtures.write(Array((lines + ["{oops"]).joined(separator: "\n").utf8), "more/validation.jsonl", in: dir)

        let ok = try await Self.run(["finetune", "dataset", "validate", valid.path, "--quiet"])
        #expect(ok.code == 0, "\(ok.output)")
        #expect(ok.output.contains("VALID"))

        let bad = try await Self.run(["finetune", "dataset", "validate", invalid.path, "--base-dir", dir.path, "--json", "--quiet"])
        #expect(bad.code == 1, "\(bad.output)")
        let report = try JSONSerialization.jsonObject(with: Data(bad.output.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == false && report?["role"] as? String == "validation")
        #expect((report?["violations"] as? [[String: Any]])?.first?["line"] as? Int == 9)

        let missing = try await Self.run(["finetune", "dataset", "validate", dir.appendingPathComponent("nope.jsonl").path])
        #expect(missing.code == 2, "\(missing.output)")
        let usage = try await Self.run(["finetune", "dataset", "validate", valid.path, "--role", "testing"])
        #expect(usage.code == 2, "\(usage.output)")
        let unknownOption = try await Self.run(["finetune", "dataset", "validate", valid.path, "--frobnicate"])
        #expect(unknownOption.code == 2, "\(unknownOption.output)")
        let help = try await Self.run(["finetune", "dataset", "validate", "--help"])
        #expect(help.code == 0 && help.output.contains("--base-dir"))
        let badExport = try await Self.run(["finetune", "dataset", "export", "--out", dir.path, "--validation-fraction", "2"])
        #expect(badExport.code == 2, "\(badExport.output)")
    }
}
