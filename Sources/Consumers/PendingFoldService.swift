import Foundation
import Logging
import Profiles
import ServiceLifecycle

/// Folds logged interactions whose item vector has arrived since, every
/// `interval`, also while no interaction messages arrive (a quiet topic must not
/// leave profiles stale). Runs next to the interaction consumer in its service group.
public struct PendingFoldService: Service {
    public let store: ProfileStore
    /// Time between passes. Default: 5 s.
    public let interval: Duration
    private let logger: Logger

    public init(store: ProfileStore, interval: Duration = .seconds(5), logger: Logger = Logger(label: "rec.interactions.pending")) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    var folded = 0
                    while true {
                        let n = try await store.foldPending()
                        folded += n
                        if n == 0 { break }
                    }
                    if folded > 0 { logger.info("folded pending interactions", metadata: ["count": "\(folded)"]) }
                } catch {
                    logger.warning("folding pending interactions failed; will try again", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
