import Foundation

/// Unit item vectors held in process, each validated per request by its `item_embeddings` row's fingerprint.
///
/// Receiving ~100 candidate vectors of 2 KB per request through libpq and converting them from half
/// precision was a third of a recommendation's CPU in the rec process. The candidate statement now returns
/// each candidate's fingerprint (`content_hash` and `updated_at`, which every writer sets when it writes a
/// vector) instead of its vector; a vector is taken from here only when its fingerprint matches, so a
/// re-embedded item is never scored with its old vector. Misses and stale entries are fetched in one
/// follow-up statement and stored.
///
/// One instance serves one embedding kind and dimension (the recommender's), so entries are keyed by item
/// id. Bounded by ``capacity`` entries (a 1024-d entry is 4 KB), evicted with the CLOCK approximation of
/// LRU: items that requests keep using stay, one-off kNN neighbours make room.
final class ItemVectorCache: @unchecked Sendable {
    /// Most entries kept; 0 disables the cache (every candidate vector is then fetched per request).
    let capacity: Int
    private struct Entry {
        var id: String
        var fingerprint: [UInt8]
        var vector: [Float]
        var referenced: Bool
    }
    private let lock = NSLock()
    private var slots: [Entry] = []
    private var index: [String: Int] = [:]
    private var hand = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return slots.count }

    /// The cached vector of each `(id, fingerprint)` whose fingerprint matches, else nil (missing or stale).
    func vectors(_ keys: [(id: String, fingerprint: [UInt8])]) -> [[Float]?] {
        guard capacity > 0, !keys.isEmpty else { return Array(repeating: nil, count: keys.count) }
        lock.lock(); defer { lock.unlock() }
        return keys.map { k in
            guard let i = index[k.id], slots[i].fingerprint == k.fingerprint else { return nil }
            slots[i].referenced = true
            return slots[i].vector
        }
    }

    /// Stores (or replaces) unit vectors with the fingerprints they were read with.
    func insert(_ entries: [(id: String, fingerprint: [UInt8], vector: [Float])]) {
        guard capacity > 0, !entries.isEmpty else { return }
        lock.lock(); defer { lock.unlock() }
        for e in entries {
            if let i = index[e.id] {
                slots[i].fingerprint = e.fingerprint
                slots[i].vector = e.vector
                slots[i].referenced = true
            } else if slots.count < capacity {
                index[e.id] = slots.count
                slots.append(Entry(id: e.id, fingerprint: e.fingerprint, vector: e.vector, referenced: false))
            } else {
                // CLOCK: skip (and clear) recently used entries; evict the first one not used since the last pass.
                while slots[hand].referenced {
                    slots[hand].referenced = false
                    hand = (hand + 1) % slots.count
                }
                index.removeValue(forKey: slots[hand].id)
                slots[hand] = Entry(id: e.id, fingerprint: e.fingerprint, vector: e.vector, referenced: false)
                index[e.id] = hand
                hand = (hand + 1) % slots.count
            }
        }
    }
}
