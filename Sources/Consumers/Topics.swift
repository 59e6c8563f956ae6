/// Topic names the consumers read and write by default.
public enum Topics {
    public static let catalog = "catalog.v1"
    public static let interactions = "interactions.v1"
    /// The dead-letter topic of `topic`.
    public static func deadLetter(of topic: String) -> String { topic + ".dlq" }
}
