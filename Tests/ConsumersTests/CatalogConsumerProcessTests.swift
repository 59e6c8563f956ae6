import BedrockTestSupport
import Foundation
import Testing
@testable import Consumers

/// `rec consume products` as a real process: killed mid-stream and restarted, then stopped with SIGTERM.
@Suite(.enabled(if: TestStack.integration), .serialized) struct CatalogConsumerProcessTests {
    static var recBinary: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/rec").path
    }

    @Test func sigkillMidBatchThenRestartLosesNothingAndSigtermExitsCleanly() async throws {
        let rec = Self.recBinary
        try #require(FileManager.default.isExecutableFile(atPath: rec), "build the rec executable first (swift build)")
        try await TestStack.withSchema { url in
            let fake = try FakeBedrockEndpoint(latency: 0.03)
            let h = try await CatalogHarness.make(url: url, fake: fake, partitions: 3)
            defer { h.close() }
            let n = 300
            try await h.publish(DemoCatalog.events(DemoCatalog.products(count: n, seed: 7)))
            let env = TestStack.recProcessEnvironment(url: url, bedrockEndpoint: fake.endpoint)
            let args = ["consume", "products", "--topic", h.topic, "--group", h.group, "--dimensions", "256", "--batch-size", "64"]
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(h.topic).log").path

            let first = try ChildProcess.spawn(rec, args, environment: env, logPath: log)
            let started = try await TestStack.eventually(within: .seconds(60)) { try await h.processed() >= 40 }
            first.signal(SIGKILL)
            #expect(await first.wait() == 128 + SIGKILL)
            #expect(started, "the first consumer made progress (log: \(log))")
            let atKill = try await h.processed()
            #expect(atKill < n, "killed before the end")

            let second = try ChildProcess.spawn(rec, args, environment: env, logPath: log)
            let finished = try await TestStack.eventually(within: .seconds(120)) { try await h.processed() == n }
            second.signal(SIGTERM)
            #expect(await second.wait() == 0, "SIGTERM drains, commits and exits 0 (log: \(log))")
            #expect(finished)
            #expect(try await h.count("SELECT count(*) FROM items WHERE deleted_at IS NULL") == n)
            #expect(try await h.count("SELECT count(*) FROM item_embeddings") == n)
            // Everything was committed by the clean stop: a new run of the group finds nothing to do.
            let committed = try await h.count("SELECT count(*) FROM processed_catalog_events")
            #expect(committed == n)
        }
    }
}
