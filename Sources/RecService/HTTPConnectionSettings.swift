/// How long `rec serve` waits for slow clients and how many connections it keeps, validated at construction.
///
/// A client that holds a connection without finishing its request costs a file descriptor and memory;
/// these bounds make that cost temporary and shared fairly between clients.
public struct HTTPConnectionSettings: Sendable, Equatable {
    /// The whole request head (request line and headers) must arrive within this time, counted from the
    /// connection's accept or the request's first byte; bytes trickling in do not extend it. Default: 10 s.
    public var headerTimeout: Duration
    /// The whole request body must arrive within this time after its head (a 7 MB search body then needs
    /// about 240 KB/s). Default: 30 s.
    public var bodyTimeout: Duration
    /// A keep-alive connection with no request in progress is closed after this time. Longer than the
    /// 60 s idle timeout of common load balancers, so that they, not the server, close first. Default: 75 s.
    public var idleTimeout: Duration
    /// Open connections at most; more are accepted and closed at once unless an idle connection of the
    /// busiest client can be closed instead. Default: ``defaultMaxConnections(openFileLimit:)``.
    public var maxConnections: Int
    /// Open connections per client address (IPv4 address, IPv6 /64) at most. Default: an eighth of
    /// ``maxConnections``.
    public var maxConnectionsPerClient: Int

    public static let defaultHeaderTimeout: Duration = .seconds(10)
    public static let defaultBodyTimeout: Duration = .seconds(30)
    public static let defaultIdleTimeout: Duration = .seconds(75)

    /// - Throws: ``RecServiceError`` `configuration` for a non-positive timeout or limit, or a per-client
    ///   limit above the total.
    public init(headerTimeout: Duration = defaultHeaderTimeout, bodyTimeout: Duration = defaultBodyTimeout,
                idleTimeout: Duration = defaultIdleTimeout, maxConnections: Int, maxConnectionsPerClient: Int? = nil) throws {
        for (name, t) in [("header", headerTimeout), ("body", bodyTimeout), ("idle", idleTimeout)] where t <= .zero || t > .seconds(86_400) {
            throw RecServiceError(.configuration, "the \(name) timeout must be more than 0 and at most a day")
        }
        guard maxConnections >= 1 else { throw RecServiceError(.configuration, "the connection limit must be at least 1") }
        let perClient = maxConnectionsPerClient ?? Self.defaultMaxConnectionsPerClient(maxConnections: maxConnections)
        guard (1...maxConnections).contains(perClient) else {
            throw RecServiceError(.configuration, "the per-client connection limit must be 1 to the connection limit (\(maxConnections))")
        }
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = perClient
    }

    /// Half the process's open-file limit (the rest is for the database pool, the broker, logs), at most
    /// 4,096 and at least 16: 512 under the common soft limit of 1,024.
    public static func defaultMaxConnections(openFileLimit: Int) -> Int {
        min(4096, max(16, openFileLimit / 2))
    }

    /// An eighth of the total (64 of 512), at least 1.
    public static func defaultMaxConnectionsPerClient(maxConnections: Int) -> Int {
        max(1, maxConnections / 8)
    }
}
