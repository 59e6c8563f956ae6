import Postgres

/// Operational routes: liveness, readiness, metrics, this API's description.
extension RouteTable {
    static let health = Route(.get, "/health", operationID: "health", summary: "Liveness.", scope: nil) { _ in HealthStatus() }

    static let ready = Route(
        .get, "/ready", operationID: "ready", summary: "Readiness: database and broker reachable.", scope: nil,
        otherResponses: [.init(status: 503, schemaName: "NotReady", schema: Readiness.notReadySchema)]
    ) { call in
        await Readiness.check(pool: call.deps.pool, broker: call.deps.brokerCheck)
    }

    static let metrics = Route(.get, "/metrics", operationID: "metrics", summary: "Prometheus metrics.", scope: .admin) { call in
        let u = call.deps.pool.usage
        return PrometheusText(text: call.deps.metrics.render(poolInUse: u.inUse, poolSize: u.size) + (call.deps.moreMetrics?() ?? ""))
    }

    static let openapi = Route(.get, "/openapi.json", operationID: "openapi", summary: "This API's OpenAPI 3 document.", scope: nil) { _ in
        OpenAPIDocument.published
    }
}
