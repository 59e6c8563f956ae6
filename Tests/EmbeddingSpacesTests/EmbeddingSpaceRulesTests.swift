import Foundation
import Postgres
import Testing
@testable import EmbeddingSpaces

/// The rules of `rec models` (docs/models.md), without a database.
@Suite struct EmbeddingSpaceRulesTests {
    static func name(_ s: String) -> PostgresIdentifierLiteral { EmbeddingSpace.validName(s)! }
    static func space(_ n: String, dims: Int = 256, state: EmbeddingSpace.State, deactivated: Date? = nil) -> EmbeddingSpace {
        EmbeddingSpace(name: name(n), model: "amazon.titan-embed-image-v1", dims: dims, mode: .fused, state: state, deactivatedAt: deactivated)
    }
    static let complete = SpaceCoverage(liveItems: 10, liveSpaceItems: 9, itemsEmbedded: 9, missingItems: 0, liveProfiles: 4, profiles: 4, missingProfiles: 0)

    @Test func namesAreLowerCaseIdentifiersThatFitAnIndexName() {
        for ok in ["default", "b", "nova_1024", "a" + String(repeating: "x", count: 39)] { #expect(EmbeddingSpace.validName(ok) != nil, "\(ok)") }
        for bad in ["", "B", "1a", "_a", "a-b", "a b", "a'b", "a;drop", "é", "a" + String(repeating: "x", count: 40)] {
            #expect(EmbeddingSpace.validName(bad) == nil, "\(bad)")
        }
        #expect(Self.name("nova").sqlString == "'nova'")
        #expect(Self.space("nova", state: .building).ownIndexName == "item_embeddings_space_nova")
        let q: PostgresQuery = "WHERE space = \(literal: Self.name("nova")) AND kind = \(bind: "fused")"
        #expect(q.sql == "WHERE space = 'nova' AND kind = $1")
    }

    @Test func creationRefusesTakenNamesAndUnsupportedDimensions() {
        let existing = [Self.space("default", state: .live), Self.space("old", state: .retired)]
        let dims: Set<Int> = [256, 384, 1024]
        #expect(EmbeddingSpaceRules.creation(name: Self.name("b"), model: "m", dims: 384, existing: existing, supportedDimensions: dims) == .insert)
        #expect(EmbeddingSpaceRules.creation(name: Self.name("old"), model: "m", dims: 384, existing: existing, supportedDimensions: dims) == .reuseRetired)
        guard case .refuse = EmbeddingSpaceRules.creation(name: Self.name("default"), model: "m", dims: 384, existing: existing, supportedDimensions: dims) else {
            Issue.record("a live name was taken again"); return
        }
        guard case .refuse = EmbeddingSpaceRules.creation(name: Self.name("b"), model: "m", dims: 512, existing: existing, supportedDimensions: dims) else {
            Issue.record("512 dimensions accepted"); return
        }
        guard case .refuse = EmbeddingSpaceRules.creation(name: Self.name("b"), model: "a b", dims: 256, existing: existing, supportedDimensions: dims) else {
            Issue.record("a model id with a space accepted"); return
        }
    }

    @Test func activationNeedsEveryItemAndProfileOfTheLiveSpace() {
        let live = Self.space("default", state: .live), b = Self.space("b", dims: 384, state: .building)
        #expect(EmbeddingSpaceRules.activation(of: b, live: live, coverage: Self.complete, force: false) == .activate(previouslyLive: live.name))
        var items = Self.complete
        items.missingItems = 3
        guard case .refuse(let why) = EmbeddingSpaceRules.activation(of: b, live: live, coverage: items, force: false) else {
            Issue.record("activated with missing items"); return
        }
        #expect(why.contains("3 item vectors") && why.contains("rec models backfill b"))
        var profiles = Self.complete
        profiles.missingProfiles = 1
        guard case .refuse(let why2) = EmbeddingSpaceRules.activation(of: b, live: live, coverage: profiles, force: false) else {
            Issue.record("activated with missing profiles"); return
        }
        #expect(why2.contains("1 profiles") && why2.contains("rec profiles rebuild --space b"))
        // --force skips coverage, never the states.
        #expect(EmbeddingSpaceRules.activation(of: b, live: live, coverage: items, force: true) == .activate(previouslyLive: live.name))
        #expect(EmbeddingSpaceRules.activation(of: b, live: live, coverage: nil, force: true) == .activate(previouslyLive: live.name))
        guard case .refuse = EmbeddingSpaceRules.activation(of: b, live: live, coverage: nil, force: false) else { Issue.record("unknown coverage"); return }
        guard case .refuse = EmbeddingSpaceRules.activation(of: Self.space("r", state: .retired), live: live, coverage: Self.complete, force: true) else {
            Issue.record("a retired space activated"); return
        }
        guard case .refuse = EmbeddingSpaceRules.activation(of: nil, live: live, coverage: nil, force: true) else { Issue.record("unknown space"); return }
        #expect(EmbeddingSpaceRules.activation(of: live, live: live, coverage: Self.complete, force: false) == .alreadyLive)
    }

    @Test func switchingBackToThePreviousSpaceFollowsTheSameRule() {
        let live = Self.space("b", dims: 384, state: .live), previous = Self.space("default", state: .previous, deactivated: Date())
        #expect(EmbeddingSpaceRules.activation(of: previous, live: live, coverage: Self.complete, force: false) == .activate(previouslyLive: live.name))
        var stale = Self.complete
        stale.missingItems = 1  // a product ingested while a consumer did not know the previous space
        guard case .refuse = EmbeddingSpaceRules.activation(of: previous, live: live, coverage: stale, force: false) else {
            Issue.record("switched back to an incomplete space"); return
        }
    }

    @Test func coverageFractionsAreSharesOfTheLiveSpace() {
        let c = SpaceCoverage(liveItems: 12, liveSpaceItems: 10, itemsEmbedded: 6, missingItems: 4, liveProfiles: 8, profiles: 2, missingProfiles: 6)
        #expect(c.itemFraction == 0.6 && c.profileFraction == 0.25 && !c.isComplete)
        let empty = SpaceCoverage(liveItems: 0, liveSpaceItems: 0, itemsEmbedded: 0, missingItems: 0, liveProfiles: 0, profiles: 0, missingProfiles: 0)
        #expect(empty.itemFraction == 1 && empty.profileFraction == 1 && empty.isComplete)
    }

    @Test func retirementRefusesTheLiveSpaceAndARecentSwitch() {
        let now = Date()
        guard case .refuse = EmbeddingSpaceRules.retirement(of: Self.space("a", state: .live), now: now, force: true) else {
            Issue.record("retired the live space"); return
        }
        let recent = Self.space("a", state: .previous, deactivated: now.addingTimeInterval(-10))
        guard case .refuse(let why) = EmbeddingSpaceRules.retirement(of: recent, now: now, force: false) else {
            Issue.record("retired a space served 10 s ago"); return
        }
        #expect(why.contains("--force"))
        #expect(EmbeddingSpaceRules.retirement(of: recent, now: now, force: true) == .retire)
        #expect(EmbeddingSpaceRules.retirement(of: Self.space("a", state: .previous, deactivated: now.addingTimeInterval(-61)), now: now, force: false) == .retire)
        #expect(EmbeddingSpaceRules.retirement(of: Self.space("a", state: .building), now: now, force: false) == .retire)
        #expect(EmbeddingSpaceRules.retirement(of: Self.space("a", state: .retired), now: now, force: false) == .cleanUpAgain)
    }

    @Test func writeTargetsAreTheLiveSpaceFirstThenEveryBuildingAndPreviousOne() {
        let set = EmbeddingSpaceSet([Self.space("z", state: .previous), Self.space("b", state: .building), Self.space("m", state: .live),
                                     Self.space("old", state: .retired)])!
        #expect(set.live.name.value == "m")
        #expect(set.writeTargets.map(\.name.value) == ["m", "b", "z"])
        #expect(EmbeddingSpaceSet([Self.space("b", state: .building)]) == nil, "no live space")
    }

    @Test func servedKindFollowsTheSpacesMode() {
        var s = Self.space("a", state: .live)
        #expect(s.servedKind(preferred: "fused") == "fused" && s.servedKind(preferred: "image") == "fused")
        s.mode = .separate
        #expect(s.servedKind(preferred: "fused") == "text" && s.servedKind(preferred: "image") == "image" && s.kinds == ["text", "image"])
    }

    typealias Index = EmbeddingSpaceRules.VectorIndex
    static let legacy = [256, 384, 1024].map { Index(name: "item_embeddings_hnsw_\($0)", scope: .legacy(dims: $0), valid: true) }

    @Test func aNewSpaceOfAnotherDimensionGetsItsOwnIndexAndTheDefaultKeepsItsLegacyOne() {
        let spaces = [Self.space("default", dims: 256, state: .live), Self.space("b", dims: 384, state: .building)]
        let plan = EmbeddingSpaceRules.indexPlan(spaces: spaces, indexes: Self.legacy, ensure: [Self.name("b")])
        #expect(plan.build.map(\.name.value) == ["b"])
        // 384 is b's (own index now) and 1024 nobody's: dropped; 256 still serves default.
        #expect(plan.dropLegacy == ["item_embeddings_hnsw_1024", "item_embeddings_hnsw_384"])
        #expect(plan.dropInvalid.isEmpty)
    }

    @Test func twoSpacesOfOneDimensionEachGetTheirOwnIndex() {
        let spaces = [Self.space("default", dims: 1024, state: .live), Self.space("custom", dims: 1024, state: .building)]
        let plan = EmbeddingSpaceRules.indexPlan(spaces: spaces, indexes: Self.legacy, ensure: [Self.name("custom")])
        #expect(Set(plan.build.map(\.name.value)) == ["default", "custom"])
        #expect(plan.dropLegacy == ["item_embeddings_hnsw_1024", "item_embeddings_hnsw_256", "item_embeddings_hnsw_384"])
    }

    @Test func anInvalidOwnIndexIsRebuiltAndAnIdleDefaultIsLeftAlone() {
        let spaces = [Self.space("default", dims: 256, state: .live), Self.space("b", dims: 384, state: .building)]
        let indexes = Self.legacy + [Index(name: "item_embeddings_space_b", scope: .own(Self.name("b")), valid: false)]
        let plan = EmbeddingSpaceRules.indexPlan(spaces: spaces, indexes: indexes, ensure: [])
        // b shares its dimension with nobody, but its own index is invalid: with ensure empty it is not rebuilt
        // and the legacy 384 index stays for it.
        #expect(plan.build.isEmpty && plan.dropLegacy == ["item_embeddings_hnsw_1024"])
        let fix = EmbeddingSpaceRules.indexPlan(spaces: spaces, indexes: indexes, ensure: [Self.name("b")])
        #expect(fix.dropInvalid == ["item_embeddings_space_b"] && fix.build.map(\.name.value) == ["b"])
        // Only the default space, nothing ensured: the migration's indexes stay as they are for it... except
        // the dimensions nobody uses.
        let alone = EmbeddingSpaceRules.indexPlan(spaces: [Self.space("default", dims: 1024, state: .live)], indexes: Self.legacy, ensure: [])
        #expect(alone.build.isEmpty && alone.dropLegacy == ["item_embeddings_hnsw_256", "item_embeddings_hnsw_384"])
    }

    @Test func retiredSpacesNeedNoIndex() {
        let spaces = [Self.space("b", dims: 384, state: .live), Self.space("default", dims: 256, state: .retired)]
        let indexes = Self.legacy + [Index(name: "item_embeddings_space_b", scope: .own(Self.name("b")), valid: true),
                                     Index(name: "item_embeddings_space_default", scope: .own(Self.name("default")), valid: true)]
        let plan = EmbeddingSpaceRules.indexPlan(spaces: spaces, indexes: indexes, ensure: [])
        #expect(plan.build.isEmpty && plan.dropLegacy == ["item_embeddings_hnsw_1024", "item_embeddings_hnsw_256", "item_embeddings_hnsw_384"])
        #expect(EmbeddingSpaceRules.orphanIndexes(spaces: spaces, indexes: indexes) == ["item_embeddings_space_default"])
        #expect(EmbeddingSpaceIndexes.scope(ofIndexNamed: "item_embeddings_hnsw_3072") == .legacy(dims: 3072))
        #expect(EmbeddingSpaceIndexes.scope(ofIndexNamed: "item_embeddings_pkey") == nil)
    }
}
