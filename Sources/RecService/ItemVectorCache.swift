import Foundation
import Postgres
import RecCore

/// Item vectors held in process, each validated per request by its `item_embeddings` row's fingerprint.
///
/// Receiving ~100 candidate vectors of 2 KB per request through libpq and converting them from half
/// precision was a third of a recommendation's CPU in the rec process. The candidate statement returns
/// each candidate's fingerprint (`content_hash` and `updated_at`, which every writer sets when it writes a
/// vector) instead of its vector; a vector is taken from here only when its fingerprint matches, so a
/// re-embedded item is never scored with its old vector. Misses and stale entries are fetched in one
/// follow-up statement and stored.
///
/// Entries keep the stored `halfvec` bytes as received (2 bytes a dimension, the column's own precision,
/// so nothing is lost) and their norm: a catalog of 100,000 items at 1024-d fits in ~200 MB, and a request
/// widens its ~100 hits to unit floats in one F16C pass each (``PGVector/widenHalfvec(_:dimension:dividedBy:into:)``,
/// a few microseconds), outside the lock.
/// ``RecommendationStore/warmVectorCache(_:space:after:limit:)`` fills it page by page at start, so a warm
/// service answers without the follow-up statement.
///
/// One instance serves one embedding space and kind (``ItemVectorCaches`` keeps one per space), so entries are keyed by item
/// id. Bounded by ``capacity`` entries, evicted with the CLOCK approximation of LRU: items that requests
/// keep using stay, one-off kNN neighbours make room.
final class ItemVectorCache: @unchecked Sendable {
    /// Most entries kept; 0 disables the cache (every candidate vector is then fetched per request).
    let capacity: Int
    private struct Entry {
        var id: String
        var fingerprint: [UInt8]
        /// Binary `halfvec` as received (header + big-endian halves).
        var halfvec: [UInt8]
        /// What the widened vector is divided by to be a unit vector (1 for a zero vector).
        var norm: Float
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
    var isFull: Bool { lock.lock(); defer { lock.unlock() }; return slots.count >= capacity }

    /// The cached unit vector of each `(id, fingerprint)` whose fingerprint matches, else nil (missing or
    /// stale). The hits are widened into ONE buffer and handed out as slices of it: a request's ~130
    /// separate 4 KB arrays made malloc (and its fast-bin consolidation) a fifth of the process's time.
    func vectors(_ keys: [(id: String, fingerprint: [UInt8])]) -> [ArraySlice<Float>?] {
        guard capacity > 0, !keys.isEmpty else { return Array(repeating: nil, count: keys.count) }
        lock.lock()
        let stored: [(halfvec: [UInt8], norm: Float)?] = keys.map { k in
            guard let i = index[k.id], slots[i].fingerprint == k.fingerprint else { return nil }
            slots[i].referenced = true
            return (slots[i].halfvec, slots[i].norm)
        }
        lock.unlock()
        var ranges = [Range<Int>?]()
        ranges.reserveCapacity(stored.count)
        var total = 0
        for s in stored {
            let dim = s.map { ($0.halfvec.count - 4) / 2 } ?? 0  // insert(_:) stored well-formed halfvecs only
            ranges.append(s == nil ? nil : total..<(total + dim))
            total += dim
        }
        guard total > 0 else { return stored.map { $0 == nil ? nil : [] } }
        let buffer = [Float](unsafeUninitializedCapacity: total) { out, count in
            for (s, r) in zip(stored, ranges) {
                guard let s, let r, !r.isEmpty else { continue }
                PGVector.widenHalfvec(s.halfvec, dimension: r.count, dividedBy: s.norm, into: out.baseAddress! + r.lowerBound)
            }
            count = total
        }
        return ranges.map { $0.map { buffer[$0] } }
    }

    /// A binary `halfvec` widened and normalized as ``VectorMath/normalize(_:)`` does (same divisions, same
    /// floats), and the divisor; nil if the bytes are not a halfvec.
    static func unitVector(_ halfvec: [UInt8]) -> (vector: [Float], norm: Float)? {
        guard var v = try? PGVector.decodeHalfvec(halfvec) else { return nil }
        let n = VectorMath.normalize(&v)
        return (v, n)
    }

    /// Stores (or replaces) binary `halfvec` values with the fingerprints they were read with and their
    /// norms (``unitVector(_:)``); values that do not decode are skipped.
    func insert(_ entries: [(id: String, fingerprint: [UInt8], halfvec: [UInt8], norm: Float)]) {
        guard capacity > 0, !entries.isEmpty else { return }
        let valid = entries.filter { PGVector.halfvecDimension($0.halfvec) != nil && $0.norm > 0 && $0.norm.isFinite }
        lock.lock(); defer { lock.unlock() }
        for e in valid {
            if let i = index[e.id] {
                slots[i].fingerprint = e.fingerprint
                slots[i].halfvec = e.halfvec
                slots[i].norm = e.norm
                slots[i].referenced = true
            } else if slots.count < capacity {
                index[e.id] = slots.count
                slots.append(Entry(id: e.id, fingerprint: e.fingerprint, halfvec: e.halfvec, norm: e.norm, referenced: false))
            } else {
                // CLOCK: skip (and clear) recently used entries; evict the first one not used since the last pass.
                while slots[hand].referenced {
                    slots[hand].referenced = false
                    hand = (hand + 1) % slots.count
                }
                index.removeValue(forKey: slots[hand].id)
                slots[hand] = Entry(id: e.id, fingerprint: e.fingerprint, halfvec: e.halfvec, norm: e.norm, referenced: false)
                index[e.id] = hand
                hand = (hand + 1) % slots.count
            }
        }
    }
}
