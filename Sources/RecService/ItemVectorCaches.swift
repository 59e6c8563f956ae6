import Postgres
import RecCore

/// One ``ItemVectorCache`` per embedding space (each holds one space's vectors, so a fingerprint match can never
/// hand a vector of another space to a request), keeping the caches of the two most recently used spaces: the
/// live one, and the one it replaced (a switch back finds it warm). Each has the full capacity, so during a
/// switch-over a process may hold twice ``RecommenderConfiguration/cachedVectors``.
final class ItemVectorCaches: Sendable {
    let capacity: Int
    /// Most recently used first.
    private let caches = Locked<[(space: PostgresIdentifierLiteral, cache: ItemVectorCache)]>([])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The cache of `space`, created on first use.
    func cache(for space: PostgresIdentifierLiteral) -> ItemVectorCache {
        caches.withLock { list in
            if let first = list.first, first.space == space { return first.cache }  // the usual case: the live space
            if let i = list.firstIndex(where: { $0.space == space }) {
                let entry = list.remove(at: i)
                list.insert(entry, at: 0)
                return entry.cache
            }
            let cache = ItemVectorCache(capacity: capacity)
            list.insert((space, cache), at: 0)
            if list.count > 2 { list.removeLast(list.count - 2) }
            return cache
        }
    }

    /// The spaces whose caches are kept, most recently used first.
    var spaces: [PostgresIdentifierLiteral] { caches.withLock { $0.map(\.space) } }
}
