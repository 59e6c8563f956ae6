import CRdKafka

/// A topic and partition.
public struct KafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    public var description: String { "\(topic)[\(partition)]" }
}

/// One consumed record, copied out of librdkafka.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [(name: String, value: [UInt8])]
    /// Milliseconds since the epoch, when the broker gave one.
    public var timestampMs: Int64?

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }

    public func header(_ name: String) -> [UInt8]? { headers.first { $0.name == name }?.value }

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], headers: [(name: String, value: [UInt8])] = [], timestampMs: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMs = timestampMs
    }

    init(_ m: UnsafeMutablePointer<rd_kafka_message_t>) {
        let msg = m.pointee
        topic = String(cString: rd_kafka_topic_name(msg.rkt))
        partition = msg.partition
        offset = msg.offset
        key = msg.key.map { Array(UnsafeRawBufferPointer(start: $0, count: msg.key_len)) }
        value = msg.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: msg.len)) } ?? []
        var hdrs: OpaquePointer?
        var list = [(name: String, value: [UInt8])]()
        if rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var idx = 0
            var name: UnsafePointer<CChar>?
            var val: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, idx, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = val.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                list.append((name.map { String(cString: $0) } ?? "", bytes))
                idx += 1
            }
        }
        headers = list
        var tstype = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(m, &tstype)
        timestampMs = tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : ts
    }
}

/// A record to produce. Records with the same key go to the same partition, in order.
public struct KafkaProducerRecord: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [(name: String, value: [UInt8])]
    /// A fixed partition, or nil for the partitioner (by key).
    public var partition: Int32?

    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [(name: String, value: [UInt8])] = [], partition: Int32? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
    }

    public init(topic: String, key: String?, value: String, headers: [(name: String, value: [UInt8])] = []) {
        self.init(topic: topic, key: key.map { Array($0.utf8) }, value: Array(value.utf8), headers: headers)
    }
}

/// Where the broker stored a produced record.
public struct KafkaDeliveryReport: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
}
