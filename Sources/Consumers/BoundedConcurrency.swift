/// Runs `body` for every element with at most `limit` in flight; results in input order.
func boundedMap<T: Sendable, R: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async -> R) async -> [R] {
    guard !items.isEmpty else { return [] }
    return await withTaskGroup(of: (Int, R).self) { group in
        var out = [R?](repeating: nil, count: items.count)
        var next = 0
        while next < min(limit, items.count) {
            let i = next, item = items[i]
            group.addTask { (i, await body(item)) }
            next += 1
        }
        for await (i, r) in group {
            out[i] = r
            if next < items.count {
                let j = next, item = items[j]
                group.addTask { (j, await body(item)) }
                next += 1
            }
        }
        return out.map { $0! }
    }
}
