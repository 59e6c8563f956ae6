import CRdKafka
import Foundation
import Logging

/// An idempotent producer whose `send` returns once the broker acknowledged
/// the record (its delivery report), so callers can answer "accepted" truthfully.
public final class KafkaProducer: @unchecked Sendable {
    private final class DeliveryBox {
        let continuation: CheckedContinuation<KafkaDeliveryReport, Error>
        init(_ c: CheckedContinuation<KafkaDeliveryReport, Error>) { continuation = c }
    }

    private let handle: RDKafkaHandle
    private let logger: Logger
    private let lock = NSLock()
    private var closed = false
    private let pollerDone = DispatchSemaphore(value: 0)

    /// - Parameter configuration: any librdkafka producer properties. Defaults
    ///   added unless given: `enable.idempotence=true`, `acks=all`, `linger.ms=5`.
    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "rec.kafka.producer")) throws {
        var config = configuration
        for (k, v) in ["enable.idempotence": "true", "acks": "all", "linger.ms": "5"] where config[k] == nil { config[k] = v }
        let conf = try config.makeConf(for: .producer)
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
            guard let message, let opaque = message.pointee._private else { return }
            let box = Unmanaged<DeliveryBox>.fromOpaque(opaque).takeRetainedValue()
            let m = message.pointee
            if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                box.continuation.resume(returning: KafkaDeliveryReport(
                    topic: String(cString: rd_kafka_topic_name(m.rkt)), partition: m.partition, offset: m.offset))
            } else {
                box.continuation.resume(throwing: KafkaError(.produce, m.err, context: "delivery failed"))
            }
        }
        handle = try RDKafkaHandle(type: RD_KAFKA_PRODUCER, conf: conf)
        self.logger = logger
        logger.info("kafka producer started", metadata: ["librdkafka": "\(KafkaLibrary.version)", "brokers": "\(config["bootstrap.servers"] ?? "")"])
        // Delivery reports are served by rd_kafka_poll on this dedicated thread.
        let rk = handle
        let thread = Thread { [weak self] in
            while let self, !self.isClosed { rd_kafka_poll(rk.pointer, 100) }
            self?.pollerDone.signal()
        }
        thread.name = "rec.kafka.producer.poll"
        thread.start()
    }

    private var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }

    /// Produces `record` and waits for the broker's acknowledgement.
    ///
    /// - Throws: ``KafkaError`` `produce` (with `isRetriable`) or `closed`.
    @discardableResult
    public func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport {
        guard !isClosed else { throw KafkaError(.closed, "producer is closed") }
        return try await withCheckedThrowingContinuation { cont in
            let box = Unmanaged.passRetained(DeliveryBox(cont)).toOpaque()
            var headers: OpaquePointer?
            if !record.headers.isEmpty {
                headers = rd_kafka_headers_new(record.headers.count)
                for h in record.headers {
                    h.value.withUnsafeBytes { _ = rd_kafka_header_add(headers, h.name, -1, $0.baseAddress, $0.count) }
                }
            }
            let err = record.value.withUnsafeBytes { value in
                (record.key ?? []).withUnsafeBytes { key in
                    crdkafka_produce(handle.pointer, record.topic, record.partition ?? RD_KAFKA_PARTITION_UA,
                                     record.key == nil ? nil : key.baseAddress, record.key == nil ? 0 : key.count,
                                     value.baseAddress, value.count, headers, box)
                }
            }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if let headers { rd_kafka_headers_destroy(headers) }
                Unmanaged<DeliveryBox>.fromOpaque(box).release()
                cont.resume(throwing: KafkaError(.produce, err, context: "produce to \(record.topic)"))
            }
        }
    }

    /// Produces many records concurrently and waits for all acknowledgements.
    ///
    /// - Returns: one result per record, in input order.
    public func sendAll(_ records: [KafkaProducerRecord]) async -> [Result<KafkaDeliveryReport, Error>] {
        await withTaskGroup(of: (Int, Result<KafkaDeliveryReport, Error>).self) { group in
            for (i, r) in records.enumerated() {
                group.addTask {
                    do { return (i, .success(try await self.send(r))) } catch { return (i, .failure(error)) }
                }
            }
            // Collected then ordered (an indexed write into a pre-sized array of optionals crashed in
            // release builds with Swift 6.3.1).
            var out = [(Int, Result<KafkaDeliveryReport, Error>)]()
            out.reserveCapacity(records.count)
            for await pair in group { out.append(pair) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Waits up to `timeout` for outstanding deliveries, then stops the poller.
    public func close(timeout: Duration = .seconds(10)) {
        lock.lock()
        let wasClosed = closed
        closed = true
        lock.unlock()
        guard !wasClosed else { return }
        pollerDone.wait()
        let ms = Int32(timeout.components.seconds * 1000)
        if rd_kafka_flush(handle.pointer, ms) != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("kafka producer closed with undelivered messages", metadata: ["outq": "\(rd_kafka_outq_len(handle.pointer))"])
        }
    }

    deinit { close(timeout: .seconds(1)) }
}
