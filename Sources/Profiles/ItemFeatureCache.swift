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
        var found = [(String, Entry)]()
        found.reserveCapacity(ids.count)
        var misses = [String]()
        lock.lock()
        for id in ids {
            if let e = entries[id], now - e.loadedAt < timeToLive {
                found.append((id, e))
            } else {
                misses.append(id)
            }
        }
        lock.unlock()
        // Widen outside the lock (consumers share the cache), through a table: Float(Float16)
        // is a library call per element on x86 builds without F16C, the biggest cost of a warm batch.
        var hits = [String: ProfileStore.ItemRow](minimumCapacity: found.count)
        for (id, e) in found {
            hits[id] = ProfileStore.ItemRow(vector: Self.widen(e.vector), categories: e.categories)
        }
        return (hits, misses)
    }

    /// `Float` of every half-precision bit pattern (256 KB, built once).
    private static let halfToFloat: [Float] = (0...0xFFFF).map { Float(Float16(bitPattern: UInt16($0))) }

    static func widen(_ half: [Float16]) -> [Float] {
        halfToFloat.withUnsafeBufferPointer { table in
            half.withUnsafeBufferPointer { src in
                [Float](unsafeUninitializedCapacity: src.count) { out, count in
                    for k in 0..<src.count { out[k] = table[Int(src[k].bitPattern)] }
                    count = src.count
                }
            }
        }
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
