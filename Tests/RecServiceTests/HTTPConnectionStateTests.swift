import NIOCore
import Testing
@testable import RecService

/// The connection guard's two state machines, without I/O: read deadlines and who gets a connection.
@Suite("HTTP connection state")
struct HTTPConnectionStateTests {
    let settings = try! HTTPConnectionSettings(headerTimeout: .seconds(10), bodyTimeout: .seconds(30), idleTimeout: .seconds(75),
                                               maxConnections: 8, maxConnectionsPerClient: 4)
    let t0 = ContinuousClock.now

    @Test func aHeadDrippingInByteByByteIsClosedAtTheHeaderDeadlineWith408() {
        var s = HTTPConnectionTimeouts(settings, openedAt: t0)
        for i in 0..<20 { s.bytesReceived(at: t0 + .milliseconds(500 * i)) }
        #expect(s.deadline == t0 + .seconds(10), "bytes do not extend the head's deadline")
        #expect(s.timerFired(at: t0 + .seconds(9), serverIsReading: true) == .wait(until: t0 + .seconds(10)))
        #expect(s.timerFired(at: t0 + .seconds(10), serverIsReading: true) == .close(.headerTimeout, respond408: true))
        #expect(s.timerFired(at: t0 + .seconds(11), serverIsReading: true) == .none, "closed once")
    }

    @Test func aConnectionThatNeverSendsAByteIsClosedWithoutAnAnswer() {
        var s = HTTPConnectionTimeouts(settings, openedAt: t0)
        #expect(s.timerFired(at: t0 + .seconds(10), serverIsReading: true) == .close(.headerTimeout, respond408: false))
    }

    @Test func aShortBodyIsClosedAtTheBodyDeadlineWith408UnlessItsResponseStarted() {
        var s = HTTPConnectionTimeouts(settings, openedAt: t0)
        s.bytesReceived(at: t0)
        s.requestHeadReceived(at: t0 + .seconds(1))
        #expect(s.deadline == t0 + .seconds(31))
        #expect(s.timerFired(at: t0 + .seconds(31), serverIsReading: true) == .close(.bodyTimeout, respond408: true))

        var early = HTTPConnectionTimeouts(settings, openedAt: t0)
        early.bytesReceived(at: t0)
        early.requestHeadReceived(at: t0)
        early.responseHeadWritten()  // e.g. 413 before the body was read
        #expect(early.timerFired(at: t0 + .seconds(30), serverIsReading: true) == .close(.bodyTimeout, respond408: false))
    }

    @Test func whileTheServerAnswersNothingIsTimedThenTheIdleClockStarts() {
        var s = HTTPConnectionTimeouts(settings, openedAt: t0)
        s.bytesReceived(at: t0)
        s.requestHeadReceived(at: t0)
        s.requestEndReceived(at: t0)
        #expect(s.deadline == nil)
        #expect(s.requestsInFlight == 1)
        s.responseHeadWritten()
        s.responseEndWritten(at: t0 + .seconds(100))
        #expect(s.deadline == t0 + .seconds(175))
        // The next request's first byte starts a fresh header deadline.
        s.bytesReceived(at: t0 + .seconds(120))
        #expect(s.deadline == t0 + .seconds(130))
        s.requestHeadReceived(at: t0 + .seconds(121))
        s.requestEndReceived(at: t0 + .seconds(121))
        s.responseHeadWritten()
        s.responseEndWritten(at: t0 + .seconds(122))
        #expect(s.timerFired(at: t0 + .seconds(197), serverIsReading: true) == .close(.idleTimeout, respond408: false))
    }

    @Test func underBackPressureTheClientIsNotBlamedAndNo408InterruptsAnEarlierResponse() {
        var s = HTTPConnectionTimeouts(settings, openedAt: t0)
        s.bytesReceived(at: t0)
        s.requestHeadReceived(at: t0)
        s.requestEndReceived(at: t0)
        s.bytesReceived(at: t0 + .seconds(1))  // a pipelined second request, incomplete
        #expect(s.timerFired(at: t0 + .seconds(11), serverIsReading: false) == .wait(until: t0 + .seconds(21)))
        #expect(s.timerFired(at: t0 + .seconds(21), serverIsReading: true) == .close(.headerTimeout, respond408: false),
                "the first request is unanswered: a 408 would read as its response")
    }

    @Test func evictionAnswers408OnlyToAStartedHead() {
        var fresh = HTTPConnectionTimeouts(settings, openedAt: t0)
        #expect(fresh.evicted() == .close(.evicted, respond408: false))
        var partial = HTTPConnectionTimeouts(settings, openedAt: t0)
        partial.bytesReceived(at: t0)
        #expect(partial.evicted() == .close(.evicted, respond408: true))
    }

    @Test func aClientAtItsLimitReplacesItsLongestIdleConnectionOrIsRefused() {
        var t = HTTPConnectionTable(maxConnections: 8, maxPerClient: 2)
        #expect(t.open(id: 1, client: "a") == .accept(evict: nil))
        #expect(t.open(id: 2, client: "a") == .accept(evict: nil))
        t.setBusy(id: 1, true)
        #expect(t.open(id: 3, client: "a") == .accept(evict: 2))
        t.setBusy(id: 3, true)
        #expect(t.open(id: 4, client: "a") == .refuse(.clientLimit))
        #expect(t.open(id: 5, client: "b") == .accept(evict: nil), "other clients are not affected")
        #expect(t.count(of: "a") == 2 && t.count == 3)
        t.setBusy(id: 1, false)
        #expect(t.open(id: 6, client: "a") == .accept(evict: 1))
    }

    @Test func atTheServerLimitTheBusiestClientsIdleConnectionMakesRoom() {
        var t = HTTPConnectionTable(maxConnections: 4, maxPerClient: 4)
        for id in 1...3 { _ = t.open(id: id, client: "flood") }
        _ = t.open(id: 4, client: "shop")
        #expect(t.open(id: 5, client: "probe") == .accept(evict: 1))
        for id in [2, 3, 4, 5] { t.setBusy(id: id, true) }
        #expect(t.open(id: 6, client: "probe2") == .refuse(.limit), "every connection is being answered")
        #expect(t.busyCount == 4)
        t.setBusy(id: 2, true)
        #expect(t.busyCount == 4, "setting busy twice counts once")
        t.close(id: 4)
        t.close(id: 4)
        #expect(t.count == 3 && t.busyCount == 3, "a busy connection that closes leaves the busy count")
        t.setBusy(id: 5, false)
        #expect(t.busyCount == 2)
        #expect(t.open(id: 7, client: "probe2") == .accept(evict: nil))
    }

    @Test func clientsAreIPv4AddressesOrIPv6Prefixes() throws {
        #expect(HTTPConnectionLimiter.clientKey(try SocketAddress(ipAddress: "127.0.0.2", port: 5)) == "127.0.0.2")
        #expect(HTTPConnectionLimiter.clientKey(try SocketAddress(ipAddress: "::ffff:10.1.2.3", port: 5)) == "10.1.2.3")
        let a = HTTPConnectionLimiter.clientKey(try SocketAddress(ipAddress: "2001:db8:1:2::1", port: 5))
        #expect(a == HTTPConnectionLimiter.clientKey(try SocketAddress(ipAddress: "2001:db8:1:2:ffff::9", port: 5)))
        #expect(a != HTTPConnectionLimiter.clientKey(try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 5)))
    }

    @Test func settingsAreValidated() throws {
        #expect(throws: RecServiceError.self) { try HTTPConnectionSettings(headerTimeout: .zero, maxConnections: 8) }
        #expect(throws: RecServiceError.self) { try HTTPConnectionSettings(maxConnections: 0) }
        #expect(throws: RecServiceError.self) { try HTTPConnectionSettings(maxConnections: 8, maxConnectionsPerClient: 9) }
        #expect(try HTTPConnectionSettings(maxConnections: 512).maxConnectionsPerClient == 64)
        #expect(HTTPConnectionSettings.defaultMaxConnections(openFileLimit: 1024) == 512)
        #expect(HTTPConnectionSettings.defaultMaxConnections(openFileLimit: 20_000) == 4096)
    }
}
