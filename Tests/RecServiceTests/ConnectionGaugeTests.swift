import Foundation
import Testing
@testable import RecService

/// `rec_http_connections` follows the connection table exactly when event loops close connections at once: a count
/// published after the table's lock was released could be overtaken by a newer one and leave the gauge at 1 with
/// nothing open (HostileClientTests' "the gauge returns to zero" failed so under load).
@Suite struct ConnectionGaugeTests {
    static func gauge(_ metrics: ServiceMetrics, _ name: String) -> Int? {
        metrics.render(poolInUse: 0, poolSize: 0).split(separator: "\n")
            .first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    /// The first close is held between its table change and its publication until the second close has finished
    /// (or 300 ms: with the publication under the lock, the second close waits for the first instead). The last
    /// count published must be the table's: zero.
    @Test func aCloseHeldBeforePublishingIsNotOvertakenByALaterOne() throws {
        let settings = try HTTPConnectionSettings(headerTimeout: .seconds(10), bodyTimeout: .seconds(10), idleTimeout: .seconds(10),
                                                  maxConnections: 16, maxConnectionsPerClient: 16)
        let metrics = ServiceMetrics()
        let limiter = HTTPConnectionLimiter(settings, metrics: metrics)
        let first = try #require(limiter.open(client: "127.0.0.2", channel: nil))
        let second = try #require(limiter.open(client: "127.0.0.3", channel: nil))
        #expect(Self.gauge(metrics, "rec_http_connections") == 2)

        let secondDone = DispatchSemaphore(value: 0), firstHeld = DispatchSemaphore(value: 0)
        let holds = NSLock()
        nonisolated(unsafe) var held = false
        limiter.beforePublishingClose = {
            holds.lock()
            let isFirst = !held
            held = true
            holds.unlock()
            guard isFirst else { return }
            firstHeld.signal()
            _ = secondDone.wait(timeout: .now() + .milliseconds(300))
        }
        // Threads of their own: the two closes stand for two event loops.
        let finished = DispatchSemaphore(value: 0)
        Thread { limiter.close(first); finished.signal() }.start()
        firstHeld.wait()
        Thread { limiter.close(second); secondDone.signal(); finished.signal() }.start()
        finished.wait()
        finished.wait()
        #expect(Self.gauge(metrics, "rec_http_connections") == 0, "nothing is open")
        #expect(Self.gauge(metrics, "rec_http_connections_busy") == 0)
    }
}
