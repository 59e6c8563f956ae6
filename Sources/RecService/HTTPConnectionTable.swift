/// The open connections by client, and who gets a new one: a plain state machine (no I/O).
///
/// Idle connections (no request in flight: between requests, or still sending a request head) are
/// what a slow or hostile client accumulates, so a new connection takes the place of one of them
/// rather than being turned away: when its client is at ``maxPerClient``, that client's
/// longest-idle connection goes; when the server is at ``maxConnections``, the longest-idle one of
/// the client holding the most connections goes. Only when none of those is idle (every connection
/// is being answered) is the new connection refused. A flood of idle connections thus never locks
/// other clients (or `/health`) out.
struct HTTPConnectionTable {
    enum Refusal: String, Sendable, CaseIterable {
        /// The server is at its limit and every connection has a request in flight.
        case limit
        /// The client is at its limit and each of its connections has a request in flight.
        case clientLimit = "client_limit"
    }

    enum Decision: Equatable {
        /// Open the connection, closing `evict` first if set.
        case accept(evict: Int?)
        case refuse(Refusal)
    }

    private struct Entry {
        var client: String
        var busy = false
        /// Sequence number of the last busy/idle change: smaller is idle for longer.
        var changed: UInt64
    }

    let maxConnections: Int
    let maxPerClient: Int
    private var entries: [Int: Entry] = [:]
    private var byClient: [String: Set<Int>] = [:]
    private var sequence: UInt64 = 0

    init(maxConnections: Int, maxPerClient: Int) {
        self.maxConnections = maxConnections
        self.maxPerClient = maxPerClient
    }

    var count: Int { entries.count }

    /// Connections with a request in flight (the ones a newcomer can never replace).
    private(set) var busyCount = 0

    func count(of client: String) -> Int { byClient[client]?.count ?? 0 }

    /// Decides on connection `id` of `client` and, when accepted, records it (and forgets the evicted one).
    mutating func open(id: Int, client: String) -> Decision {
        var victim: Int?
        if count(of: client) >= maxPerClient {
            guard let v = longestIdle(of: client) else { return .refuse(.clientLimit) }
            victim = v
        } else if entries.count >= maxConnections {
            var best: (count: Int, id: Int)?
            for (c, ids) in byClient where ids.count > (best?.count ?? 0) {
                if let v = longestIdle(of: c) { best = (ids.count, v) }
            }
            guard let best else { return .refuse(.limit) }
            victim = best.id
        }
        if let victim { close(id: victim) }
        sequence += 1
        entries[id] = Entry(client: client, changed: sequence)
        byClient[client, default: []].insert(id)
        return .accept(evict: victim)
    }

    /// Forgets a connection (idempotent).
    mutating func close(id: Int) {
        guard let e = entries.removeValue(forKey: id) else { return }
        if e.busy { busyCount -= 1 }
        byClient[e.client]?.remove(id)
        if byClient[e.client]?.isEmpty == true { byClient[e.client] = nil }
    }

    /// A request is in flight on the connection (busy) or not.
    mutating func setBusy(id: Int, _ busy: Bool) {
        guard var e = entries[id], e.busy != busy else { return }
        sequence += 1
        e.busy = busy
        busyCount += busy ? 1 : -1
        e.changed = sequence
        entries[id] = e
    }

    private func longestIdle(of client: String) -> Int? {
        var best: (changed: UInt64, id: Int)?
        for id in byClient[client] ?? [] {
            guard let e = entries[id], !e.busy else { continue }
            if best == nil || e.changed < best!.changed { best = (e.changed, id) }
        }
        return best?.id
    }
}
