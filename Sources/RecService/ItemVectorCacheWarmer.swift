import RecCore
import Logging
import ServiceLifecycle

/// Fills the recommender's item vector cache (``Recommender/warmVectorCache(space:pageSize:)``) while the
/// server already answers (misses are fetched per request until then), so a warm service needs no
/// follow-up vector statement; and again for the new live space after a switch-over (checked every
/// ``switchCheckInterval``), while requests of the new space fetch their misses as usual.
///
/// A service of `rec serve`'s group that finishes once the cache is warm when the spaces are fixed, and
/// keeps watching them when they are read from the database (add it with ``serviceConfiguration``); a
/// graceful shutdown cancels a warm-up still running. It never fails the group: a failed warm-up only
/// leaves vectors to be fetched on demand.
public struct ItemVectorCacheWarmer: Service {
    let recommender: Recommender
    /// Vectors read per statement. Default: 2,000.
    let pageSize: Int
    /// How often the live space is compared with the one warmed last. Default: 1 s.
    let switchCheckInterval: Duration
    let logger: Logger

    public init(recommender: Recommender, pageSize: Int = 2_000, switchCheckInterval: Duration = .seconds(1), logger: Logger) {
        self.recommender = recommender
        self.pageSize = pageSize
        self.switchCheckInterval = switchCheckInterval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var warmed: ServingSpace?
            while !Task.isCancelled {
                // nil while the spaces cannot be read yet (the database does not answer): try again shortly.
                if let live = try? await recommender.servingSpace(), live != warmed {
                    await warm(live, reason: warmed == nil ? "item vector cache warmed" : "item vector cache of the new live space warmed")
                    warmed = live
                    if !recommender.spaces.isDatabaseBacked { return }
                }
                try? await Task.sleep(for: switchCheckInterval)
            }
        }
    }

    private func warm(_ space: ServingSpace, reason: String) async {
        let started = ContinuousClock.now
        do {
            let n = try await cancelWhenGracefulShutdown { try await recommender.warmVectorCache(space: space, pageSize: pageSize) }
            logger.info("\(reason)", metadata: ["space": "\(space.name)", "vectors": "\(n)", "seconds": "\((ContinuousClock.now - started).seconds)"])
        } catch is CancellationError {
            logger.info("item vector cache warm-up cancelled", metadata: ["space": "\(space.name)", "vectors": "\(recommender.store.vectorCaches.cache(for: space.name).count)"])
        } catch {
            logger.warning("item vector cache warm-up stopped; vectors are fetched on demand", metadata: ["space": "\(space.name)", "reason": "\(error)"])
        }
    }

    /// This service in a service group: its end, early or not, neither stops nor fails the group.
    public var serviceConfiguration: ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: self, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)
    }
}
