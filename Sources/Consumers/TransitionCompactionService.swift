import Foundation
import Logging
import Profiles
import ServiceLifecycle

/// Merges the appended rows of each transition edge (``ProfileStore/compactTransitions(sourcesPerTransaction:)``)
/// every `interval`, a slice of source items per transaction, next to the interaction consumer: batches
/// append edges cheaply and this keeps the table at about one row per edge. Several consumers may run it
/// at once (their deletes of the same rows serialize; the later one merges what is left).
public struct TransitionCompactionService: Service {
    public let store: ProfileStore
    /// Time between passes. Default: 1 h.
    public let interval: Duration
    private let logger: Logger

    public init(store: ProfileStore, interval: Duration = .seconds(3600), logger: Logger = Logger(label: "rec.interactions.transitions")) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                do {
                    let (read, written) = try await store.compactTransitions()
                    if read > written { logger.info("compacted transitions", metadata: ["rows": "\(read)", "edges": "\(written)"]) }
                } catch {
                    logger.warning("compacting transitions failed; will try again", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
