import RecCore
import Foundation

/// An item that a candidate source produced, with what rescoring needs: its vector, popularity and age.
public struct Candidate: Sendable {
    public var itemID: String
    /// Unit-normalized item vector (nil for an item without an embedding yet).
    public var vector: [Float]?
    public var title: String
    public var categories: [String]
    public var createdAt: Date?
    /// Popularity counter as stored (decayed to `popularityRefAt`).
    public var popularity: Double
    public var popularityRefAt: Date?
    public var available: Bool
    public var price: Double?
    /// Which sources produced it (`knn`, `popular`, `fresh`).
    public var sources: Set<String>

    public init(itemID: String, vector: [Float]?, title: String = "", categories: [String] = [], createdAt: Date? = nil,
                popularity: Double = 0, popularityRefAt: Date? = nil, available: Bool = true, price: Double? = nil,
                sources: Set<String> = []) {
        self.itemID = itemID
        self.vector = vector.map(VectorMath.normalized)
        self.title = title
        self.categories = categories
        self.createdAt = createdAt
        self.popularity = popularity
        self.popularityRefAt = popularityRefAt
        self.available = available
        self.price = price
        self.sources = sources
    }
}
