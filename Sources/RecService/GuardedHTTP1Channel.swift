import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel behind the connection limit and the read timeouts of
/// ``HTTPConnectionSettings``.
///
/// A refused connection is closed before any byte is read; an accepted one gets an
/// ``HTTPConnectionGuard`` in front of the HTTP decoder and an ``HTTPExchangeObserver`` after it.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    /// The connection was refused (the limiter decided; the channel is already closed).
    struct Refused: Error {}

    let base: HTTP1Channel
    let settings: HTTPConnectionSettings
    let limiter: HTTPConnectionLimiter
    let metrics: ServiceMetrics

    init(responder: @escaping HTTPChannelHandler.Responder, settings: HTTPConnectionSettings, metrics: ServiceMetrics) {
        base = HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [HTTPExchangeObserver()]))
        self.settings = settings
        limiter = HTTPConnectionLimiter(settings, metrics: metrics)
        self.metrics = metrics
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard let id = limiter.open(channel) else {
            // Never registered with the event loop, so nothing else would close it.
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(Refused())
        }
        let limiter = self.limiter
        channel.closeFuture.whenComplete { _ in limiter.close(id) }
        do {
            let handler = HTTPConnectionGuard(settings: settings, limiter: limiter, id: id, metrics: metrics)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with `rec serve`'s connection limit and read timeouts; counts go to `metrics`.
    public static func guardedHTTP1(_ settings: HTTPConnectionSettings, metrics: ServiceMetrics) -> HTTPServerBuilder {
        .init { responder in GuardedHTTP1Channel(responder: responder, settings: settings, metrics: metrics) }
    }
}
