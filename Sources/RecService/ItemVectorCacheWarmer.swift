import RecCore
import Logging
import ServiceLifecycle

/// Fills the recommender's item vector cache (``Recommender/warmVectorCache(pageSize:)``) while the
/// server already answers (misses are fetched per request until then), so a warm service needs no
/// follow-up vector statement.
///
/// A service of `rec serve`'s group that finishes once the cache is warm (add it with
/// ``serviceConfiguration``); a graceful shutdown cancels a warm-up still running. It never
/// fails the group: a failed warm-up only leaves vectors to be fetched on demand.
public struct ItemVectorCacheWarmer: Service {
    let recommender: Recommender
    /// Vectors read per statement. Default: 2,000.
    let pageSize: Int
    let logger: Logger

    public init(recommender: Recommender, pageSize: Int = 2_000, logger: Logger) {
        self.recommender = recommender
        self.pageSize = pageSize
        self.logger = logger
    }

    public func run() async throws {
        let started = ContinuousClock.now
        do {
            let n = try await cancelWhenGracefulShutdown { try await recommender.warmVectorCache(pageSize: pageSize) }
            logger.info("item vector cache warmed", metadata: ["vectors": "\(n)", "seconds": "\((ContinuousClock.now - started).seconds)"])
        } catch is CancellationError {
            logger.info("item vector cache warm-up cancelled", metadata: ["vectors": "\(recommender.store.vectorCache.count)"])
        } catch {
            logger.warning("item vector cache warm-up stopped; vectors are fetched on demand", metadata: ["reason": "\(error)"])
        }
    }

    /// This service in a service group: its end, early or not, neither stops nor fails the group.
    public var serviceConfiguration: ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: self, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)
    }
}
