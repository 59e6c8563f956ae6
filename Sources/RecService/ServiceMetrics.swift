import Foundation

/// Request and connection metrics in Prometheus text exposition (hand-written: a few metric families do not
/// justify a dependency).
public final class ServiceMetrics: @unchecked Sendable {
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.04, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    private struct Histogram {
        var counts = [UInt64](repeating: 0, count: ServiceMetrics.buckets.count)
        var sum = 0.0
        var count: UInt64 = 0
    }

    private let lock = NSLock()
    private var latency: [String: Histogram] = [:]
    private var requests: [String: UInt64] = [:]
    private var errors: [String: UInt64] = [:]
    private var disconnects: [String: UInt64] = [:]
    private var openConnections = 0
    private var busyConnections = 0
    private var connectionLimit: Int?
    private var refused: [String: UInt64] = [:]
    private var closedByServer: [String: UInt64] = [:]

    public init() {}

    /// Records one finished request; `route` is the route template (bounded cardinality), never the raw path.
    public func record(method: String, route: String, status: Int, seconds: Double, errorCode: String?) {
        let key = "method=\"\(method)\",route=\"\(Self.escape(route))\""
        lock.lock(); defer { lock.unlock() }
        var h = latency[key] ?? Histogram()
        for (i, b) in Self.buckets.enumerated() where seconds <= b { h.counts[i] += 1 }
        h.sum += seconds
        h.count += 1
        latency[key] = h
        requests[key + ",status=\"\(status)\"", default: 0] += 1
        if let errorCode { errors[key + ",code=\"\(errorCode)\"", default: 0] += 1 }
    }

    /// A request whose body never fully arrived (the client disconnected, or the body timeout closed the
    /// connection): not a server error, so neither in `rec_http_errors_total` nor in `rec_http_requests_total`.
    public func recordClientDisconnect(method: String, route: String) {
        let key = "method=\"\(method)\",route=\"\(Self.escape(route))\""
        lock.lock(); defer { lock.unlock() }
        disconnects[key, default: 0] += 1
    }

    func setConnectionLimit(_ n: Int) {
        lock.lock(); defer { lock.unlock() }
        connectionLimit = n
    }

    func setOpenConnections(_ n: Int, busy: Int) {
        lock.lock(); defer { lock.unlock() }
        openConnections = n
        busyConnections = busy
    }

    /// A connection closed right after accept (`limit`, `client_limit`).
    func connectionRefused(_ reason: String) {
        lock.lock(); defer { lock.unlock() }
        refused[reason, default: 0] += 1
    }

    /// A connection the server closed (`header_timeout`, `body_timeout`, `idle_timeout`, `evicted`).
    func connectionClosed(_ reason: String) {
        lock.lock(); defer { lock.unlock() }
        closedByServer[reason, default: 0] += 1
    }

    /// The exposition, with the pool gauges sampled now.
    public func render(poolInUse: Int, poolSize: Int) -> String {
        lock.lock(); defer { lock.unlock() }
        var out = "# HELP rec_http_request_duration_seconds HTTP request latency by route.\n# TYPE rec_http_request_duration_seconds histogram\n"
        for (k, h) in latency.sorted(by: { $0.key < $1.key }) {
            for (i, b) in Self.buckets.enumerated() { out += "rec_http_request_duration_seconds_bucket{\(k),le=\"\(b)\"} \(h.counts[i])\n" }
            out += "rec_http_request_duration_seconds_bucket{\(k),le=\"+Inf\"} \(h.count)\n"
            out += "rec_http_request_duration_seconds_sum{\(k)} \(h.sum)\nrec_http_request_duration_seconds_count{\(k)} \(h.count)\n"
        }
        out += "# HELP rec_http_requests_total HTTP requests by route and status.\n# TYPE rec_http_requests_total counter\n"
        for (k, v) in requests.sorted(by: { $0.key < $1.key }) { out += "rec_http_requests_total{\(k)} \(v)\n" }
        out += "# HELP rec_http_errors_total HTTP error responses by route and error code.\n# TYPE rec_http_errors_total counter\n"
        for (k, v) in errors.sorted(by: { $0.key < $1.key }) { out += "rec_http_errors_total{\(k)} \(v)\n" }
        out += "# HELP rec_http_client_disconnects_total Requests whose body never fully arrived (client disconnected or body timeout).\n"
        out += "# TYPE rec_http_client_disconnects_total counter\n"
        for (k, v) in disconnects.sorted(by: { $0.key < $1.key }) { out += "rec_http_client_disconnects_total{\(k)} \(v)\n" }
        out += "# HELP rec_http_connections Open HTTP connections.\n# TYPE rec_http_connections gauge\nrec_http_connections \(openConnections)\n"
        out += "# HELP rec_http_connections_busy Open HTTP connections with a request in flight (never replaced by a newcomer).\n# TYPE rec_http_connections_busy gauge\nrec_http_connections_busy \(busyConnections)\n"
        if let connectionLimit {
            out += "# HELP rec_http_connections_max HTTP connection limit.\n# TYPE rec_http_connections_max gauge\nrec_http_connections_max \(connectionLimit)\n"
        }
        out += "# HELP rec_http_connections_refused_total Connections closed right after accept, by reason (limit, client_limit).\n"
        out += "# TYPE rec_http_connections_refused_total counter\n"
        for (k, v) in refused.sorted(by: { $0.key < $1.key }) { out += "rec_http_connections_refused_total{reason=\"\(k)\"} \(v)\n" }
        out += "# HELP rec_http_connections_closed_total Connections the server closed, by reason (header_timeout, body_timeout, idle_timeout, evicted).\n"
        out += "# TYPE rec_http_connections_closed_total counter\n"
        for (k, v) in closedByServer.sorted(by: { $0.key < $1.key }) { out += "rec_http_connections_closed_total{reason=\"\(k)\"} \(v)\n" }
        out += "# HELP rec_db_pool_connections_in_use Database connections checked out.\n# TYPE rec_db_pool_connections_in_use gauge\n"
        out += "rec_db_pool_connections_in_use \(poolInUse)\n"
        out += "# HELP rec_db_pool_connections_max Database pool size.\n# TYPE rec_db_pool_connections_max gauge\nrec_db_pool_connections_max \(poolSize)\n"
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
