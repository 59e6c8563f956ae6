import Foundation

/// Training events and held-out cases under a ``SplitProtocol``.
public struct EvalSplit: Sendable {
    public let splitProtocol: SplitProtocol
    public let seed: UInt64
    /// All training events sorted by (time, tie-break): the order in which a replay feeds them.
    public let train: [EvalEvent]
    /// One case per test user, ordered by user id.
    public let cases: [EvalCase]

    /// Splits `events`.
    ///
    /// Within a user, events are ordered by time, and events in the same second by a seeded hash of
    /// (user, item, row index) — never by item id, which in MovieLens follows release order.
    ///
    /// - Parameters:
    ///   - events: The interactions, in any order.
    ///   - splitProtocol: How targets are chosen.
    ///   - seed: The tie-break seed. Default: 0.
    /// - Throws: ``EvalError`` `invalidSplit` when `trainFraction` is not strictly between 0 and 1.
    public init(_ events: [EvalEvent], protocol splitProtocol: SplitProtocol, seed: UInt64 = 0) throws {
        self.splitProtocol = splitProtocol
        self.seed = seed
        let n = events.count
        var times = [Double](repeating: 0, count: n)
        var keys = [UInt64](repeating: 0, count: n)
        for (i, e) in events.enumerated() {
            times[i] = e.time.timeIntervalSince1970
            keys[i] = TieBreak.key(user: e.user, item: e.item, index: e.index, seed: seed)
        }
        let order = (0..<n).sorted { a, b in times[a] != times[b] ? times[a] < times[b] : keys[a] < keys[b] }

        var userIndex: [String: Int] = [:]
        var userNames: [String] = []
        var perUser: [[Int]] = []           // event positions, already in (time, tie-break) order
        for i in order {
            let u = events[i].user
            if let k = userIndex[u] { perUser[k].append(i) } else {
                userIndex[u] = userNames.count
                userNames.append(u)
                perUser.append([i])
            }
        }

        var isTraining = [Bool](repeating: true, count: n)
        var cases: [EvalCase] = []
        switch splitProtocol {
        case .leaveLastOut:
            for (k, list) in perUser.enumerated() where list.count >= 2 {
                let t = list[list.count - 1]
                isTraining[t] = false
                let strict = times[list[list.count - 2]] < times[t]
                cases.append(EvalCase(user: userNames[k], target: events[t].item, asOf: events[t].time, strict: strict,
                                      history: list.dropLast().map { events[$0] }))
            }
        case .globalTime(let fraction):
            guard fraction > 0, fraction < 1 else {
                throw EvalError(.invalidSplit, "trainFraction must be strictly between 0 and 1, got \(fraction)")
            }
            guard n > 0 else { break }
            let cutoff = times[order[min(n - 1, Int(fraction * Double(n)))]]
            for i in 0..<n where times[i] >= cutoff { isTraining[i] = false }
            for (k, list) in perUser.enumerated() {
                guard let first = list.firstIndex(where: { times[$0] >= cutoff }), first > 0 else { continue }
                let t = list[first]
                let strict = first + 1 == list.count || times[list[first + 1]] > times[t]
                cases.append(EvalCase(user: userNames[k], target: events[t].item, asOf: events[t].time, strict: strict,
                                      history: list[..<first].map { events[$0] }))
            }
        }
        self.cases = cases.sorted { $0.user < $1.user }
        self.train = order.lazy.filter { isTraining[$0] }.map { events[$0] }
    }

    /// The same protocol applied to ``train`` only, for tuning without touching the test targets.
    ///
    /// - Throws: ``EvalError`` as ``init(_:protocol:seed:)``.
    public func validation() throws -> EvalSplit {
        try EvalSplit(train, protocol: splitProtocol, seed: seed)
    }

    /// The cases whose target did not depend on the tie-break (see ``EvalCase/strict``).
    public var strictCases: [EvalCase] { cases.filter(\.strict) }
}
