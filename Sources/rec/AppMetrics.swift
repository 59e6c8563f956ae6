import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

/// The process's swift-metrics backend: a Prometheus registry that every
/// module's metrics (Bedrock client, consumers, profiles) land in.
enum AppMetrics {
    static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = NSLock()
    nonisolated(unsafe) private static var done = false

    /// Installs the Prometheus backend once per process (swift-metrics allows one bootstrap).
    static func bootstrap() {
        bootstrapped.lock()
        defer { bootstrapped.unlock() }
        guard !done else { return }
        done = true
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// Everything recorded so far, in Prometheus text exposition.
    static func exposition() -> String { registry.emitToString() }

    /// A small HTTP endpoint serving `GET /metrics` (and `GET /health`) for processes
    /// without the API, such as `rec consume`; a swift-service-lifecycle service.
    static func endpoint(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: exposition())))
        }
        router.get("health") { _, _ in "ok" }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "rec-consume"), logger: logger)
    }
}
