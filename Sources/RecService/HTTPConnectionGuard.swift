import RecCore
import NIOCore

/// First handler of every connection's pipeline (raw bytes, before the HTTP decoder): runs the
/// connection's ``HTTPConnectionTimeouts``, closes it when a deadline passes or it is evicted, and
/// tells the ``HTTPConnectionLimiter`` whether a request is in flight.
///
/// It sees bytes as they arrive, so a request head dripping in byte by byte is timed from its first
/// byte; ``HTTPExchangeObserver``, after the decoder, reports the HTTP parts.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private var timeouts: HTTPConnectionTimeouts
    private let limiter: HTTPConnectionLimiter
    private let id: Int
    private let metrics: ServiceMetrics
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerDeadline: ContinuousClock.Instant?
    /// A read is outstanding: the server wants bytes (false under back-pressure).
    private var serverIsReading = false
    private var busy = false

    init(settings: HTTPConnectionSettings, limiter: HTTPConnectionLimiter, id: Int, metrics: ServiceMetrics) {
        timeouts = HTTPConnectionTimeouts(settings, openedAt: .now)
        self.limiter = limiter
        self.id = id
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        armTimer()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timeouts.bytesReceived(at: .now)
        armTimer()
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        serverIsReading = false
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        serverIsReading = true
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is HTTPConnectionLimiter.EvictEvent else { return context.fireUserInboundEventTriggered(event) }
        perform(timeouts.evicted())
    }

    // MARK: - reported by HTTPExchangeObserver

    func requestHeadReceived() {
        timeouts.requestHeadReceived(at: .now)
        updateBusy()
        armTimer()
    }

    func requestEndReceived() {
        timeouts.requestEndReceived(at: .now)
        armTimer()
    }

    func responseHeadWritten() {
        timeouts.responseHeadWritten()
    }

    func responseEndWritten() {
        timeouts.responseEndWritten(at: .now)
        updateBusy()
        armTimer()
    }

    // MARK: -

    private func updateBusy() {
        let inFlight = timeouts.requestsInFlight > 0
        guard inFlight != busy else { return }
        busy = inFlight
        limiter.setBusy(id, inFlight)
    }

    /// One timer, at the state machine's deadline (rescheduled only when the deadline changes).
    private func armTimer() {
        guard timeouts.deadline != timerDeadline else { return }
        cancelTimer()
        guard let context, let deadline = timeouts.deadline else { return }
        timerDeadline = deadline
        let delay = ContinuousClock.now.duration(to: deadline)
        let nanos = max(0, delay.nanoseconds)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanos)) { [self] in
            timer = nil
            timerDeadline = nil
            perform(timeouts.timerFired(at: .now, serverIsReading: serverIsReading))
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }

    private func perform(_ action: HTTPConnectionTimeouts.Action) {
        switch action {
        case .none: break
        case .wait: armTimer()
        case .close(let reason, let respond408):
            cancelTimer()
            guard let context else { return }
            metrics.connectionClosed(reason.rawValue)
            if respond408 {
                context.writeAndFlush(wrapOutboundOut(.byteBuffer(Self.requestTimeout)), promise: nil)
            }
            context.close(promise: nil)
        }
    }

    /// `408` in the API's JSON error format, written below the HTTP encoder (the request may be incomplete).
    static let requestTimeout: ByteBuffer = {
        let body = #"{"error":{"code":"\#(RecServiceError.Code.requestTimeout)","message":"the request did not arrive in time"}}"#
        return ByteBuffer(string: "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + body)
    }()
}

@available(*, unavailable)
extension HTTPConnectionGuard: Sendable {}
