import Foundation
import BedrockClient
import RecCore

/// Ranked listings: personalized recommendations, similar items, search and example-based recommendations.
extension RouteTable {
    static let getRecommendations = rankedAround(
        "/v1/users/{userId}/recommendations", operationID: "getRecommendations",
        summary: "Personalized recommendations by blended similarity (fallback: popularity and freshness).", echo: \.userId
    ) { recommender, user, listing, now in
        try await recommender.recommend(userID: user, request: listing, now: now)
    }

    static let postRecommendations = Route(
        .post, "/v1/users/{userId}/recommendations", operationID: "postRecommendations",
        summary: "Recommendations with request-time context items (cart, viewed page) as extra positives.",
        scope: .read,
        body: jsonBody(listingBody.merging([
            "context": identifiers(max: 50).described("Item ids (cart, viewed page): extra positives, never returned."),
            "asOf": asOfMember,
        ]) { $1 }, maxBytes: smallBodyLimit)
    ) { call in
        let user = try call.pathParameter("userId")
        let o = try await call.bodyObject()
        let (listing, explain) = try APIRequest.listing(o)
        let contextItems = try o.stringArray("context", maxCount: 50) ?? []
        let now = try o.string("asOf", maxLength: 64).map { try APIRequest.parseAsOf($0, field: "body.asOf") } ?? Date()
        let result = try await call.deps.recommender.recommend(userID: user, request: listing, contextItems: contextItems, now: now)
        return RecommendationsResponse(result, explain: explain, requestID: call.requestID, userID: user)
    }

    static let getSimilarItems = Route(
        .get, "/v1/items/{itemId}/similar", operationID: "getSimilarItems",
        summary: "Items similar to one item: kNN on its vector and what people went on to after it (`signals` keeps one of them).",
        scope: .read, query: listing + [RouteSpec.Query("signals", "string", "all (default), content (the item's vector only) or behaviour (transitions out of the item only).")],
        attributeFilters: true
    ) { call in
        let id = try call.pathParameter("itemId")
        let (listing, explain) = try call.listing()
        let text = call.request.uri.queryParameters.get("signals").map { String($0) } ?? SimilaritySignals.all.rawValue
        guard let signals = SimilaritySignals(rawValue: text) else { throw RecServiceError(.invalidInput, "signals must be all, content or behaviour") }
        let result = try await call.deps.recommender.similar(itemID: id, request: listing, signals: signals, now: try call.asOf())
        var response = RecommendationsResponse(result, explain: explain, requestID: call.requestID)
        response.itemId = id
        return response
    }

    /// A `GET` listing ranked around the path's one id (a user, an item), with the listing query
    /// parameters; the response names the id in `echo`.
    static func rankedAround(
        _ path: String, operationID: String, summary: String, echo: WritableKeyPath<RecommendationsResponse, String?> & Sendable,
        rank: @escaping @Sendable (Recommender, String, ListingRequest, Date) async throws -> RecommendationResult
    ) -> Route {
        Route(.get, path, operationID: operationID, summary: summary, scope: .read, query: listing, attributeFilters: true) { call in
            let id = try call.pathParameter(call.spec.pathParameters[0])
            let (listing, explain) = try call.listing()
            var response = RecommendationsResponse(try await rank(call.deps.recommender, id, listing, try call.asOf()), explain: explain, requestID: call.requestID)
            response[keyPath: echo] = id
            return response
        }
    }

    static let search = Route(
        .post, "/v1/search", operationID: "search",
        summary: "Multimodal search (text, image or both), optionally personalized.",
        scope: .read,
        body: jsonBody(listingBody.merging([
            "text": JSONSchema.string.bounded(maxLength: 4096),
            "imageBase64": JSONSchema.string.described("A PNG or JPEG of at most 5 MB, base64."),
            "userId": JSONSchema.string.bounded(maxLength: 256).described("Personalize for this user."),
            "personalization": JSONSchema.number.bounded(minimum: 0, maximum: 1).described("Weight of the user's profile (default 0.3 with a userId)."),
        ]) { $1 }, maxBytes: searchBodyLimit)
    ) { call in
        let o = try await call.bodyObject()
        let text = try o.string("text", maxLength: 4096)
        var image: [UInt8]?
        if let b64 = try o.string("imageBase64", maxLength: searchBodyLimit) {
            guard let data = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
                throw RecServiceError(.invalidInput, "body.imageBase64 is not valid base64")
            }
            guard data.count <= RecAPI.maxImageBytes else { throw RecServiceError(.payloadTooLarge, "the image is larger than 5 MB") }
            guard TitanInput.imageFormat(Array(data)) != nil else { throw RecServiceError(.invalidInput, "the image must be PNG or JPEG") }
            image = Array(data)
        }
        guard (text.map { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? false) || image != nil else {
            throw RecServiceError(.invalidInput, "search needs body.text, body.imageBase64, or both")
        }
        let (listing, explain) = try APIRequest.listing(o)
        let user = try o.string("userId")
        let personalization = Float(try o.number("personalization", in: 0...1) ?? (user == nil ? 0 : 0.3))
        guard let embedder = call.deps.embedder else { throw RecServiceError(.unavailable, "search is not configured (no embedding endpoint)") }
        // One space for the whole search: the query is embedded with its model and dimension, then searched in it.
        let space = try await call.deps.recommender.servingSpace()
        let vector = try await embedder.embed(text: text, image: image, dimensions: space.dims, modelID: space.modelID)
        let result = try await call.deps.recommender.search(vector: vector, request: listing, userID: user, personalization: personalization, space: space)
        return RecommendationsResponse(result, explain: explain, requestID: call.requestID)
    }

    static let weightedExample = JSONSchema.object([
        "id": JSONSchema.string.bounded(maxLength: 256),
        "weight": JSONSchema.number.bounded(minimum: 0.000001, maximum: 1000).described("Default 1."),
    ], optional: ["weight"])
    /// An item id, or an item id with a weight.
    static let example = JSONSchema.oneOf([JSONSchema.string.bounded(maxLength: 256), weightedExample])

    static let recommendFromExamples = Route(
        .post, "/v1/recommend", operationID: "recommendFromExamples",
        summary: "Recommendations from positive and negative example items (average_vector or best_score).",
        scope: .read,
        body: jsonBody(listingBody.merging([
            "positive": JSONSchema.array(example, maxItems: 64), "negative": JSONSchema.array(example, maxItems: 64),
            "strategy": JSONSchema.enumeration(ExampleStrategy.allCases.map(\.rawValue)).described("Default average_vector."),
            "ignoreMissing": JSONSchema.boolean.described("Skip unknown example ids instead of answering 404."),
            "asOf": asOfMember,
        ]) { $1 }, maxBytes: smallBodyLimit)
    ) { call in
        let o = try await call.bodyObject()
        func examples(_ key: String) throws -> [Recommender.Example] {
            try (o.array(key, maxCount: 64) ?? []).enumerated().map { i, v in
                switch v {
                case .string(let s) where (1...256).contains(s.utf8.count) && !IdentifierRule.hasControlCharacter(s): return .init(id: s)
                case .object:
                    let e = try JSONObjectReader(v, path: "body.\(key)[\(i)]")
                    try e.onlyAllow(weightedExample.propertyNames)
                    let id = try e.string("id", required: true)!
                    guard (1...256).contains(id.utf8.count), !IdentifierRule.hasControlCharacter(id) else {
                        throw RecServiceError(.invalidInput, "body.\(key)[\(i)].id must be 1 to 256 bytes without control characters")
                    }
                    let w = try e.number("weight", in: 0.000001...1000) ?? 1
                    return .init(id: id, weight: Float(w))
                default: throw RecServiceError(.invalidInput, "body.\(key)[\(i)] must be an item id or {\"id\",\"weight\"}")
                }
            }
        }
        let positive = try examples("positive"), negative = try examples("negative")
        guard !positive.isEmpty || !negative.isEmpty else { throw RecServiceError(.invalidInput, "give at least one positive or negative example") }
        let strategyText = try o.string("strategy", maxLength: 32) ?? "average_vector"
        guard let strategy = ExampleStrategy(rawValue: strategyText) else {
            throw RecServiceError(.invalidInput, "body.strategy must be average_vector or best_score")
        }
        let (listing, explain) = try APIRequest.listing(o)
        let result = try await call.deps.recommender.recommend(
            positive: positive, negative: negative, strategy: strategy, ignoreMissing: try o.bool("ignoreMissing") ?? false, request: listing,
            now: try o.string("asOf", maxLength: 64).map { try APIRequest.parseAsOf($0, field: "body.asOf") } ?? Date())
        return RecommendationsResponse(result, explain: explain, requestID: call.requestID)
    }
}
