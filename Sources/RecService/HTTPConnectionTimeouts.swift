/// The read deadlines of one HTTP/1 connection, as a plain state machine (no I/O, the instant is injected).
///
/// Three clocks, one at a time: the request head must be complete within the header timeout of the
/// connection's accept or of the request's first byte (bytes trickling in do not extend it); the body
/// within the body timeout of its head; between requests the connection may stay idle for the idle
/// timeout. While the server is still answering, nothing is timed: that is the server's time, not the
/// client's.
struct HTTPConnectionTimeouts {
    enum Reading: Equatable {
        /// Between requests.
        case nothing
        /// A request head; `started` once any byte of it arrived.
        case head(started: Bool)
        case body
    }

    /// Why the server closes a connection.
    enum CloseReason: String, Sendable, CaseIterable {
        case headerTimeout = "header_timeout", bodyTimeout = "body_timeout", idleTimeout = "idle_timeout"
        /// Closed to make room for a new connection (see ``HTTPConnectionTable``).
        case evicted
    }

    enum Action: Equatable {
        /// The deadline is not reached (or was postponed): wait until it.
        case wait(until: ContinuousClock.Instant)
        /// Close; first answer `408 Request Timeout` when the client is waiting for no earlier response.
        case close(CloseReason, respond408: Bool)
        case none
    }

    let headerTimeout: Duration
    let bodyTimeout: Duration
    let idleTimeout: Duration

    private(set) var reading: Reading = .head(started: false)
    /// When the connection is closed unless something happens first; nil while the server is answering.
    private(set) var deadline: ContinuousClock.Instant?
    private var headsReceived = 0
    private var responseHeadsWritten = 0
    private var responseEndsWritten = 0
    private var closed = false

    init(_ settings: HTTPConnectionSettings, openedAt now: ContinuousClock.Instant) {
        headerTimeout = settings.headerTimeout
        bodyTimeout = settings.bodyTimeout
        idleTimeout = settings.idleTimeout
        deadline = now + headerTimeout
    }

    /// Requests whose head arrived and whose response is not complete.
    var requestsInFlight: Int { headsReceived - responseEndsWritten }

    /// Bytes arrived from the client (before the HTTP decoder saw them).
    mutating func bytesReceived(at now: ContinuousClock.Instant) {
        switch reading {
        case .head(started: false): reading = .head(started: true)
        case .nothing:
            reading = .head(started: true)
            deadline = now + headerTimeout
        case .head(started: true), .body: break
        }
    }

    /// The decoder produced a complete request head.
    mutating func requestHeadReceived(at now: ContinuousClock.Instant) {
        headsReceived += 1
        reading = .body
        deadline = now + bodyTimeout
    }

    /// The decoder produced the end of a request (right after the head when there is no body).
    mutating func requestEndReceived(at now: ContinuousClock.Instant) {
        reading = .nothing
        deadline = requestsInFlight > 0 ? nil : now + idleTimeout
    }

    mutating func responseHeadWritten() {
        responseHeadsWritten += 1
    }

    mutating func responseEndWritten(at now: ContinuousClock.Instant) {
        responseEndsWritten = min(responseEndsWritten + 1, headsReceived)
        if reading == .nothing && requestsInFlight == 0 { deadline = now + idleTimeout }
    }

    /// The timer fired; `serverIsReading` is false while the server does not read from the socket
    /// (back-pressure), and then the client is not to blame: its deadline moves on.
    mutating func timerFired(at now: ContinuousClock.Instant, serverIsReading: Bool) -> Action {
        guard !closed, let deadline else { return .none }
        guard now >= deadline else { return .wait(until: deadline) }
        switch reading {
        case .head where !serverIsReading:
            self.deadline = now + headerTimeout
            return .wait(until: now + headerTimeout)
        case .body where !serverIsReading:
            self.deadline = now + bodyTimeout
            return .wait(until: now + bodyTimeout)
        case .head(let started):
            return close(.headerTimeout, respond408: started && requestsInFlight == 0)
        case .body:
            // Only the request being read is outstanding, and its response has not started.
            return close(.bodyTimeout, respond408: requestsInFlight == 1 && responseHeadsWritten < headsReceived)
        case .nothing:
            return requestsInFlight == 0 ? close(.idleTimeout, respond408: false) : .none
        }
    }

    /// The connection is closed to make room for another (it had no request in flight).
    mutating func evicted() -> Action {
        guard !closed else { return .none }
        if case .head(started: true) = reading { return close(.evicted, respond408: requestsInFlight == 0) }
        return close(.evicted, respond408: false)
    }

    private mutating func close(_ reason: CloseReason, respond408: Bool) -> Action {
        closed = true
        deadline = nil
        return .close(reason, respond408: respond408)
    }
}
