import Postgres

/// Everything the HTTP API needs, wired by `rec serve` (or tests).
public struct RecAPIDependencies: Sendable {
    public var pool: PostgresPool
    public var recommender: Recommender
    public var auth: AuthMode
    public var embedder: (any QueryEmbedder)?
    public var events: (any EventSink)?
    /// Readiness probe of the broker (nil: not configured, reported as such).
    public var brokerCheck: (@Sendable () async throws -> Void)?
    public var metrics: ServiceMetrics
    /// More Prometheus text appended to `/metrics` (the process's swift-metrics
    /// registry: Bedrock client, pool), or nil.
    public var moreMetrics: (@Sendable () -> String)?
    /// The web console under `/console` (nil: not served).
    public var console: ConsoleDependencies?

    public init(pool: PostgresPool, recommender: Recommender, auth: AuthMode, embedder: (any QueryEmbedder)? = nil,
                events: (any EventSink)? = nil, brokerCheck: (@Sendable () async throws -> Void)? = nil,
                metrics: ServiceMetrics = ServiceMetrics()) {
        self.pool = pool
        self.recommender = recommender
        self.auth = auth
        self.embedder = embedder
        self.events = events
        self.brokerCheck = brokerCheck
        self.metrics = metrics
    }
}
