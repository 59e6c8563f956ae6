import Foundation
import Testing
@testable import RecService

/// Slow, stalled and excess clients against the real HTTP stack on 127.0.0.1 (no database needed).
@Suite("Hostile clients")
struct HostileClientTests {
    /// Short timeouts so that the server, not the test's bounded waits, closes first.
    static let quick = try! HTTPConnectionSettings(headerTimeout: .seconds(1), bodyTimeout: .seconds(1), idleTimeout: .seconds(1),
                                                   maxConnections: 64, maxConnectionsPerClient: 64)
    /// Timeouts far beyond the test's waits: any close is the limiter's.
    static func patient(max: Int, perClient: Int) -> HTTPConnectionSettings {
        try! HTTPConnectionSettings(headerTimeout: .seconds(600), bodyTimeout: .seconds(600), idleTimeout: .seconds(600),
                                    maxConnections: max, maxConnectionsPerClient: perClient)
    }

    static let stalledSearch = "POST /v1/search HTTP/1.1\r\nHost: rec\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\""
    static let health = "GET /health HTTP/1.1\r\nHost: rec\r\nConnection: close\r\n\r\n"

    @Test(arguments: [
        ("partial request line", "GET /hea"),
        ("partial headers", "GET /health HTTP/1.1\r\nHost: rec\r\n"),
    ])
    func aStalledRequestHeadIsAnswered408AndClosed(_ name: String, _ bytes: String) async throws {
        try await LiveServer.run(Self.quick) { server in
            let c = try await server.connect()
            try await c.send(bytes)
            #expect(await c.closedByServer(), "\(name)")
            #expect(c.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(name): \(c.text)")
            #expect(c.text.contains(#""code":"request_timeout""#))
            #expect(server.metric("rec_http_connections_closed_total", "header_timeout") == 1)
            #expect(await server.eventually { server.metric("rec_http_connections") == 0 })
        }
    }

    @Test func aHeadSentOneByteAtATimeIsClosedBeforeItCompletes() async throws {
        try await LiveServer.run(Self.quick) { server in
            let c = try await server.connect()
            // Each byte comes well within the header timeout of the previous one: only a deadline for the
            // whole head stops this. Bounded: 300 bytes, 100 ms apart.
            let head = "GET /health HTTP/1.1\r\nHost: rec\r\nX-Pad: \(String(repeating: "a", count: 250))\r\n\r\n"
            var sent = 0
            for ch in head {
                guard c.channel.isActive else { break }
                try? await c.send(String(ch))
                sent += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(sent < head.count, "the server waited for the whole head")
            #expect(await c.closedByServer())
            #expect(c.text.hasPrefix("HTTP/1.1 408"))
        }
    }

    @Test func aConnectionThatSendsNothingIsClosedSilently() async throws {
        try await LiveServer.run(Self.quick) { server in
            let c = try await server.connect()
            #expect(await c.closedByServer())
            #expect(c.text.isEmpty)
        }
    }

    @Test func aShortBodyIsAnswered408AndClosedWithoutCountingA500() async throws {
        try await LiveServer.run(Self.quick) { server in
            let c = try await server.connect()
            try await c.send(Self.stalledSearch)
            #expect(await c.closedByServer())
            #expect(c.text.hasPrefix("HTTP/1.1 408"), "\(c.text)")
            #expect(server.metric("rec_http_connections_closed_total", "body_timeout") == 1)
            #expect(await server.eventually { server.metric("rec_http_client_disconnects_total", "route=\"/v1/search\"") == 1 })
            #expect(server.metric("rec_http_requests_total", "status=\"500\"") == 0)
            #expect(server.metric("rec_http_errors_total") == 0)
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterItsResponse() async throws {
        try await LiveServer.run(Self.quick) { server in
            let c = try await server.connect()
            try await c.send("GET /health HTTP/1.1\r\nHost: rec\r\n\r\n")
            #expect(await c.received(#"{"status":"ok"}"#))
            #expect(await c.closedByServer())
            #expect(c.text.components(separatedBy: "HTTP/1.1 ").count == 2, "one response, no 408 after it: \(c.text)")
            #expect(server.metric("rec_http_connections_closed_total", "idle_timeout") == 1)
        }
    }

    @Test func aClientDisconnectingMidBodyIsNotAServerError() async throws {
        try await LiveServer.run(Self.patient(max: 16, perClient: 16)) { server in
            for _ in 0..<3 {
                let c = try await server.connect()
                try await c.send(Self.stalledSearch)
                #expect(await server.eventually { server.metric("rec_http_connections") == 1 })
                await c.close()
                #expect(await server.eventually { server.metric("rec_http_connections") == 0 })
            }
            #expect(await server.eventually { server.metric("rec_http_client_disconnects_total") == 3 })
            #expect(server.metric("rec_http_requests_total", "status=\"500\"") == 0)
            #expect(server.metric("rec_http_errors_total") == 0)
        }
    }

    @Test func connectionsPastTheLimitsAreRefusedWhileHealthStillAnswers() async throws {
        try await LiveServer.run(Self.patient(max: 8, perClient: 4)) { server in
            var held: [RawConnection] = []
            // One client holds its share with requests in flight (bodies that never come).
            for _ in 0..<4 {
                let c = try await server.connect(from: "127.0.0.2")
                try await c.send(Self.stalledSearch)
                held.append(c)
            }
            // Busy, not just open: a connection whose request head the server has not read yet is idle, and a
            // newcomer would replace it instead of being refused.
            #expect(await server.eventually { server.metric("rec_http_connections_busy") == 4 })
            let fifth = try await server.connect(from: "127.0.0.2")
            #expect(await fifth.closedByServer(), "past the client's limit")
            #expect(fifth.text.isEmpty)
            #expect(server.metric("rec_http_connections_refused_total", "client_limit") == 1)

            let probe = try await server.connect(from: "127.0.0.1")
            try await probe.send(Self.health)
            #expect(await probe.closedByServer())
            #expect(probe.text.hasPrefix("HTTP/1.1 200"), "\(probe.text)")

            // A second client fills the server.
            for _ in 0..<4 {
                let c = try await server.connect(from: "127.0.0.3")
                try await c.send(Self.stalledSearch)
                held.append(c)
            }
            #expect(await server.eventually { server.metric("rec_http_connections_busy") == 8 })
            let excess = try await server.connect(from: "127.0.0.4")
            #expect(await excess.closedByServer(), "past the server's limit, every connection busy")
            #expect(server.metric("rec_http_connections_refused_total", "reason=\"limit\"") == 1)

            // Room again once a client lets go.
            for c in held.suffix(4) { await c.close() }
            #expect(await server.eventually { server.metric("rec_http_connections") == 4 })
            let again = try await server.connect(from: "127.0.0.4")
            try await again.send(Self.health)
            #expect(await again.closedByServer())
            #expect(again.text.hasPrefix("HTTP/1.1 200"))

            for c in held { await c.close() }
            #expect(await server.eventually { server.metric("rec_http_connections") == 0 }, "the gauge returns to zero")
            #expect(server.metric("rec_http_requests_total", "status=\"500\"") == 0)
        }
    }

    @Test func aFloodOfIdleConnectionsFromOneClientNeverLocksOutHealth() async throws {
        try await LiveServer.run(Self.patient(max: 8, perClient: 8)) { server in
            var flood: [RawConnection] = []
            for i in 0..<40 {
                let c = try await server.connect()
                if i % 2 == 0 { try await c.send("GET /heal") }
                flood.append(c)
            }
            #expect(await server.eventually { server.metric("rec_http_connections_closed_total", "evicted") == 32 })
            #expect(server.metric("rec_http_connections") == 8)
            #expect(server.metric("rec_http_connections_refused_total") == 0)
            let probe = try await server.connect()
            try await probe.send(Self.health)
            #expect(await probe.closedByServer())
            #expect(probe.text.hasPrefix("HTTP/1.1 200"), "\(probe.text)")
            // The oldest went first; a started head was told why.
            #expect(await flood[0].closedByServer())
            #expect(flood[0].text.hasPrefix("HTTP/1.1 408"))
            #expect(flood[39].channel.isActive)
            for c in flood { await c.close() }
            #expect(await server.eventually { server.metric("rec_http_connections") == 0 })
        }
    }
}
