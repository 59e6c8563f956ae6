import Logging

/// A topic a process reads or writes, with the shape it gets when the process creates it.
public struct KafkaTopicSpec: Sendable, Equatable {
    public var name: String
    public var partitions: Int
    /// -1: the broker's default (`default.replication.factor`).
    public var replicationFactor: Int

    public init(name: String, partitions: Int, replicationFactor: Int) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
    }
}

extension KafkaAdmin {
    /// Makes sure every topic exists: creates the missing ones when `create` is true, else only checks.
    ///
    /// A principal without the Create permission gets on when the topic exists already (a warning says so);
    /// when it does not, the error says what to create and how. An existing topic with fewer partitions than
    /// configured is kept (partitions cap the consumer instances; a warning names both counts).
    ///
    /// - Throws: ``KafkaError`` (`.admin`) naming the topic and what to do.
    public func ensure(_ topics: [KafkaTopicSpec], create: Bool, logger: Logger) async throws {
        for topic in topics {
            let shape = "\(topic.partitions) partition(s), replication \(topic.replicationFactor < 0 ? "the broker's default" : String(topic.replicationFactor))"
            if create {
                do {
                    if try await createTopic(topic.name, partitions: topic.partitions, replicationFactor: topic.replicationFactor) {
                        logger.info("created topic", metadata: ["topic": "\(topic.name)", "partitions": "\(topic.partitions)", "replication": "\(topic.replicationFactor)"])
                        continue
                    }
                } catch let error as KafkaError where Self.isAuthorizationFailure(error) {
                    guard try await partitionCount(topic.name) != nil else {
                        throw KafkaError(.admin, "no permission to create topic \(topic.name) (\(error.kafkaErrorName ?? "authorization failed")): "
                                         + "create it with \(shape), or grant this principal Create on the cluster or topic")
                    }
                    logger.warning("no permission to create topics; the topic exists", metadata: ["topic": "\(topic.name)"])
                }
            }
            guard let partitions = try await partitionCount(topic.name) else {
                throw KafkaError(.admin, "topic \(topic.name) does not exist and REC_CREATE_TOPICS=off: create it with \(shape)")
            }
            if partitions < topic.partitions {
                logger.warning("topic has fewer partitions than configured: at most that many consumer instances share it",
                               metadata: ["topic": "\(topic.name)", "partitions": "\(partitions)", "configured": "\(topic.partitions)"])
            }
        }
    }

    static func isAuthorizationFailure(_ error: KafkaError) -> Bool {
        // TOPIC_, CLUSTER_ and (for the admin request's principal) other *_AUTHORIZATION_FAILED codes.
        (error.kafkaErrorName ?? "").hasSuffix("AUTHORIZATION_FAILED")
    }
}
