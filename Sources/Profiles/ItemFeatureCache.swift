import Foundation
import RecCore

/// Recently used item vectors and categories, so a batch fetches only the items
/// it has not seen lately (at 1024 dimensions an item row is ~2 KB, more than the
/// rest of the batch's reads together).
///
/// Bounded: at most `capacity` items, stored widened to floats and handed out
/// without a copy, so memory stays flat (≈ capacity × dimension × 4 bytes). Half
/// floats would take half that, but widening every item of every batch again
/// allocated and converted ~175 MB per 100,000-event batch. Entries expire after
/// `timeToLive`: when catalog ingest re-embeds an item, folds use the new vector
/// at most that long after. Only items that have a vector are cached, so an
/// interaction for an item without one is always looked up again.
final class ItemFeatureCache: Sendable {
    private struct Entry {
        var vector: [Float]
        var categories: [String]
        var loadedAt: ContinuousClock.Instant
    }

    let capacity: Int
    let timeToLive: Duration
    private let entries: Locked<FIFOBoundedMap<Entry>>

    init(capacity: Int, timeToLive: Duration) {
        self.capacity = capacity
        self.timeToLive = timeToLive
        entries = Locked(FIFOBoundedMap(capacity: capacity))
    }

    /// Cached rows for `ids`, and the ids to fetch.
    func lookup(_ ids: [String]) -> (hits: [String: ItemFeatureReader.Row], misses: [String]) {
        guard capacity > 0 else { return ([:], ids) }
        let now = ContinuousClock.now
        var hits = [String: ItemFeatureReader.Row](minimumCapacity: ids.count)
        var misses = [String]()
        entries.withLock { entries in
            for id in ids {
                if let e = entries[id], now - e.loadedAt < timeToLive {
                    hits[id] = ItemFeatureReader.Row(vector: e.vector, categories: e.categories)
                } else {
                    misses.append(id)
                }
            }
        }
        return (hits, misses)
    }

    func store(_ rows: [String: ItemFeatureReader.Row]) {
        guard capacity > 0 else { return }
        let now = ContinuousClock.now
        entries.withLock { entries in
            for (id, row) in rows {
                guard let v = row.vector else { continue }
                entries.insert(Entry(vector: v, categories: row.categories, loadedAt: now), for: id)
            }
            entries.trim()
        }
    }
}
