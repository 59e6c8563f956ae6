/// Which evidence `GET /v1/items/{itemId}/similar` ranks by (`signals`): both (the default), or one of them, as
/// the web console shows them side by side.
public enum SimilaritySignals: String, Sendable, CaseIterable {
    /// kNN on the item's vector plus what people went on to after it.
    case all
    /// Only the item's vector: items that look and read alike.
    case content
    /// Only behavioural transitions out of the item: what people went on to next.
    case behaviour

    var usesContent: Bool { self != .behaviour }
    var usesBehaviour: Bool { self != .content }
}
