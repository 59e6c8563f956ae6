import Foundation
import Postgres

/// The decisions of `rec models`, as values computed from the registered spaces and the measured coverage alone
/// (the SQL is ``EmbeddingSpaceTable``'s), so every rule is tested without a database.
public enum EmbeddingSpaceRules {
    /// What `rec models create NAME` does.
    public enum Creation: Sendable, Equatable {
        /// Insert a new `building` space.
        case insert
        /// The name belongs to a retired space: reuse the row as a new `building` space.
        case reuseRetired
        case refuse(String)
    }

    /// - Parameter supportedDimensions: the dimensions the embedding model family accepts.
    public static func creation(name: PostgresIdentifierLiteral, model: String, dims: Int, existing: [EmbeddingSpace],
                                supportedDimensions: Set<Int>) -> Creation {
        guard !model.isEmpty, model.utf8.count <= 2048, !model.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 32 } == true }) else {
            return .refuse("the model id must be 1 to 2048 bytes without spaces or control characters")
        }
        guard supportedDimensions.contains(dims) else {
            return .refuse("dimensions must be one of \(supportedDimensions.sorted().map(String.init).joined(separator: ", ")), not \(dims)")
        }
        guard let old = existing.first(where: { $0.name == name }) else { return .insert }
        guard old.state == .retired else { return .refuse("space \(name) already exists (\(old.state.rawValue))") }
        return .reuseRetired
    }

    /// What `rec models activate NAME` does.
    public enum Activation: Sendable, Equatable {
        /// Make it live; the live space becomes `previous`.
        case activate(previouslyLive: PostgresIdentifierLiteral)
        /// Already live: nothing to do.
        case alreadyLive
        case refuse(String)
    }

    /// Activation refuses unknown and retired spaces, and, unless `force`, a space that lacks an item vector or a
    /// profile the live space has (`coverage` of the target, measured against the live space; nil: not measured).
    public static func activation(of target: EmbeddingSpace?, live: EmbeddingSpace, coverage: SpaceCoverage?, force: Bool) -> Activation {
        guard let target else { return .refuse("no such space") }
        switch target.state {
        case .live: return .alreadyLive
        case .retired: return .refuse("space \(target.name) is retired (its vectors are gone): create it again and backfill")
        case .building, .previous: break
        }
        if !force {
            guard let coverage else { return .refuse("the coverage of space \(target.name) is unknown") }
            if !coverage.isComplete {
                var missing = [String]()
                if coverage.missingItems > 0 { missing.append("\(coverage.missingItems) item vectors (rec models backfill \(target.name))") }
                if coverage.missingProfiles > 0 { missing.append("\(coverage.missingProfiles) profiles (rec profiles rebuild --space \(target.name))") }
                return .refuse("space \(target.name) is incomplete: it lacks \(missing.joined(separator: " and ")) that space \(live.name) has; "
                    + "finish them, or activate with --force")
            }
        }
        return .activate(previouslyLive: live.name)
    }

    /// What `rec models retire NAME` does.
    public enum Retirement: Sendable, Equatable {
        case retire
        /// Already retired: only the clean-up (rows, index) runs again.
        case cleanUpAgain
        case refuse(String)
    }

    /// How long after a space stopped being live it may be retired without `--force`: processes re-read the
    /// spaces every few seconds and may serve the old one until then. Default: 60 s.
    public static let retireGrace: TimeInterval = 60

    public static func retirement(of target: EmbeddingSpace?, now: Date, grace: TimeInterval = retireGrace, force: Bool) -> Retirement {
        guard let target else { return .refuse("no such space") }
        switch target.state {
        case .live: return .refuse("space \(target.name) is live: activate another space first")
        case .retired: return .cleanUpAgain
        case .building: return .retire
        case .previous:
            if !force, let at = target.deactivatedAt, now.timeIntervalSince(at) < grace {
                return .refuse("space \(target.name) was live \(Int(now.timeIntervalSince(at))) s ago; processes may still serve it "
                    + "until they re-read the spaces: wait \(Int(grace)) s after the switch, or retire with --force")
            }
            return .retire
        }
    }

    /// An HNSW index on `item_embeddings` as the rules see it.
    public struct VectorIndex: Sendable, Equatable {
        public enum Scope: Sendable, Equatable {
            /// Migration 0001's `WHERE dims = N` (used by spaces without their own).
            case legacy(dims: Int)
            /// A space's own (`WHERE space = 'name' AND dims = N`).
            case own(PostgresIdentifierLiteral)
        }
        public var name: String
        public var scope: Scope
        /// False for an interrupted `CREATE INDEX CONCURRENTLY` (not used by queries, still maintained).
        public var valid: Bool

        public init(name: String, scope: Scope, valid: Bool) {
            self.name = name
            self.scope = scope
            self.valid = valid
        }
    }

    /// What to build and drop so that each space's kNN walks a graph of its own vectors only.
    public struct IndexPlan: Sendable, Equatable {
        /// Spaces to give their own index (after dropping an invalid one of the same name).
        public var build: [EmbeddingSpace] = []
        /// Invalid own indexes to drop before building.
        public var dropInvalid: [String] = []
        /// Legacy indexes no space needs any more (dropped after the builds).
        public var dropLegacy: [String] = []
    }

    /// The index rule (docs/models.md): every space in `ensure` gets its own index, and so does every
    /// non-retired space that shares its dimension with another non-retired space; a legacy `WHERE dims = N`
    /// index stays only while a non-retired space of dimension N has no valid own index.
    public static func indexPlan(spaces: [EmbeddingSpace], indexes: [VectorIndex], ensure: Set<PostgresIdentifierLiteral>) -> IndexPlan {
        let active = spaces.filter(\.isWritten)
        var plan = IndexPlan()
        func ownIndex(_ s: EmbeddingSpace) -> VectorIndex? { indexes.first { $0.scope == .own(s.name) } }
        var dimsCount = [Int: Int]()
        for s in active { dimsCount[s.dims, default: 0] += 1 }
        var hasOwn = Set<PostgresIdentifierLiteral>()
        for s in active {
            let existing = ownIndex(s)
            if existing?.valid == true { hasOwn.insert(s.name); continue }
            guard ensure.contains(s.name) || dimsCount[s.dims, default: 0] > 1 else { continue }
            if let existing { plan.dropInvalid.append(existing.name) }
            plan.build.append(s)
            hasOwn.insert(s.name)
        }
        for index in indexes {
            guard case .legacy(let dims) = index.scope else { continue }
            if !active.contains(where: { $0.dims == dims && !hasOwn.contains($0.name) }) { plan.dropLegacy.append(index.name) }
        }
        plan.dropLegacy.sort()
        return plan
    }

    /// Own indexes of spaces that are retired or no longer registered: dropped by `rec models retire` and `index`.
    public static func orphanIndexes(spaces: [EmbeddingSpace], indexes: [VectorIndex]) -> [String] {
        let written = Set(spaces.filter(\.isWritten).map(\.name))
        return indexes.compactMap { i in
            if case .own(let name) = i.scope, !written.contains(name) { return i.name }
            return nil
        }.sorted()
    }
}
