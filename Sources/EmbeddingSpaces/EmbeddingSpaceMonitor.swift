import Logging
import ServiceLifecycle

/// Re-reads the embedding spaces every ``EmbeddingSpaceRegistry/refreshInterval`` (and, when asked, their
/// coverage for the `/metrics` gauges), calling `onLiveChange` after a switch: a service of `rec serve`'s and
/// `rec consume`'s service groups. A failed read keeps the last spaces (and is logged); the next one retries.
public struct EmbeddingSpaceMonitor: Service {
    let registry: EmbeddingSpaceRegistry
    /// How often coverage is measured (nil: never). `rec serve`: 30 s.
    let coverageInterval: Duration?
    let onLiveChange: (@Sendable (EmbeddingSpace) async -> Void)?
    let logger: Logger

    public init(registry: EmbeddingSpaceRegistry, coverageInterval: Duration? = nil,
                onLiveChange: (@Sendable (EmbeddingSpace) async -> Void)? = nil, logger: Logger) {
        self.registry = registry
        self.coverageInterval = coverageInterval
        self.onLiveChange = onLiveChange
        self.logger = logger
    }

    public func run() async throws {
        guard registry.isDatabaseBacked else { return }
        await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            var nextCoverage = clock.now
            var failing = false
            while !Task.isCancelled {
                do {
                    let (before, after) = try await registry.refresh()
                    if failing { logger.info("embedding spaces readable again") }
                    failing = false
                    if before.live.name != after.live.name, let onLiveChange { await onLiveChange(after.live) }
                } catch {
                    if !failing { logger.warning("could not re-read the embedding spaces; keeping the last ones", metadata: ["reason": "\(error)"]) }
                    failing = true
                }
                if let coverageInterval, clock.now >= nextCoverage {
                    nextCoverage = clock.now + coverageInterval
                    do { try await registry.refreshCoverage() } catch {
                        logger.debug("could not measure embedding space coverage", metadata: ["reason": "\(error)"])
                    }
                }
                try? await Task.sleep(for: registry.refreshInterval)
            }
        }
    }
}
