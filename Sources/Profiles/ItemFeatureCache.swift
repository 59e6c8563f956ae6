import Foundation

/// Recently used item vectors and categories, so a batch fetches only the items
/// it has not seen lately (at 1024 dimensions an item row is ~2 KB, more than the
/// rest of the batch's reads together).
///
/// Bounded: at most `capacity` items, stored as half floats (as in the database),
/// so memory stays flat (≈ capacity × dimension × 2 bytes). Entries expire after
/// `timeToLive`: when catalog ingest re-embeds an item, folds use the new vector
/// at most that long after. Only items that have a vector are cached, so an
/// interaction for an item without one is always looked up again.
final class ItemFeatureCache: @unchecked Sendable {
    private struct Entry {
        var vector: [Float16]
        var categories: [String]
        var loadedAt: ContinuousClock.Instant
    }

    let capacity: Int
    let timeToLive: Duration
    private let lock = NSLock()
    private var entries: FIFOBoundedMap<Entry>

    init(capacity: Int, timeToLive: Duration) {
        self.capacity = capacity
        self.timeToLive = timeToLive
        entries = FIFOBoundedMap(capacity: capacity)
    }

    /// Cached rows for `ids`, and the ids to fetch.
    func lookup(_ ids: [String]) -> (hits: [String: ProfileStore.ItemRow], misses: [String]) {
        guard capacity > 0 else { return ([:], ids) }
        let now = ContinuousClock.now
        var hits = [String: ProfileStore.ItemRow]()
        var misses = [String]()
        lock.lock()
        for id in ids {
            if let e = entries[id], now - e.loadedAt < timeToLive {
                hits[id] = ProfileStore.ItemRow(vector: e.vector.map { Float($0) }, categories: e.categories)
            } else {
                misses.append(id)
            }
        }
        lock.unlock()
        return (hits, misses)
    }

    func store(_ rows: [String: ProfileStore.ItemRow]) {
        guard capacity > 0 else { return }
        let now = ContinuousClock.now
        lock.lock()
        defer { lock.unlock() }
        for (id, row) in rows {
            guard let v = row.vector else { continue }
            entries.insert(Entry(vector: v.map { Float16($0) }, categories: row.categories, loadedAt: now), for: id)
        }
        entries.trim()
    }
}
