import RecCore
import Foundation

/// An item that a candidate source produced, with what rescoring needs: its vector, popularity and age.
public struct Candidate: Sendable {
    public var itemID: String
    /// Unit-normalized item vector (nil for an item without an embedding yet); usually a slice of the
    /// request's one vector buffer (``ItemVectorCache/vectors(_:)``).
    public var vector: ArraySlice<Float>?
    public var title: String
    public var categories: [String]
    /// When the item was published (the catalog's `publishedAt`, else when the catalog first saw it):
    /// freshness counts from it.
    public var publishedAt: Date?
    /// The item's popularity counter as stored (``DecayedScore`` log₂; `-infinity`: none).
    public var popularity: DecayedScore
    /// Behavioural affinity from the request's source items (the user's recent items, the similar item,
    /// the positive examples): Σ over sources of position weight × decayed transition weight, normalized
    /// against the item's popularity; 0 when no transition leads here. On a scale of its own: the blender
    /// divides by the largest of the request.
    public var covisit: Double
    /// How many transition events back ``covisit`` (one user going from a source to this item is one).
    public var covisitSupport: Double
    public var available: Bool
    public var price: Double?
    /// Which sources produced it (`knn`, `covisit`, `popular`, `fresh`).
    public var sources: Set<String>

    public init(itemID: String, vector: [Float]?, title: String = "", categories: [String] = [], publishedAt: Date? = nil,
                popularity: DecayedScore = .empty, covisit: Double = 0, covisitSupport: Double = 0, available: Bool = true, price: Double? = nil,
                sources: Set<String> = []) {
        self.itemID = itemID
        self.vector = vector.map { VectorMath.normalized($0)[...] }
        self.title = title
        self.categories = categories
        self.publishedAt = publishedAt
        self.popularity = popularity
        self.covisit = covisit
        self.covisitSupport = covisitSupport
        self.available = available
        self.price = price
        self.sources = sources
    }
}

extension Candidate {
    /// The largest ``covisit`` of `candidates` (0 when none has one): the scale of the behavioural term.
    static func strongestCovisit(_ candidates: [Candidate]) -> Double {
        candidates.reduce(0) { max($0, $1.covisit) }
    }

    /// Candidates of one or several statements as one list: an item that several sources produced appears
    /// once, with the first one's columns and every source; in item id order, so equal scores rank the
    /// same on every request.
    static func merging(_ lists: [Candidate]...) -> [Candidate] {
        var out = [Candidate]()
        out.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        var position = [String: Int]()
        for list in lists {
            for c in list {
                if let i = position[c.itemID] {
                    out[i].sources.formUnion(c.sources)
                    if out[i].vector == nil { out[i].vector = c.vector }
                    if c.covisit > out[i].covisit { (out[i].covisit, out[i].covisitSupport) = (c.covisit, c.covisitSupport) }
                } else {
                    position[c.itemID] = out.count
                    out.append(c)
                }
            }
        }
        out.sort { $0.itemID < $1.itemID }
        return out
    }
}

