/// Runs `body` for every element with at most `limit` in flight; results in input order.
///
/// Results are collected then ordered: an indexed write into a pre-sized array inside `withTaskGroup`
/// crashed in release builds with Swift 6.3.1 (seen in `KafkaProducer.sendAll` and `TitanEmbeddingClient.embedBatch`).
public func boundedMap<T: Sendable, R: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async -> R) async -> [R] {
    guard !items.isEmpty else { return [] }
    return await withTaskGroup(of: (Int, R).self) { group in
        var out = [(Int, R)]()
        out.reserveCapacity(items.count)
        var next = 0
        while next < min(max(limit, 1), items.count) {
            let i = next, item = items[i]
            group.addTask { (i, await body(item)) }
            next += 1
        }
        for await pair in group {
            out.append(pair)
            if next < items.count {
                let j = next, item = items[j]
                group.addTask { (j, await body(item)) }
                next += 1
            }
        }
        return out.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
