import Logging
import NIOConcurrencyHelpers
import Postgres
import ServiceLifecycle
import Testing
@testable import RecService

/// The cache warm-up is a service of the group: it fills the cache beside a running server, its end
/// does not stop the group, and the group's graceful shutdown ends the whole.
@Suite("Item vector cache warm-up", .enabled(if: ServiceTestStack.integration), .serialized)
struct ItemVectorCacheWarmerTests {
    /// Stands in for the HTTP server: runs until the group shuts down.
    struct Server: Service {
        let stopped = NIOLockedValueBox(false)
        func run() async throws {
            try? await gracefulShutdown()
            stopped.withLockedValue { $0 = true }
        }
    }

    @Test func theWarmUpFillsTheCacheBesideTheServerAndEndsWithoutStoppingIt() async throws {
        try await ServiceTestStack.withSchema { pool, conn in
            let catalog = try TestCatalog.seed(conn)
            let recommender = try ServiceTestStack.recommender(pool)
            var logger = Logger(label: "rec.test.warm")
            logger.logLevel = .warning
            let warmer = ItemVectorCacheWarmer(recommender: recommender, logger: logger)
            let server = Server()
            let group = ServiceGroup(configuration: .init(services: [.init(service: server), warmer.serviceConfiguration],
                                                          gracefulShutdownSignals: [], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let end = ContinuousClock.now + .seconds(20)
                while recommender.store.vectorCache.count < catalog.vectors.count, ContinuousClock.now < end {
                    try await Task.sleep(for: .milliseconds(25))
                }
                #expect(recommender.store.vectorCache.count == catalog.vectors.count)
                try await Task.sleep(for: .milliseconds(100))
                #expect(!server.stopped.withLockedValue { $0 }, "the server still runs after the warm-up ended")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                #expect(server.stopped.withLockedValue { $0 })
            }
        }
    }
}
