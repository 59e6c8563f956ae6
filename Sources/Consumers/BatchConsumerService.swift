// BatchConsumerService: the shared Kafka consumer loop of every pipeline.
//
// API (module Consumers):
//
//   public protocol BatchHandler: Sendable {
//       func handle(_ batch: [KafkaMessage]) async throws -> BatchOutcome   // one MessageOutcome per message, batch order
//       func prepare(_ messages: [KafkaMessage]) async                      // optional: pure work on the next poll
//   }
//   public enum MessageOutcome { case done, deadLetter(reason: String), retryLater(reason: String) }
//   public struct BatchOutcome { var results: [MessageOutcome]; static func allDone(_ n: Int) }
//
//   let consumer = try KafkaConsumer(configuration: kafka, groupID: "rec-products", topics: ["catalog.v1"])
//   let dlq = DeadLetterPublisher(producer: producer)                 // → "<topic>.dlq", headers dlq-error, dlq-source-*
//   let service = BatchConsumerService(consumer: consumer, handler: MyHandler(), deadLetters: dlq,
//                                      configuration: BatchConsumerConfiguration(name: "products"), logger: logger)
//   try await ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
//
// Contract:
// - The service owns `consumer`: it polls batches of up to `maxBatchSize` and closes the consumer when it returns.
//   While a batch is handled, the next poll runs (and the handler's optional `prepare(_:)` on its messages), so
//   at most two batches are in memory; the prefetched messages count as started only once their batch is built.
// - Offsets are committed (synchronously) after every batch, per partition, up to the first message that is not
//   done yet (OffsetTracker): never past a message whose effects are not durable. Handlers must be idempotent
//   (at-least-once delivery: crashes, retries and rebalances hand messages in again).
// - `.deadLetter(reason)`: the original bytes go to the DLQ, acked, then the message counts as done and
//   consumption continues. If the DLQ publish fails, the message is retried like `.retryLater`.
// - `handle` throwing: the error is classified (``FailureClass``, `configuration.classify`). Transient (database
//   connection, deadlock, resources, broker): the whole batch is retried as below, without limit. Permanent
//   (SQLSTATE classes 22 and 23) or unknown: the batch is split in halves and handled again (BatchIsolation), so
//   the good messages are applied and the failing ones found in O(log n) calls; a message rejected for good on
//   its own is dead-lettered with the error (`rec_consumer_poison_total{kind=rejected}`), one failing on its own
//   with an unknown error is retried and dead-lettered after `maxAttempts` (`{kind=attempts_exhausted}`).
// - `.retryLater`: the failed messages' partitions are paused (other partitions
//   keep flowing), and the failed messages (and only those, in offset order) are handed in again after a jittered
//   exponential backoff (`initialBackoff` doubling up to `maxBackoff`); the partition resumes once they succeed.
//   Nothing is skipped and the loop never spins: while all partitions wait, poll blocks until the next retry is due.
// - Rebalances: before partitions are revoked (inside librdkafka's rebalance callback) the durable offsets are
//   committed; retries pending for revoked partitions are dropped (the next owner gets them from the committed
//   offset). Eager and cooperative assignors both work.
// - Graceful shutdown (ServiceGroup SIGTERM → withGracefulShutdownHandler): stop polling, finish the batch in hand,
//   commit, close the consumer (leaving the group), return. Pending retries are abandoned uncommitted.
//   Plain task cancellation does the same but may interrupt the handler.
// - Metrics (swift-metrics, dimension `pipeline` = configuration.name): counter `rec_consumer_messages_total`
//   {outcome=done|dead_letter|retry}, counter `rec_consumer_dlq_total`, timer `rec_consumer_batch_duration`,
//   gauge `rec_consumer_lag` {topic, partition}, gauge `rec_consumer_paused_partitions`, counter
//   `rec_consumer_poison_total` {kind=rejected|attempts_exhausted}.
import Foundation
import Kafka
import RecCore
import Logging
import Metrics
import ServiceLifecycle

/// Runs a ``BatchHandler`` over a Kafka consumer with durable-only commits, dead-lettering,
/// paused-partition retries, rebalance handling and graceful shutdown (see the comment at the top of this file).
public final class BatchConsumerService<Handler: BatchHandler>: Service, Sendable {
    public let consumer: KafkaConsumer
    public let handler: Handler
    public let configuration: BatchConsumerConfiguration
    private let deadLetters: DeadLetterPublisher
    private let logger: Logger
    private let tracker = Locked(OffsetTracker())
    private let stopping = Locked(false)

    /// - Parameters:
    ///   - consumer: a fresh consumer; the service owns it from now on and closes it when `run` returns.
    ///   - handler: the pipeline.
    ///   - deadLetters: where `.deadLetter` messages go.
    public init(consumer: KafkaConsumer, handler: Handler, deadLetters: DeadLetterPublisher,
                configuration: BatchConsumerConfiguration = BatchConsumerConfiguration(), logger: Logger = Logger(label: "rec.consumer")) {
        self.consumer = consumer
        self.handler = handler
        self.deadLetters = deadLetters
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "pipeline"] = "\(configuration.name)"
        self.logger = logger
    }

    /// Asks the loop to stop after the batch in hand (what a SIGTERM does).
    public func requestStop() { stopping.withLock { $0 = true } }

    public func run() async throws {
        consumer.setRevokeCommitter { [tracker] revoked in
            tracker.withLock { t in
                let offsets = t.committable(only: revoked)
                t.forget(revoked)
                return offsets
            }
        }
        var failure: Error?
        await withGracefulShutdownHandler {
            do { try await loop() } catch { failure = error }
        } onGracefulShutdown: { [stopping] in
            stopping.withLock { $0 = true }
        }
        await commitDurable()
        await consumer.close()
        consumer.setRevokeCommitter(nil)
        logger.info("consumer stopped")
        if let failure { throw failure }
    }

    private func loop() async throws {
        let clock = ContinuousClock()
        let dims: [(String, String)] = [("pipeline", configuration.name)]
        let batchTimer = Metrics.Timer(label: "rec_consumer_batch_duration", dimensions: dims)
        let doneCounter = Counter(label: "rec_consumer_messages_total", dimensions: dims + [("outcome", "done")])
        let dlqMessages = Counter(label: "rec_consumer_messages_total", dimensions: dims + [("outcome", "dead_letter")])
        let retryCounter = Counter(label: "rec_consumer_messages_total", dimensions: dims + [("outcome", "retry")])
        let dlqCounter = Counter(label: "rec_consumer_dlq_total", dimensions: dims)
        let pausedGauge = Gauge(label: "rec_consumer_paused_partitions", dimensions: dims)
        let poisonCounter = Counter(label: "rec_consumer_poison_total", dimensions: dims + [("kind", "rejected")])
        let exhaustedCounter = Counter(label: "rec_consumer_poison_total", dimensions: dims + [("kind", "attempts_exhausted")])
        let isolation = BatchIsolation(handler: handler, classify: configuration.classify)
        var state = ConsumerLoop(configuration: configuration)
        var nextLag = clock.now + configuration.lagInterval
        // Messages polled (and prepared) while the previous batch was being handled.
        var prefetched: [KafkaMessage]?

        while !stopping.current, !Task.isCancelled {
            let timeout = state.pollTimeout(now: clock.now)
            let polled: [KafkaMessage]
            if let p = prefetched {
                polled = p
                prefetched = nil
            } else {
                do {
                    polled = try await consumer.poll(maxMessages: configuration.maxBatchSize, timeout: timeout)
                } catch let e as KafkaError where e.code == .closed {
                    return
                }
            }
            for event in consumer.drainRebalanceEvents() {
                switch event {
                case .revoked(let tps, _):
                    for tp in state.revoked(tps) {
                        logger.info("dropping pending retries of revoked partition", metadata: ["partition": "\(tp)"])
                    }
                    tracker.withLock { $0.forget(tps) }
                case .assigned(let tps):
                    try? consumer.resume(state.assigned(tps))
                }
            }

            tracker.withLock { t in for m in polled { t.started(m.topicPartition, offset: m.offset) } }
            let batch = state.batch(polled: polled, now: clock.now)
            if clock.now >= nextLag {
                nextLag = clock.now + configuration.lagInterval
                if let lags = try? await consumer.lag() {
                    for (tp, lag) in lags {
                        Gauge(label: "rec_consumer_lag", dimensions: dims + [("topic", tp.topic), ("partition", "\(tp.partition)")]).record(lag)
                    }
                }
            }
            guard !batch.messages.isEmpty else { continue }

            // Poll and prepare the next batch while this one is handled. Nothing of it is
            // committed or counted as started before this batch's outcomes are processed, so
            // the commit, pause and rebalance rules are those of a poll after the handler.
            async let next = pollAndPrepare(timeout: timeout)
            let started = clock.now
            let (isolated, calls) = await isolation.handle(batch.messages)
            if calls > 1 {
                logger.warning("batch failed; isolated the failing messages", metadata: ["messages": "\(batch.messages.count)", "handler_calls": "\(calls)"])
            }
            let decisions = state.decide(batch.messages, isolated)

            var failed = [KafkaTopicPartition: (messages: [KafkaMessage], reason: String)]()
            for (m, decision) in zip(batch.messages, decisions) {
                let tp = m.topicPartition
                switch decision {
                case .rejected(let reason):
                    poisonCounter.increment()
                    logger.warning("message rejected for good, isolated from its batch", metadata: [
                        "partition": "\(tp)", "offset": "\(m.offset)", "reason": "\(reason)",
                    ])
                case .exhausted(let reason, let n):
                    exhaustedCounter.increment()
                    logger.error("message failed on its own \(n) times; dead-lettering it", metadata: [
                        "partition": "\(tp)", "offset": "\(m.offset)", "reason": "\(reason)",
                    ])
                case .outcome:
                    break
                }
                switch decision.outcome {
                case .done:
                    tracker.withLock { $0.finished(tp, offset: m.offset) }
                    doneCounter.increment()
                    state.settled(m)
                case .deadLetter(let reason):
                    if failed[tp] != nil {
                        failed[tp]!.messages.append(m)  // keep partition order behind an earlier retry
                        continue
                    }
                    do {
                        try await deadLetters.publish(m, reason: reason)
                        tracker.withLock { $0.finished(tp, offset: m.offset) }
                        dlqCounter.increment()
                        dlqMessages.increment()
                        state.settled(m)
                        logger.warning("message dead-lettered", metadata: ["partition": "\(tp)", "offset": "\(m.offset)", "reason": "\(reason)"])
                    } catch {
                        logger.warning("dead-letter publish failed, will retry", metadata: ["error": "\(error)"])
                        failed[tp] = ((failed[tp]?.messages ?? []) + [m], "dead-letter publish failed")
                    }
                case .retryLater(let reason):
                    failed[tp] = ((failed[tp]?.messages ?? []) + [m], reason)
                    retryCounter.increment()
                }
            }
            batchTimer.recordInterval(since: started, now: clock.now)

            for action in state.handled(batch, failed: failed, now: clock.now, unit: { Double.random(in: 0..<1) }) {
                switch action {
                case .pause(let tp, let attempt, let delay, let reason):
                    try? consumer.pause([tp])
                    logger.warning("partition paused for retry", metadata: [
                        "partition": "\(tp)", "attempt": "\(attempt)", "delay": "\(delay)", "reason": "\(reason)",
                    ])
                case .resume(let tp):
                    try? consumer.resume([tp])
                    logger.info("partition resumed", metadata: ["partition": "\(tp)"])
                }
            }
            pausedGauge.record(state.pending.count)
            await commitDurable()
            do {
                prefetched = try await next
            } catch let e as KafkaError where e.code == .closed {
                return
            }
        }
    }

    /// One poll, then ``BatchHandler/prepare(_:)`` on what it returned.
    private func pollAndPrepare(timeout: Duration) async throws -> [KafkaMessage] {
        let polled = try await consumer.poll(maxMessages: configuration.maxBatchSize, timeout: timeout)
        if !polled.isEmpty { await handler.prepare(polled) }
        return polled
    }

    /// Commits every partition's finished prefix; a failed commit is retried after the next batch.
    private func commitDurable() async {
        let offsets = tracker.withLock { $0.committable() }
        guard !offsets.isEmpty else { return }
        do {
            try await consumer.commit(offsets)
            tracker.withLock { $0.markCommitted(offsets) }
        } catch {
            logger.warning("offset commit failed; will commit again later", metadata: ["error": "\(error)"])
        }
    }
}

extension Metrics.Timer {
    fileprivate func recordInterval(since start: ContinuousClock.Instant, now: ContinuousClock.Instant) {
        recordNanoseconds((now - start).nanoseconds)
    }
}
