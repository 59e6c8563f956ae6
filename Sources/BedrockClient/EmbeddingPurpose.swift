/// What a vector is for. Titan has one vector space for everything and ignores it; Nova optimises the vector for
/// its use (`singleEmbeddingParams.embeddingPurpose`): items are indexed with `GENERIC_INDEX`, and a query uses the
/// retrieval purpose that matches what the index holds.
public enum EmbeddingPurpose: String, Sendable, CaseIterable {
    /// A catalog item's vector, stored in the index (`GENERIC_INDEX`, whatever the modality).
    case index
    /// A query searching an index of mixed modalities: the fused caption+image vectors (`GENERIC_RETRIEVAL`).
    case genericRetrieval
    /// A query searching text vectors only: kind `text` (`TEXT_RETRIEVAL`).
    case textRetrieval
    /// A query searching image vectors only: kind `image` (`IMAGE_RETRIEVAL`).
    case imageRetrieval

    /// The `embeddingPurpose` value of a Nova request.
    public var novaValue: String {
        switch self {
        case .index: "GENERIC_INDEX"
        case .genericRetrieval: "GENERIC_RETRIEVAL"
        case .textRetrieval: "TEXT_RETRIEVAL"
        case .imageRetrieval: "IMAGE_RETRIEVAL"
        }
    }

    /// The purpose for a query against stored vectors of `kind` (`fused`, `text`, `image`; see catalog ingest).
    public static func retrieval(searchingKind kind: String) -> EmbeddingPurpose {
        switch kind {
        case "text": .textRetrieval
        case "image": .imageRetrieval
        default: .genericRetrieval
        }
    }
}
