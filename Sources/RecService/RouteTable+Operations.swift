import Postgres

/// Operational routes: liveness, readiness, metrics, this API's description.
extension RouteTable {
    static let health = Route(.get, "/health", operationID: "health", summary: "Liveness.", scope: nil) { _ in HealthStatus() }

    static let ready = Route(
        .get, "/ready", operationID: "ready", summary: "Readiness: database and broker reachable.", scope: nil,
        otherResponses: [.init(status: 503, schemaName: "NotReady", schema: Readiness.notReadySchema)]
    ) { call in
        var checks = [String: String]()
        var ok = true
        do { _ = try await call.deps.pool.query("SELECT 1"); checks["database"] = "ok" } catch { checks["database"] = "unreachable"; ok = false }
        if let brokerCheck = call.deps.brokerCheck {
            do { try await brokerCheck(); checks["broker"] = "ok" } catch { checks["broker"] = "unreachable"; ok = false }
        } else {
            checks["broker"] = "not configured"
        }
        return Readiness(checks: checks, ready: ok)
    }

    static let metrics = Route(.get, "/metrics", operationID: "metrics", summary: "Prometheus metrics.", scope: .admin) { call in
        let u = call.deps.pool.usage
        return PrometheusText(text: call.deps.metrics.render(poolInUse: u.inUse, poolSize: u.size) + (call.deps.moreMetrics?() ?? ""))
    }

    static let openapi = Route(.get, "/openapi.json", operationID: "openapi", summary: "This API's OpenAPI 3 document.", scope: nil) { _ in
        OpenAPIDocument.published
    }
}
