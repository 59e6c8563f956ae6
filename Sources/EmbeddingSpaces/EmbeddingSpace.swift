import Foundation
import Postgres

/// A named set of vectors made by one model: model id, dimension and mode. Every item vector and every profile
/// belongs to exactly one space, and nothing compares vectors of two spaces (docs/models.md).
public struct EmbeddingSpace: Sendable, Hashable {
    /// How products become vectors: `fused` (one vector from caption and image, kind `fused`) or `separate`
    /// (kinds `text` and `image`).
    public enum Mode: String, Sendable, CaseIterable { case fused, separate }

    /// Where a space is in its life (`embedding_spaces.state`).
    public enum State: String, Sendable, CaseIterable {
        /// Served; exactly one.
        case live
        /// Created, being backfilled; written by ingest and the interaction consumer, not served.
        case building
        /// Was live; kept current so that switching back is instant.
        case previous
        /// Rows and index dropped; nothing writes or reads it.
        case retired
    }

    /// Validated: `[a-z][a-z0-9_]{0,39}` (it is written into SQL text and index names).
    public var name: PostgresIdentifierLiteral
    public var model: String
    public var dims: Int
    public var mode: Mode
    public var state: State
    public var createdAt: Date?
    public var activatedAt: Date?
    /// When it stopped being live (it became `previous`).
    public var deactivatedAt: Date?
    public var retiredAt: Date?

    /// The space migration 0010 registers the existing vectors as, and the one processes register from their
    /// settings on an empty database.
    public static let defaultName = PostgresIdentifierLiteral("default")!

    public init(name: PostgresIdentifierLiteral, model: String, dims: Int, mode: Mode, state: State = .live,
                createdAt: Date? = nil, activatedAt: Date? = nil, deactivatedAt: Date? = nil, retiredAt: Date? = nil) {
        self.name = name
        self.model = model
        self.dims = dims
        self.mode = mode
        self.state = state
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.deactivatedAt = deactivatedAt
        self.retiredAt = retiredAt
    }

    /// The space `default` with the given model, dimension and mode (a process's settings, or a library
    /// caller's fixed space).
    public static func `default`(model: String, dims: Int, mode: Mode) -> EmbeddingSpace {
        EmbeddingSpace(name: defaultName, model: model, dims: dims, mode: mode, state: .live)
    }

    /// The name rule of `embedding_spaces.name`: a lower-case letter, then up to 39 lower-case letters,
    /// digits or underscores (the index name `item_embeddings_space_<name>` must fit PostgreSQL's 63 bytes).
    ///
    /// - Returns: nil when `text` breaks the rule.
    public static func validName(_ text: String) -> PostgresIdentifierLiteral? {
        guard text.utf8.count <= 40 else { return nil }
        return PostgresIdentifierLiteral(text)
    }

    /// The vector kinds this space stores.
    public var kinds: [String] { mode == .fused ? ["fused"] : ["text", "image"] }

    /// The kind serving compares in this space: `preferred` (`REC_EMBEDDING_KIND`) when the space stores it,
    /// else the space's main kind (`fused`, or `text` for separate spaces).
    public func servedKind(preferred: String) -> String {
        kinds.contains(preferred) ? preferred : kinds[0]
    }

    /// The name of this space's own HNSW index.
    public var ownIndexName: String { EmbeddingSpaceIndexes.ownIndexName(name) }

    /// Whether ingest and the interaction consumer write it.
    public var isWritten: Bool { state != .retired }
}
