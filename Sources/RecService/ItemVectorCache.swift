import Foundation

/// Unit vectors of the items that the popular and fresh sources keep returning, held briefly in process.
///
/// Those sources hand (nearly) every recommendation request the same few dozen items; fetching, sending
/// and decoding their 1024-d vectors again per request was a third of the vectors a request moved. The
/// candidate statement is told which ids are cached and skips their vector probe. Entries live ``ttl``
/// seconds, so a re-embedded item's new vector is scored within that time; bounded by ``capacity``
/// (cleared when full, which only costs re-fetching).
final class ItemVectorCache: @unchecked Sendable {
    let ttl: TimeInterval
    let capacity: Int
    private let lock = NSLock()
    private var entries: [String: (vector: [Float], expires: Date)] = [:]

    init(ttl: TimeInterval, capacity: Int = 512) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The live entries at `now` (a snapshot: the caller's statement and its rows see the same set).
    func snapshot(now: Date) -> [String: [Float]] {
        guard ttl > 0 else { return [:] }
        lock.lock(); defer { lock.unlock() }
        var out = [String: [Float]](minimumCapacity: entries.count)
        for (id, e) in entries where e.expires > now { out[id] = e.vector }
        return out
    }

    func insert(_ vectors: [(id: String, vector: [Float])], now: Date) {
        guard ttl > 0, !vectors.isEmpty else { return }
        lock.lock(); defer { lock.unlock() }
        if entries.count + vectors.count > capacity {
            entries = entries.filter { $0.value.expires > now }
            if entries.count + vectors.count > capacity { entries.removeAll() }
        }
        let expires = now.addingTimeInterval(ttl)
        for v in vectors { entries[v.id] = (v.vector, expires) }
    }
}
