import Foundation
import NIOCore

/// The server-wide ``HTTPConnectionTable`` behind a lock, with the channels it may have to close.
///
/// Connections are decided on when accepted, on their own event loops, so the table is shared.
final class HTTPConnectionLimiter: @unchecked Sendable {
    /// Sent to a connection's pipeline to close it for a newcomer (handled by ``HTTPConnectionGuard``).
    struct EvictEvent: Sendable {}

    private let lock = NSLock()
    private var table: HTTPConnectionTable
    private var channels: [Int: any Channel] = [:]
    private var nextID = 0
    private let metrics: ServiceMetrics
    /// Tests only: runs in ``close(_:)`` after the table changed and before the gauges are set from it.
    var beforePublishingClose: (@Sendable () -> Void)?

    init(_ settings: HTTPConnectionSettings, metrics: ServiceMetrics) {
        table = HTTPConnectionTable(maxConnections: settings.maxConnections, maxPerClient: settings.maxConnectionsPerClient)
        self.metrics = metrics
        metrics.setConnectionLimit(settings.maxConnections)
    }

    /// Registers an accepted connection; nil when it is refused (the caller closes it).
    func open(_ channel: any Channel) -> Int? {
        open(client: Self.clientKey(channel.remoteAddress), channel: channel)
    }

    /// ``open(_:)`` for the connection of `client` (`channel` nil: nothing to evict it by, for tests).
    ///
    /// The gauges are set under the table's lock, like every change of the table: set after unlocking, two
    /// connections closing at once on two event loops could publish their counts in the wrong order and leave
    /// `rec_http_connections` at 1 with nothing open (HostileClientTests saw it under load).
    func open(client: String, channel: (any Channel)?) -> Int? {
        lock.lock()
        let id = nextID
        nextID += 1
        let decision = table.open(id: id, client: client)
        var victim: (any Channel)?
        if case .accept(let evict) = decision {
            channels[id] = channel
            if let evict { victim = channels.removeValue(forKey: evict) }
        }
        metrics.setOpenConnections(table.count, busy: table.busyCount)
        lock.unlock()
        switch decision {
        case .refuse(let reason):
            metrics.connectionRefused(reason.rawValue)
            return nil
        case .accept:
            victim?.pipeline.fireUserInboundEventTriggered(EvictEvent())
            return id
        }
    }

    /// The connection closed (idempotent).
    func close(_ id: Int) {
        lock.lock()
        table.close(id: id)
        channels[id] = nil
        beforePublishingClose?()
        metrics.setOpenConnections(table.count, busy: table.busyCount)
        lock.unlock()
    }

    func setBusy(_ id: Int, _ busy: Bool) {
        lock.lock()
        table.setBusy(id: id, busy)
        metrics.setOpenConnections(table.count, busy: table.busyCount)
        lock.unlock()
    }

    /// Who a connection counts against: the IPv4 address, or the /64 prefix of an IPv6 address (one
    /// host usually has a whole /64); IPv4-mapped IPv6 addresses count as IPv4.
    static func clientKey(_ address: SocketAddress?) -> String {
        switch address {
        case .v4?: return address?.ipAddress ?? "v4"
        case .v6(let a)?:
            let bytes = withUnsafeBytes(of: a.address.sin6_addr) { Array($0) }
            if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return bytes[12...].map(String.init).joined(separator: ".")
            }
            return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":") + "::/64"
        case .unixDomainSocket?: return "unix"
        case nil: return "unknown"
        }
    }
}
