import Foundation
import Hummingbird
import Kafka
import Logging
import Metrics
import Postgres
import Prometheus
import RecService

/// The process's swift-metrics backend: a Prometheus registry that every
/// module's metrics (Bedrock client, consumers, profiles) land in.
public enum AppMetrics {
    public static let registry = PrometheusCollectorRegistry()
    /// Runs once per process (a static `let` is initialized lazily and exactly once);
    /// swift-metrics allows a single bootstrap.
    private static let installed: Void = MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

    /// Installs the Prometheus backend (idempotent).
    public static func bootstrap() { _ = installed }

    /// Everything recorded so far, in Prometheus text exposition.
    public static func exposition() -> String { registry.emitToString() }

    /// A small HTTP endpoint serving `GET /metrics`, `GET /health` (liveness) and, given `ready`, `GET /ready`
    /// (readiness, as `rec serve` answers it) for processes without the API, such as `rec consume`; a
    /// swift-service-lifecycle service.
    ///
    /// - Parameters:
    ///   - ready: the readiness check (``readiness(_:pool:)``), or nil for no `/ready` route.
    public static func endpoint(host: String, port: Int, logger: Logger,
                                ready: (@Sendable () async -> Readiness)? = nil) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: exposition())))
        }
        router.get("health") { _, _ in "ok" }
        if let ready { router.get("ready") { _, _ in await ready() } }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "rec-consume"), logger: logger)
    }

    /// The consumers' readiness: the database behind `pool` and the broker of `KAFKA_BROKERS` reachable (a
    /// metadata request answered within 2 s), checked as `rec serve`'s `GET /ready` checks them. A pod is taken
    /// out of service while either is down, and its liveness (`/health`) stays independent of both.
    ///
    /// - Throws: a configuration error when the Kafka settings are invalid.
    public static func readiness(_ config: AppConfiguration, pool: PostgresPool) throws -> @Sendable () async -> Readiness {
        var broker: (@Sendable () async throws -> Void)?
        if config.kafkaBrokers != nil {
            let admin = try KafkaAdmin(configuration: try config.kafkaConfiguration())
            broker = { _ = try await admin.brokers(timeout: .seconds(2)) }
        }
        return { [broker] in await Readiness.check(pool: pool, broker: broker) }
    }
}
