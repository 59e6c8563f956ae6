import Foundation
import RecCore

/// Items and interactions loaded from files, with dense item indices for the hot loops.
///
/// Events naming an item that is absent from the items file are **skipped and counted**
/// (``skippedUnknownItems``), not an error: public datasets are routinely filtered on one
/// side only, and a count in the report is more useful than refusing to run. Callers that
/// want strictness check the count.
public struct EvalDataset: Sendable {
    public let items: [EvalItem]
    /// Interactions in file order (``EvalEvent/index`` is the row order, before skipping).
    public let events: [EvalEvent]
    /// Events dropped because their item is not in ``items``.
    public let skippedUnknownItems: Int
    /// The catalog the baselines rank: every item of the items file, in file order, with dense indices.
    public let catalog: EvalCatalog

    /// Items with a repeated id keep their first occurrence, so ids and catalog indices stay one-to-one.
    public init(items: [EvalItem], events: [EvalEvent], skippedUnknownItems: Int = 0) {
        var seen = Set<String>()
        self.items = items.filter { seen.insert($0.id).inserted }
        self.events = events
        self.skippedUnknownItems = skippedUnknownItems
        self.catalog = EvalCatalog(ids: self.items.map(\.id))
    }

    /// Distinct users with at least one event.
    public var userCount: Int { Set(events.lazy.map(\.user)).count }

    /// Distinct items with at least one event.
    public var interactedItemCount: Int { Set(events.lazy.map(\.item)).count }

    /// Loads items and interactions; the format of each file follows its extension (`.csv`, `.tsv`, `.jsonl`).
    ///
    /// Column names are case-insensitive and accept aliases: items `id`/`itemId`/`item_id`/`productId`,
    /// `title`/`text`, `description`, `categories` (`|`-separated), `image`, `publishedAt`
    /// (RFC 3339 or unix seconds); interactions `user`/`userId`/`user_id`, `item`/`itemId`/`item_id`/`productId`,
    /// `type` (an `interactions.v1` type; default `rating` when a `rating`/`value` column exists, else `view`),
    /// `value`/`rating`, `timestamp`/`time`/`occurredAt` (unix seconds, integer or fractional, or RFC 3339).
    ///
    /// - Parameters:
    ///   - items: The items file.
    ///   - interactions: The interactions file.
    /// - Throws: ``EvalError`` naming the file and line of the first bad row (missing column, bad number
    ///   or date, unknown event type), or an unreadable/unsupported file.
    public static func load(items: URL, interactions: URL) throws -> EvalDataset {
        let loadedItems = try loadItems(items)
        var known = Set<String>()
        known.reserveCapacity(loadedItems.count)
        for item in loadedItems { known.insert(item.id) }
        var events: [EvalEvent] = []
        var skipped = 0
        var index = 0
        let columns = [
            TableReader.Column("user", "userid", "customerid", required: true),
            TableReader.Column("item", "itemid", "productid", required: true),
            TableReader.Column("type", "eventtype", required: false),
            TableReader.Column("value", "rating", required: false),
            TableReader.Column("timestamp", "time", "occurredat", required: true),
        ]
        let path = interactions.path
        try TableReader.read(interactions, columns: columns) { line, cells, present in
            defer { index += 1 }
            let item = cells[1]!
            var value: Double? = nil
            if let v = cells[3] {
                guard let d = Double(v), d.isFinite else {
                    throw EvalError(.badValue, "value '\(v)' is not a number", path: path, dataLine: line)
                }
                value = d
            }
            let type: EventType
            if let t = cells[2] {
                guard let parsed = EventType(rawValue: t.lowercased()) else {
                    throw EvalError(.unknownEventType, "unknown event type '\(t)' (expected one of \(EventType.allCases.map(\.rawValue).joined(separator: ", ")))", path: path, dataLine: line)
                }
                type = parsed
            } else {
                type = present[3] ? .rating : .view
            }
            guard let time = parseTime(cells[4]!) else {
                throw EvalError(.badValue, "timestamp '\(cells[4]!)' is neither unix seconds nor RFC 3339", path: path, dataLine: line)
            }
            guard known.contains(item) else { skipped += 1; return }
            events.append(EvalEvent(user: cells[0]!, item: item, type: type, value: value, time: time, index: index))
        }
        return EvalDataset(items: loadedItems, events: events, skippedUnknownItems: skipped)
    }

    static func loadItems(_ url: URL) throws -> [EvalItem] {
        let columns = [
            TableReader.Column("id", "itemid", "productid", required: true),
            TableReader.Column("title", "text", "name", required: false),
            TableReader.Column("description", required: false),
            TableReader.Column("categories", "category", "genres", required: false),
            TableReader.Column("image", "imageurl", "imagepath", required: false),
            TableReader.Column("publishedat", "published", "releasedate", required: false),
        ]
        var items: [EvalItem] = []
        let path = url.path
        try TableReader.read(url, columns: columns) { line, cells, _ in
            let text: String
            switch (cells[1], cells[2]) {
            case let (t?, d?): text = t + ". " + d
            case let (t?, nil): text = t
            case let (nil, d?): text = d
            case (nil, nil): throw EvalError(.missingColumn, "an item needs a 'title' or 'text'", path: path, dataLine: line)
            }
            var published: Date? = nil
            if let p = cells[5] {
                guard let date = parseTime(p) else {
                    throw EvalError(.badValue, "publishedAt '\(p)' is neither unix seconds nor RFC 3339", path: path, dataLine: line)
                }
                published = date
            }
            let categories = cells[3].map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
            items.append(EvalItem(id: cells[0]!, text: text, categories: categories, image: cells[4], publishedAt: published))
        }
        return items
    }

    /// Unix seconds (integer or fractional) or RFC 3339; nil otherwise.
    static func parseTime(_ text: String) -> Date? {
        if let seconds = Double(text), seconds.isFinite { return Date(timeIntervalSince1970: seconds) }
        return RFC3339.parse(text)
    }
}
