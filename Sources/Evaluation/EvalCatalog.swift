/// The items a ranker may return, with dense `Int32` indices so that scoring uses flat arrays.
public struct EvalCatalog: Sendable {
    public let ids: [String]
    public let index: [String: Int32]

    public init(ids: [String]) {
        var index: [String: Int32] = [:]
        index.reserveCapacity(ids.count)
        var unique: [String] = []
        for id in ids where index[id] == nil {
            index[id] = Int32(unique.count)
            unique.append(id)
        }
        self.ids = unique
        self.index = index
    }

    public var count: Int { ids.count }
}
