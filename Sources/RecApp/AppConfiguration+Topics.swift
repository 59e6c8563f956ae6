import Consumers
import Kafka
import Logging

/// The topics the pipelines create or check (docs/configuration.md, "Topics and consumer groups").
extension AppConfiguration {
    /// `REC_CREATE_TOPICS`: create missing topics (`on`, default) or only check them (`off`).
    public func createTopics() throws -> Bool {
        switch (environment["REC_CREATE_TOPICS"] ?? "on").trimmingCharacters(in: .whitespaces).lowercased() {
        case "on", "true", "1", "": return true
        case "off", "false", "0": return false
        default: throw ConfigurationError("REC_CREATE_TOPICS must be on or off")
        }
    }

    /// `REC_TOPIC_REPLICATION`: the replication factor of created topics; -1 (default) is the broker's default.
    public func topicReplication() throws -> Int {
        guard let raw = environment["REC_TOPIC_REPLICATION"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return -1 }
        guard let v = Int(raw), v == -1 || (1...32).contains(v) else { throw ConfigurationError("REC_TOPIC_REPLICATION must be 1...32, or -1 for the broker's default") }
        return v
    }

    /// `REC_CATALOG_PARTITIONS` (6).
    public func catalogPartitionCount() throws -> Int { try partitions("REC_CATALOG_PARTITIONS") }

    /// `REC_EVENTS_PARTITIONS` (6).
    public func eventsPartitionCount() throws -> Int { try partitions("REC_EVENTS_PARTITIONS") }

    /// The catalog topic `name` (default: `REC_CATALOG_TOPIC`) and its dead-letter topic.
    public func catalogTopicSpecs(_ name: String? = nil) throws -> [KafkaTopicSpec] {
        try specs(name ?? catalogTopic, partitions: try catalogPartitionCount())
    }

    /// The events topic `name` (default: `REC_EVENTS_TOPIC`) and its dead-letter topic.
    public func eventsTopicSpecs(_ name: String? = nil) throws -> [KafkaTopicSpec] {
        try specs(name ?? eventsTopic, partitions: try eventsPartitionCount())
    }

    /// Creates (or, with `REC_CREATE_TOPICS=off`, checks) `topics`.
    public func ensureTopics(_ topics: [KafkaTopicSpec], logger: Logger) async throws {
        let admin = try KafkaAdmin(configuration: try kafkaConfiguration())
        try await admin.ensure(topics, create: try createTopics(), logger: logger)
    }

    private func specs(_ topic: String, partitions: Int) throws -> [KafkaTopicSpec] {
        let replication = try topicReplication()
        // Dead letters are rare and read by operators: one partition keeps them in order.
        return [KafkaTopicSpec(name: topic, partitions: partitions, replicationFactor: replication),
                KafkaTopicSpec(name: Topics.deadLetter(of: topic), partitions: 1, replicationFactor: replication)]
    }

    private func partitions(_ key: String) throws -> Int {
        guard let raw = environment[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return 6 }
        guard let v = Int(raw), (1...10_000).contains(v) else { throw ConfigurationError("\(key) must be 1...10000") }
        return v
    }
}
