/// A change of this member's partition assignment, in the order librdkafka reported it.
public enum KafkaRebalanceEvent: Sendable, Equatable {
    /// Partitions added to the assignment (consumption resumes from their committed offsets).
    case assigned([KafkaTopicPartition])
    /// Partitions taken away; `lost` is true when the group considered the member
    /// dead (session timeout), in which case offsets could not be committed for them.
    case revoked([KafkaTopicPartition], lost: Bool)
}
