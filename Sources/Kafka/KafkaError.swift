import CRdKafka

/// An error from librdkafka or this wrapper.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case configuration, client, produce, consume, commit, admin, closed, timeout }
        private let base: Base
        public static let configuration = Code(base: .configuration)
        public static let client = Code(base: .client)
        public static let produce = Code(base: .produce)
        public static let consume = Code(base: .consume)
        public static let commit = Code(base: .commit)
        public static let admin = Code(base: .admin)
        public static let closed = Code(base: .closed)
        public static let timeout = Code(base: .timeout)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// librdkafka's error name (e.g. `_MSG_TIMED_OUT`), when there is one.
    public let kafkaErrorName: String?
    public let isRetriable: Bool
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, kafkaErrorName: String? = nil, isRetriable: Bool = false, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.kafkaErrorName = kafkaErrorName
        self.isRetriable = isRetriable
        self.file = file
        self.line = line
    }

    init(_ code: Code, _ err: rd_kafka_resp_err_t, context: String, file: String = #fileID, line: Int = #line) {
        let name = String(cString: rd_kafka_err2name(err))
        let text = String(cString: rd_kafka_err2str(err))
        let retriable: Bool
        switch err {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
             RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__QUEUE_FULL,
             RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
             RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
             RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
             RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            retriable = true
        default:
            retriable = false
        }
        self.init(code, "\(context): \(text)", kafkaErrorName: name, isRetriable: retriable, file: file, line: line)
    }

    public var description: String { "kafka \(code): \(message)" }
}
