import BedrockTestSupport
import Foundation
import Testing
@testable import BedrockClient

/// The loopback fake must not disturb other tests running beside it in the same process.
@Suite struct LoopbackHTTPServerTests {
    /// Many endpoints start, serve and shut down at once, as the parallel suite does. Before descriptor
    /// ownership was fixed, an endpoint shutting down called `shutdown(2)`/`accept(2)` on descriptor numbers
    /// it had already given up, which by then belonged to another endpoint's listening socket or
    /// connection: that endpoint's client saw a reset, an empty reply or a refused connect (4 to 17 times in
    /// 5 s on the 2-core machine), and with retries an attempt was spent that the endpoint never counted.
    @Test func endpointsComingAndGoingNeverTouchEachOthersConnections() async throws {
        let deadline = ContinuousClock.now + .seconds(3)
        let failures = FailureLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var round = 0
                    while ContinuousClock.now < deadline, round < 400 {
                        round += 1
                        let fake = try FakeBedrockEndpoint()
                        do {
                            // Released before the endpoint shuts down, so both ends close at about the same time.
                            let client = try TitanEmbeddingClientTests.client(fake, retry: .none)
                            for k in 0..<2 {
                                do { _ = try await client.embed(text: "w\(worker) r\(round) k\(k)", dimensions: 256) } catch {
                                    failures.append("\(error)")
                                }
                            }
                        }
                        if fake.requestCount != 2 { failures.append("endpoint counted \(fake.requestCount) requests for 2") }
                        fake.shutdown()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(failures.entries.isEmpty, "\(failures.entries.count) failures, e.g. \(failures.entries.prefix(3))")
    }
}

final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ entry: String) { lock.lock(); list.append(entry); lock.unlock() }
    var entries: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
