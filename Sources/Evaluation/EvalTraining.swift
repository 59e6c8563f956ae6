/// The training events as a binary user × item matrix over a catalog, plus the item counts that
/// popularity, novelty and item-kNN need. Build it once per split and share it.
public struct EvalTraining: Sendable {
    public let catalog: EvalCatalog
    /// Distinct users with at least one training event on a catalog item.
    public let userCount: Int
    /// Training events per item (repeat interactions count again): the most-popular score.
    public let interactionCounts: [Int32]
    /// Distinct training users per item: the popularity in novelty and the cosine norms.
    public let itemUserCounts: [Int32]
    /// Distinct catalog items per dense user, in first-interaction order.
    let userItems: [[Int32]]

    /// Training events naming items outside `catalog` are ignored.
    public init(train: [EvalEvent], catalog: EvalCatalog) {
        self.catalog = catalog
        var interactionCounts = [Int32](repeating: 0, count: catalog.count)
        var itemUserCounts = [Int32](repeating: 0, count: catalog.count)
        var userIndex: [String: Int] = [:]
        var userItems: [[Int32]] = []
        var seen = Set<Int64>()   // user << 32 | item
        for e in train {
            guard let item = catalog.index[e.item] else { continue }
            interactionCounts[Int(item)] += 1
            let u: Int
            if let k = userIndex[e.user] { u = k } else {
                u = userItems.count
                userIndex[e.user] = u
                userItems.append([])
            }
            if seen.insert(Int64(u) << 32 | Int64(item)).inserted {
                userItems[u].append(item)
                itemUserCounts[Int(item)] += 1
            }
        }
        self.userCount = userItems.count
        self.interactionCounts = interactionCounts
        self.itemUserCounts = itemUserCounts
        self.userItems = userItems
    }

    /// Dense indices of the case's history items that are in the catalog.
    func historyIndices(_ c: EvalCase) -> [Int32] {
        c.history.compactMap { catalog.index[$0.item] }
    }
}
