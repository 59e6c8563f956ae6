import Hummingbird
import RecCore

/// A ranked page of items: the body of recommendations, similar items, search and example-based
/// recommendations.
///
/// Members are declared in key order, the order ``CompactJSONEncoder`` writes them in.
public struct RecommendationsResponse: Codable, Sendable, ResponseEncodable, APIResponseBody {
    /// One ranked item.
    public struct Item: Codable, Sendable {
        public var available: Bool
        public var categories: [String]
        /// Each signal's part of the score (`explain=true` only).
        public var explanation: Explanation?
        public var id: String
        @Nullable public var price: Double?
        /// 1 for the first item.
        public var rank: Int
        /// The blended score, to 6 decimals.
        public var score: Double
        public var title: String

        static let jsonSchema = JSONSchema.object([
            "available": .boolean, "categories": .array(.string), "explanation": Explanation.jsonSchema, "id": .string,
            "price": JSONSchema.number.nullable, "rank": JSONSchema.integer.bounded(minimum: 1), "score": .number, "title": .string,
        ], optional: ["explanation"])
    }

    /// ``ScoreExplanation`` to 6 decimals, and which candidate sources produced the item.
    public struct Explanation: Codable, Sendable {
        public var context: Double
        public var covisit: Double
        public var freshness: Double
        public var longTerm: Double
        public var negative: Double
        public var popularity: Double
        public var query: Double
        public var session: Double
        /// `knn`, `covisit`, `popular`, `fresh`, sorted.
        public var sources: [String]

        static let jsonSchema = JSONSchema.object([
            "context": .number, "covisit": .number, "freshness": .number, "longTerm": .number, "negative": .number,
            "popularity": .number, "query": .number, "session": .number, "sources": .array(.string),
        ]).described("Each signal's contribution; they add up to the score.")
    }

    /// With `explain=true`: the embedding space that ranked the list (docs/models.md).
    public var embeddingSpace: String?
    public var fallback: Bool
    /// The item of `GET /v1/items/{itemId}/similar`.
    public var itemId: String?
    public var items: [Item]
    public var requestId: String
    /// ``RecommendationResult/strategy``.
    public var strategy: String
    /// The user of the recommendations routes.
    public var userId: String?

    public static let jsonSchema = JSONSchema.object([
        "embeddingSpace": JSONSchema.string.described("With explain=true: the embedding space (model and dimension) that ranked the list."),
        "fallback": JSONSchema.boolean.described("True when the user has no profile yet: popularity and freshness only."),
        "itemId": .string, "items": .array(Item.jsonSchema), "requestId": .string,
        "strategy": .enumeration(["blended", "popularity_freshness", "similar", "search", "average_vector", "best_score"]),
        "userId": .string,
    ], optional: ["embeddingSpace", "itemId", "userId"])

    public init(_ result: RecommendationResult, explain: Bool, requestID: String, userID: String? = nil, itemID: String? = nil) {
        embeddingSpace = explain ? result.space : nil
        fallback = result.fallback
        itemId = itemID
        requestId = requestID
        strategy = result.strategy
        userId = userID
        items = result.items.enumerated().map { rank, s in
            let e = s.explanation
            return Item(available: s.candidate.available, categories: s.candidate.categories,
                        explanation: explain ? Explanation(context: Self.rounded(e.context), covisit: Self.rounded(e.covisit),
                                                           freshness: Self.rounded(e.freshness), longTerm: Self.rounded(e.longTerm),
                                                           negative: Self.rounded(e.negative), popularity: Self.rounded(e.popularity),
                                                           query: Self.rounded(e.query), session: Self.rounded(e.session),
                                                           sources: s.candidate.sources.sorted()) : nil,
                        id: s.candidate.itemID, price: s.candidate.price, rank: rank + 1, score: Self.rounded(s.score), title: s.candidate.title)
        }
    }

    /// A score to 6 decimals, as ``JSONValue/float(_:)`` rounds it.
    static func rounded(_ f: Float) -> Double { (Double(f) * 1e6).rounded() / 1e6 }
}
