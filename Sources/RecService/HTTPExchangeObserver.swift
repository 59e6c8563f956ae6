import NIOCore
import NIOHTTPTypes

/// After the HTTP decoder: reports request and response boundaries to the connection's
/// ``HTTPConnectionGuard`` (which sees only bytes), and passes every part on unchanged.
final class HTTPExchangeObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var connectionGuard: HTTPConnectionGuard?

    init() {}

    func handlerAdded(context: ChannelHandlerContext) {
        connectionGuard = try? context.pipeline.syncOperations.handler(type: HTTPConnectionGuard.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connectionGuard = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: connectionGuard?.requestHeadReceived()
        case .body: break
        case .end: connectionGuard?.requestEndReceived()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: connectionGuard?.responseHeadWritten()
        case .body: break
        case .end: connectionGuard?.responseEndWritten()
        }
        context.write(data, promise: promise)
    }
}

@available(*, unavailable)
extension HTTPExchangeObserver: Sendable {}
