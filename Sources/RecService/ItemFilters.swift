import Foundation
import Postgres

/// Filters every listing applies in SQL (so the HNSW iterative scan keeps going until enough rows pass).
public struct ItemFilters: Sendable, Equatable {
    /// Keep items in any of these categories (`&&`).
    public var categories: [String] = []
    /// Keep items whose attributes contain these key/values (`@>`).
    public var attributes: [String: String] = [:]
    /// Keep only items with this availability.
    public var available: Bool?
    /// Never return these ids.
    public var exclude: [String] = []

    public init(categories: [String] = [], attributes: [String: String] = [:], available: Bool? = nil, exclude: [String] = []) {
        self.categories = categories
        self.attributes = attributes
        self.available = available
        self.exclude = exclude
    }

    /// The attribute filter as a JSON object (string values).
    var attributesJSON: String {
        let data = (try? JSONSerialization.data(withJSONObject: attributes, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Seen-item exclusion: items the user interacted with by these event types since this time.
public struct SeenExclusion: Sendable, Equatable {
    public var userID: String
    public var eventTypes: [String]
    public var since: Date
}

/// Accumulates positional parameters for one statement, so SQL fragments never carry values.
struct SQLParameters {
    private(set) var values: [any PostgresEncodable] = []

    mutating func add(_ value: any PostgresEncodable) -> String {
        values.append(value)
        return "$\(values.count)"
    }

    /// `AND …` conditions on items alias `i` for `filters` and `seen`.
    mutating func conditions(_ filters: ItemFilters, seen: SeenExclusion?, item: String = "i") -> String {
        var sql = " AND \(item).deleted_at IS NULL"
        if !filters.categories.isEmpty { sql += " AND \(item).categories && \(add(filters.categories))::text[]" }
        if !filters.attributes.isEmpty { sql += " AND \(item).attributes @> \(add(PostgresJSON(filters.attributesJSON)))::jsonb" }
        if let a = filters.available { sql += " AND \(item).available = \(add(a))" }
        if !filters.exclude.isEmpty { sql += " AND NOT (\(item).id = ANY(\(add(filters.exclude))::text[]))" }
        if let seen, !seen.eventTypes.isEmpty {
            sql += " AND NOT EXISTS (SELECT 1 FROM interactions x WHERE x.user_id = \(add(seen.userID)) AND x.item_id = \(item).id"
                + " AND x.type = ANY(\(add(seen.eventTypes))::text[]) AND x.occurred_at >= \(add(seen.since)))"
        }
        return sql
    }
}
