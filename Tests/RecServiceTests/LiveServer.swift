import RecCore
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Postgres
import ServiceLifecycle
@testable import RecService

/// `rec serve`'s HTTP stack (guarded HTTP/1, the API router) on 127.0.0.1, port 0, with no database behind it:
/// the pool points at a closed port and is never used by the routes these tests call.
struct LiveServer: Sendable {
    let port: Int
    let metrics: ServiceMetrics

    static func run<T: Sendable>(_ settings: HTTPConnectionSettings, _ body: @Sendable (LiveServer) async throws -> T) async throws -> T {
        let metrics = ServiceMetrics()
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: "postgresql://rec@127.0.0.1:1/unused", maxConnections: 1))
        defer { pool.close() }
        let deps = RecAPIDependencies(pool: pool, recommender: try ServiceTestStack.recommender(pool), auth: .disabled, metrics: metrics)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "rec.test.serve")
        logger.logLevel = .warning
        let app = Application(router: RecAPI(deps).makeRouter(), server: .guardedHTTP1(settings, metrics: metrics),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var it = ports.makeAsyncIterator()
            guard let port = await it.next(), port > 0 else { throw CancellationError() }
            do {
                let value = try await body(LiveServer(port: port, metrics: metrics))
                await services.triggerGracefulShutdown()
                return value
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// Sum of a metric family's samples whose labels contain `matching` (every sample when empty).
    func metric(_ name: String, _ matching: String = "") -> Double {
        metrics.render(poolInUse: 0, poolSize: 1).split(separator: "\n")
            .filter { ($0.hasPrefix(name + "{") || $0.hasPrefix(name + " ")) && (matching.isEmpty || $0.contains(matching)) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    /// Waits (bounded) until `condition` holds; false when the deadline passed first.
    func eventually(within limit: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return condition()
    }

    func connect(from source: String = "127.0.0.1") async throws -> RawConnection {
        try await RawConnection.open(port: port, from: source)
    }
}

/// A raw TCP client to the loopback server: sends bytes as given, collects what comes back, sees the close.
final class RawConnection: Sendable {
    let channel: any Channel
    private let received: NIOLockedValueBox<[UInt8]>

    private init(channel: any Channel, received: NIOLockedValueBox<[UInt8]>) {
        self.channel = channel
        self.received = received
    }

    /// Connects from `source` (any 127.x.y.z address is loopback on Linux: a different client to the server).
    static func open(port: Int, from source: String) async throws -> RawConnection {
        let box = NIOLockedValueBox<[UInt8]>([])
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Collector(box)) } }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, received: box)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    var text: String { String(decoding: received.withLockedValue { $0 }, as: UTF8.self) }

    /// Whether the server closed the connection within `limit`.
    func closedByServer(within limit: Duration = .seconds(20)) async -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end, channel.isActive { try? await Task.sleep(for: .milliseconds(25)) }
        return !channel.isActive
    }

    /// Waits (bounded) until the received text contains `s`.
    func received(_ s: String, within limit: Duration = .seconds(20)) async -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end, !text.contains(s) { try? await Task.sleep(for: .milliseconds(25)) }
        return text.contains(s)
    }

    func close() async {
        try? await channel.close()
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let box: NIOLockedValueBox<[UInt8]>
        init(_ box: NIOLockedValueBox<[UInt8]>) { self.box = box }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            box.withLockedValue { $0 += bytes }
        }
    }
}
