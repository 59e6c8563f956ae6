import Foundation
import RecCore

/// Catalog reads: popular and trending items, one item.
extension RouteTable {
    static let getPopular = Route(
        .get, "/v1/popular", operationID: "getPopular", summary: "Items by decayed popularity.",
        scope: .read, query: [.init("limit", "integer", "1 to 100 (default 20)."), .init("category", "string", "Only this category."),
                              .init("available", "boolean", "Only items with this availability."), asOf]
    ) { call in
        let limit = try call.queryInt("limit", 1...100, default: 20)
        let category = try call.queryList("category", max: 1).first
        let items = try await call.catalog.popular(limit: limit, category: category, available: try call.queryBool("available"), now: try call.asOf())
        return PopularItems(items: try JSONValue.array(items).decoded(as: [PopularItems.Item].self), requestId: call.requestID)
    }

    static let getTrending = Route(
        .get, "/v1/trending", operationID: "getTrending",
        summary: "Items with the most recent interactions, and top categories by decayed counters.",
        scope: .read, query: [.init("limit", "integer", "1 to 100 (default 20)."), .init("category", "string", "Only this category."),
                              .init("windowHours", "integer", "Recent window in hours, 1 to 720 (default 24)."), asOf]
    ) { call in
        let limit = try call.queryInt("limit", 1...100, default: 20)
        let hours = try call.queryInt("windowHours", 1...720, default: 24)
        let category = try call.queryList("category", max: 1).first
        var out = try await call.catalog.trending(limit: limit, category: category, window: TimeInterval(hours) * 3600, now: try call.asOf())
        if case .object(var o) = out { o["requestId"] = .string(call.requestID); out = .object(o) }
        return try out.decoded(as: TrendingItems.self)
    }

    static let getItem = Route(
        .get, "/v1/items/{itemId}", operationID: "getItem", summary: "One catalog item.", scope: .read
    ) { call in
        let id = try call.pathParameter("itemId")
        guard let item = try await call.catalog.item(id: id) else { throw RecServiceError(.notFound, "item \(id) does not exist") }
        return try item.decoded(as: CatalogItem.self)
    }
}
