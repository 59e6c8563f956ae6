import Postgres

/// The spaces as one process sees them at one moment: the live one and the others. A request or a batch takes
/// one set and uses it throughout, so a switch in between cannot mix spaces in it.
public struct EmbeddingSpaceSet: Sendable, Equatable {
    /// Every registered space (retired ones too), by name.
    public let all: [EmbeddingSpace]
    /// The space served.
    public let live: EmbeddingSpace

    /// - Returns: nil when no space is live.
    public init?(_ spaces: [EmbeddingSpace]) {
        guard let live = spaces.first(where: { $0.state == .live }) else { return nil }
        self.all = spaces.sorted { $0.name < $1.name }
        self.live = live
    }

    /// A set of one live space.
    public init(single space: EmbeddingSpace) {
        var s = space
        s.state = .live
        self.all = [s]
        self.live = s
    }

    /// The spaces ingest and the interaction consumer write: the live one first, then every `building` and
    /// `previous` space by name.
    public var writeTargets: [EmbeddingSpace] {
        [live] + all.filter { $0.isWritten && $0.name != live.name }
    }

    public func named(_ name: PostgresIdentifierLiteral) -> EmbeddingSpace? { all.first { $0.name == name } }
}
