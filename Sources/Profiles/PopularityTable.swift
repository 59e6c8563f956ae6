import Foundation
import Postgres
import RecCore

/// `item_popularity` and `category_popularity`: decayed engagement counters (``PopularityCounter``), one row
/// per item and per category. The only code that writes them; the recommender and the catalog reader read
/// them in their listing statements.
struct PopularityTable: Sendable {
    /// The counters `events` add per item and per category (engagement weights, see
    /// ``EventWeights/engagementWeight(for:value:)``): a category's counter is the merge of its items'.
    ///
    /// - Parameter categories: an item's categories (nil or empty: it adds to no category).
    static func counters(for events: [Interaction], categories: (String) -> [String]?, configuration: ProfileConfiguration)
        -> (items: [String: PopularityCounter], categories: [String: PopularityCounter]) {
        let h = configuration.popularityHalfLife
        var byItem = [String: PopularityCounter]()
        var byCategory = [String: PopularityCounter]()
        for e in events {
            let w = Double(configuration.weights.engagementWeight(for: e.type, value: e.value))
            byItem[e.itemID.rawValue, default: PopularityCounter()].add(weight: w, at: e.occurredAt, halfLife: h)
        }
        // Merging is order-independent.
        for (item, counter) in byItem {
            guard let cats = categories(item), !cats.isEmpty else { continue }
            for c in ItemFeatures.distinct(cats) { byCategory[c, default: PopularityCounter()].merge(counter) }
        }
        return (byItem, byCategory)
    }

    /// Merges the counters into the stored ones in SQL by a log-add (order-independent; any event time,
    /// however old, merges without underflow).
    func merge(items: [String: PopularityCounter], categories: [String: PopularityCounter], on conn: PGConnection) throws {
        for (table, key, counters) in [("item_popularity", "item_id", items), ("category_popularity", "category", categories)] where !counters.isEmpty {
            // Sorted keys: concurrent consumers lock rows in the same order (no deadlocks).
            let keys = counters.keys.sorted()
            try conn.query("""
                INSERT INTO \(unescaped: table) AS p (\(unescaped: key), score_log2, events, last_event_at)
                SELECT * FROM unnest(\(bind: BinaryArray.texts(keys))::text[], \(bind: BinaryArray.doubles(keys.map { counters[$0]!.score.log2 }))::float8[],
                                     \(bind: BinaryArray.int64s(keys.map { counters[$0]!.events }))::int8[],
                                     \(bind: BinaryArray.dates(keys.map { counters[$0]!.lastEventAt }))::timestamptz[])
                ON CONFLICT (\(unescaped: key)) DO UPDATE SET
                    score_log2 = log2_add(p.score_log2, EXCLUDED.score_log2),
                    events = p.events + EXCLUDED.events,
                    last_event_at = greatest(p.last_event_at, EXCLUDED.last_event_at)
                """ as PostgresQuery)
        }
    }
}
