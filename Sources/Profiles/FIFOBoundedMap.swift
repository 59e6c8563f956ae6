/// A dictionary that keeps at most `capacity` keys, dropping the earliest inserted
/// first (FIFO: cheap, and good enough for caches refreshed by version or TTL).
/// Not thread-safe: the owning cache holds its lock around every call.
struct FIFOBoundedMap<Value> {
    let capacity: Int
    private var entries: [String: Value] = [:]
    /// Insertion order; `order[..<orderStart]` are keys already dropped.
    private var order: [String] = []
    private var orderStart = 0

    init(capacity: Int) { self.capacity = capacity }

    subscript(key: String) -> Value? { entries[key] }

    /// Sets `value` for `key`; a new key joins the end of the eviction order. Call ``trim()`` after a batch.
    mutating func insert(_ value: Value, for key: String) {
        if entries.updateValue(value, forKey: key) == nil { order.append(key) }
    }

    /// Drops the earliest keys until at most `capacity` remain.
    mutating func trim() {
        while entries.count > capacity, orderStart < order.count {
            entries[order[orderStart]] = nil
            orderStart += 1
        }
        if orderStart > capacity {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}
