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

