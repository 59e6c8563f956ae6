import Foundation
import Kafka
import Logging
import Postgres
import Profiles
import RecCore

/// The `interactions.v1` handler: decode and validate each message, then log
/// and fold the whole batch in one ``ProfileStore`` transaction.
///
/// Invalid messages (not JSON, missing ids, unknown type, bad timestamp) go to
/// the DLQ with the reason. A database error that retrying may cure throws, so
/// ``BatchConsumerService`` pauses and retries the batch (nothing is skipped; the
/// store's event-id dedup makes the retry harmless). A statement the server
/// rejects for good is narrowed down to the offending messages, which are
/// dead-lettered, so one poison event cannot stall its partition.
///
/// After a batch, and at least every ``pendingFoldInterval``, it also folds
/// logged interactions whose item has gained a vector since (see
/// ``PendingFoldService`` for the idle-time pass).
public struct InteractionPipeline: BatchHandler {
    public let store: ProfileStore
    /// Least time between two pending-fold passes run after batches. Default: 2 s.
    public let pendingFoldInterval: Duration
    private let lastFold = Locked<ContinuousClock.Instant?>(nil)
    /// Decodings done by ``prepare(_:)`` for messages not handled yet, by position in the
    /// log (a message's bytes never change). Only the latest prepared poll is kept.
    private let prepared = Locked<[MessagePosition: Result<Interaction, InteractionEventError>]>([:])
    private let logger: Logger

    public init(store: ProfileStore, pendingFoldInterval: Duration = .seconds(2), logger: Logger = Logger(label: "rec.interactions")) {
        self.store = store
        self.pendingFoldInterval = pendingFoldInterval
        self.logger = logger
    }

    public func handle(_ batch: [KafkaMessage]) async throws -> BatchOutcome {
        var results = [MessageOutcome](repeating: .done, count: batch.count)
        var valid = [(index: Int, interaction: Interaction)]()
        valid.reserveCapacity(batch.count)
        let ready = prepared.withLock { stash -> [Result<Interaction, InteractionEventError>?] in
            batch.map { stash.removeValue(forKey: MessagePosition($0)) }
        }
        let missing = ready.indices.filter { ready[$0] == nil }
        var decodings = ready
        if !missing.isEmpty {
            for (k, result) in await Self.decode(missing.map { batch[$0] }) { decodings[missing[k]] = result }
        }
        for (i, decoded) in decodings.enumerated() {
            guard let decoded else { continue }
            switch decoded {
            case .success(let interaction): valid.append((i, interaction))
            case .failure(let error): results[i] = .deadLetter(reason: error.description)
            }
        }
        if !valid.isEmpty {
            do {
                try await store.record(valid.map(\.interaction))
            } catch where Self.isPoison(error) {
                // Something in the batch is rejected for good: find it, one event at a time.
                logger.warning("batch rejected by the database; retrying event by event", metadata: ["error": "\(error)"])
                for (i, interaction) in valid {
                    do {
                        try await store.record([interaction])
                    } catch where Self.isPoison(error) {
                        results[i] = .deadLetter(reason: "rejected by the database: \(error)")
                    }
                }
            }
        }
        await foldPendingIfDue()
        return BatchOutcome(results)
    }

    /// Decodes a freshly polled batch while the previous one is still being recorded.
    public func prepare(_ messages: [KafkaMessage]) async {
        var stash = [MessagePosition: Result<Interaction, InteractionEventError>](minimumCapacity: messages.count)
        for (i, result) in await Self.decode(messages) { stash[MessagePosition(messages[i])] = result }
        prepared.withLock { $0 = stash }
    }

    /// Where a message sits in its topic.
    struct MessagePosition: Hashable, Sendable {
        var topic: String
        var partition: Int32
        var offset: Int64
        init(_ m: KafkaMessage) { (topic, partition, offset) = (m.topic, m.partition, m.offset) }
    }

    /// Messages decoded per task: large batches are decoded in slices on all cores
    /// (decoding is pure CPU, a fifth of a batch's own work), small ones in place.
    static let decodeSlice = 8192

    /// Every message decoded, in batch order.
    static func decode(_ batch: [KafkaMessage]) async -> [(Int, Result<Interaction, InteractionEventError>)] {
        @Sendable func run(_ range: Range<Int>) -> [(Int, Result<Interaction, InteractionEventError>)] {
            range.map { i in
                do throws(InteractionEventError) { return (i, .success(try InteractionEvent.decode(batch[i].value))) } catch { return (i, .failure(error)) }
            }
        }
        guard batch.count > decodeSlice else { return run(batch.indices) }
        let ranges = stride(from: 0, to: batch.count, by: decodeSlice).map { $0..<min($0 + decodeSlice, batch.count) }
        return await boundedMap(ranges, limit: ProcessInfo.processInfo.activeProcessorCount, run).flatMap { $0 }
    }

    /// Whether `error` says the data itself is unacceptable (so retrying cannot help):
    /// a data exception (SQLSTATE class 22), an integrity violation (23), or a
    /// stored profile that cannot be decoded. Anything else (connection loss,
    /// timeouts, lock or resource trouble) is retried, never dead-lettered.
    static func isPoison(_ error: Error) -> Bool {
        if let pg = error as? PostgresError, pg.code == .server, let state = pg.sqlState {
            return state.hasPrefix("22") || state.hasPrefix("23")
        }
        if let store = error as? ProfileStoreError { return store.code == .corruptProfile }
        return false
    }

    /// Runs a pending-fold pass if the last one is older than ``pendingFoldInterval``.
    /// Its failures are logged only: the batch itself is already durable.
    public func foldPendingIfDue() async {
        let now = ContinuousClock.now
        let due = lastFold.withLock { last -> Bool in
            if let l = last, now - l < pendingFoldInterval { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            while try await store.foldPending() > 0 {}
        } catch {
            logger.warning("folding pending interactions failed; will try again", metadata: ["error": "\(error)"])
        }
    }
}
