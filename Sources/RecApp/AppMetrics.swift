import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

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

    /// A small HTTP endpoint serving `GET /metrics` (and `GET /health`) for processes
    /// without the API, such as `rec consume`; a swift-service-lifecycle service.
    public static func endpoint(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: exposition())))
        }
        router.get("health") { _, _ in "ok" }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "rec-consume"), logger: logger)
    }
}
