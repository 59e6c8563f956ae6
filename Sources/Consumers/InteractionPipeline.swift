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
/// the DLQ with the reason. A database error throws: ``BatchConsumerService``
/// retries the batch when it is transient and, when the server rejects the data
/// for good, narrows the batch down by halves to the offending events, which are
/// dead-lettered (``FailureClass``, ``BatchIsolation``); the store's event-id
/// dedup makes every re-handling harmless.
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
            try await store.record(valid.map(\.interaction))
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
