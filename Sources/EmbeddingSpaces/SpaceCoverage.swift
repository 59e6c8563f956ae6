/// How complete a space is, measured against the live space: what `rec models status` prints, what the
/// `/metrics` gauges carry, and what ``EmbeddingSpaceRules/activation(of:live:coverage:force:)`` decides on.
public struct SpaceCoverage: Sendable, Equatable, Codable {
    /// Items not deleted.
    public var liveItems: Int
    /// Items not deleted with a vector in the live space.
    public var liveSpaceItems: Int
    /// Items not deleted with at least one vector in this space.
    public var itemsEmbedded: Int
    /// Items not deleted that have a vector in the live space but none in this one.
    public var missingItems: Int
    /// Profiles in the live space (users with a profile).
    public var liveProfiles: Int
    /// Profiles in this space.
    public var profiles: Int
    /// Users with a profile in the live space but none in this one.
    public var missingProfiles: Int

    public init(liveItems: Int, liveSpaceItems: Int, itemsEmbedded: Int, missingItems: Int, liveProfiles: Int, profiles: Int, missingProfiles: Int) {
        self.liveItems = liveItems
        self.liveSpaceItems = liveSpaceItems
        self.itemsEmbedded = itemsEmbedded
        self.missingItems = missingItems
        self.liveProfiles = liveProfiles
        self.profiles = profiles
        self.missingProfiles = missingProfiles
    }

    /// Every item vector and every profile the live space has, this space has too.
    public var isComplete: Bool { missingItems == 0 && missingProfiles == 0 }

    /// The share of the live space's items that have a vector here (1 when the live space has none).
    public var itemFraction: Double {
        liveSpaceItems == 0 ? 1 : Double(max(0, liveSpaceItems - missingItems)) / Double(liveSpaceItems)
    }

    /// The share of the live space's profiles that exist here (1 when the live space has none).
    public var profileFraction: Double {
        liveProfiles == 0 ? 1 : Double(max(0, liveProfiles - missingProfiles)) / Double(liveProfiles)
    }
}
